"""Which epochs to record.

Epoch ``e`` means "after ``e`` epochs of training": epoch 0 is the network at initialisation.
Every schedule includes epoch 0 and the last epoch.

``log``    ``points`` log-spaced epochs between 1 and ``epochs`` (rounded to the nearest integer,
           duplicates removed), like [ST17]'s public code (``np.logspace(..., num_of_samples)``,
           400 points for 8000 epochs there, which truncates instead of rounding).
``sb18``   [SB18]'s steps: every epoch below 20, every 5th below 100, every 20th below 2000,
           every 100th after.
``sb18_mnist``  [SB18]'s MNIST steps (REFERENCE.md §2): every epoch below 20, every 5th below
           100, every 10th below 200, every 100th after.
``every``  every ``step``-th epoch.

Any schedule can add a dense tail: every epoch of the last ``tail`` epochs (for the AIR
estimator, which pools consecutive epochs).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SCHEDULES", "recording_epochs", "planned_epochs"]

SCHEDULES = ("log", "sb18", "sb18_mnist", "every")


def planned_epochs(settings) -> np.ndarray:
    """The recorded epochs [E] of an experiment's settings: :func:`recording_epochs` of its
    ``epochs`` and its ``record`` section's ``schedule``, ``points`` (default 100), ``step`` (1)
    and ``tail`` (0). Raises as :func:`recording_epochs`."""
    record = settings["record"]
    return recording_epochs(int(settings["epochs"]), record["schedule"], points=int(record.get("points", 100)),
                            step=int(record.get("step", 1)), tail=int(record.get("tail", 0)))  # fmt: skip


def recording_epochs(
    epochs: int, schedule: str = "log", *, points: int = 100, step: int = 1, tail: int = 0
) -> np.ndarray:
    """Epochs at which activations and statistics are recorded.

    Parameters
    ----------
    epochs : number of training epochs E (>= 0).
    schedule : ``"log"``, ``"sb18"``, ``"sb18_mnist"`` or ``"every"`` (see the module docstring).
    points : number of log-spaced points for ``"log"`` (>= 1); fewer epochs result when
        small epochs repeat.
    step : spacing for ``"every"`` (>= 1).
    tail : also record every one of the last ``tail`` epochs (>= 0).

    Returns
    -------
    numpy.ndarray, int64, sorted and unique, starting at 0 and ending at ``epochs``.

    Raises
    ------
    ValueError
        For an unknown schedule or a negative ``epochs``, ``points < 1``, ``step < 1`` or ``tail < 0``.
    """
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if schedule == "log":
        if points < 1:
            raise ValueError(f"points must be >= 1, got {points}")
        chosen = np.rint(np.logspace(0.0, np.log10(max(epochs, 1)), points)).astype(np.int64)
    elif schedule == "sb18":
        e = np.arange(epochs + 1, dtype=np.int64)
        keep = (e < 20) | ((e < 100) & (e % 5 == 0)) | ((e < 2000) & (e % 20 == 0)) | (e % 100 == 0)
        chosen = e[keep]
    elif schedule == "sb18_mnist":
        e = np.arange(epochs + 1, dtype=np.int64)
        keep = (e < 20) | ((e < 100) & (e % 5 == 0)) | ((e < 200) & (e % 10 == 0)) | (e % 100 == 0)
        chosen = e[keep]
    elif schedule == "every":
        if step < 1:
            raise ValueError(f"step must be >= 1, got {step}")
        chosen = np.arange(0, epochs + 1, step, dtype=np.int64)
    else:
        raise ValueError(f"unknown recording schedule {schedule!r}; expected one of {SCHEDULES}")
    if tail < 0:
        raise ValueError(f"tail must be >= 0, got {tail}")
    dense = np.arange(max(0, epochs - tail + 1), epochs + 1, dtype=np.int64)
    chosen = np.concatenate([[0], chosen[chosen <= epochs], dense, [epochs]])
    return np.unique(chosen)
