"""The tasks a network is trained for, one declaration each: its loss, its kind of target and
what it is compared with in place of "chance".

``classification``
    integer labels 0 … C-1, cross-entropy loss, accuracy; the baseline is the majority class
    (the classifier trainers, :mod:`infoplane.training`, :mod:`infoplane.gan`).
``regression``
    a continuous target, squared-error loss, the test mean squared error; the baselines are
    *persistence* (the next value equals the window's last: the standard baseline of
    hour-ahead forecasting) and the *training mean* (the target's mean over the training part).
    A dataset source declares it with ``TASK = "regression"``
    (:func:`infoplane.datasets.task_of`); the recurrent study (:mod:`infoplane.rnn`) trains on it.

Scaling (:class:`Scaling`): inputs and targets of a regression series are one physical
quantity, standardised by the mean and standard deviation of the training targets only, so
nothing of the test part leaks into training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Task", "TASKS", "get", "Scaling", "regression_baselines", "BASELINES"]


@dataclass(frozen=True)
class Task:
    """One task: ``name``, its ``loss`` (words), ``target`` kind, the ``metric`` reported on the
    test part and the names of its ``baselines``."""

    name: str
    loss: str
    target: str
    metric: str
    baselines: tuple[str, ...]


#: Regression baselines: name -> description (for the report).
BASELINES = {
    "persistence": "persistence: the next hour's value equals the window's last",
    "training_mean": "the training mean: every prediction is the mean of the training targets",
}

TASKS = {
    "classification": Task("classification", "cross-entropy", "integer labels 0 … C-1", "accuracy", ("majority_class",)),
    "regression": Task("regression", "squared error", "a continuous value", "mean squared error", tuple(BASELINES)),
}


def get(name: str) -> Task:
    """The task named ``name``; ValueError naming the known ones."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; expected one of {list(TASKS)}")
    return TASKS[name]


@dataclass(frozen=True)
class Scaling:
    """``(value - mean) / scale``, fitted on the training targets (:meth:`fit`)."""

    mean: float
    scale: float

    @classmethod
    def fit(cls, train_targets) -> "Scaling":
        """Mean and (population) standard deviation of ``train_targets`` [n].

        Raises
        ------
        ValueError
            For fewer than two values, non-finite ones or a constant target.
        """
        values = np.asarray(train_targets, dtype=np.float64).reshape(-1)
        if len(values) < 2 or not np.isfinite(values).all():
            raise ValueError(f"scaling needs at least two finite training targets, got {len(values)}")
        scale = float(values.std())
        if scale == 0.0:
            raise ValueError("the training targets are constant: nothing to regress")
        return cls(float(values.mean()), scale)

    def apply(self, values) -> np.ndarray:
        """``(values - mean) / scale`` as float64, any shape (values in the target's units)."""
        return (np.asarray(values, dtype=np.float64) - self.mean) / self.scale

    def invert(self, values) -> np.ndarray:
        """``values * scale + mean``: scaled values back in the target's units, any shape."""
        return np.asarray(values, dtype=np.float64) * self.scale + self.mean


def regression_baselines(inputs, targets, train_index, test_index) -> dict[str, float]:
    """Test mean squared errors of the baselines, in the targets' squared units.

    Parameters
    ----------
    inputs : [N, L] windows (the last column the latest value); targets : [N];
    train_index, test_index : rows of the two parts.

    Returns
    -------
    ``{"persistence": …, "training_mean": …}``.
    """
    inputs, targets = np.asarray(inputs, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    test = targets[test_index]
    return {
        "persistence": float(np.mean((inputs[test_index, -1] - test) ** 2)),
        "training_mean": float(np.mean((targets[train_index].mean() - test) ** 2)),
    }
