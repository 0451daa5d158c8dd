"""Train/test splits and probe sets: which rows train, which test, which are recorded."""

from __future__ import annotations

import numpy as np


def train_test_split(
    n_samples: int, train_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices by a seeded permutation.

    Parameters
    ----------
    n_samples : number of samples N.
    train_fraction : fraction in (0, 1] of samples used for training ([ST17]: 0.8);
        the training set has ``round(train_fraction * N)`` samples (at least 1).
    seed : seed of ``numpy.random.default_rng`` that draws the permutation.

    Returns
    -------
    train_index, test_index : numpy.ndarray, int64
        Sorted, disjoint indices covering ``0 … N-1``; ``test_index`` is empty when
        ``train_fraction == 1``.

    Raises
    ------
    ValueError
        If ``train_fraction`` is not in (0, 1] or ``n_samples < 1``.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    if not 0.0 < train_fraction <= 1.0:
        raise ValueError(f"train_fraction must be in (0, 1], got {train_fraction}")
    permutation = np.random.default_rng(seed).permutation(n_samples)
    n_train = max(1, int(round(train_fraction * n_samples)))
    return np.sort(permutation[:n_train]), np.sort(permutation[n_train:])


#: Which rows of a dataset are recorded and estimated (``record.probe``): every row, the
#: training rows or the test rows.
PROBES = ("all", "train", "test")


def probe_index(
    n_samples: int,
    train_index: np.ndarray,
    test_index: np.ndarray,
    probe: str = "all",
    size: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Rows of the probe set: the inputs whose activations are recorded and whose information
    is estimated (the train/test metrics always use the whole split).

    Parameters
    ----------
    n_samples : number of rows N of the dataset.
    train_index, test_index : the split (0-based rows).
    probe : ``"all"`` (rows 0 … N-1; [ST17], [SB18] on the Tishby data), ``"train"`` or
        ``"test"`` ([SB18] on MNIST: the 10000 test inputs).
    size : optional; a subset of this many rows of the probe, drawn without replacement by
        ``numpy.random.default_rng(seed)``.
    seed : seed of that draw.

    Returns
    -------
    numpy.ndarray, int64 [P], sorted, distinct.

    Raises
    ------
    ValueError
        For an unknown probe, an empty probe set, or ``size`` outside 1 … (rows of the probe).
    """
    if probe == "all":
        rows = np.arange(n_samples, dtype=np.int64)
    elif probe == "train":
        rows = np.asarray(train_index, dtype=np.int64)
    elif probe == "test":
        rows = np.asarray(test_index, dtype=np.int64)
    else:
        raise ValueError(f"unknown probe {probe!r}; expected one of {PROBES}")
    if len(rows) == 0:
        raise ValueError(f"probe {probe!r} is empty (train_fraction 1 leaves no test rows)")
    if size is None:
        return np.sort(rows)
    if not 1 <= int(size) <= len(rows):
        raise ValueError(f"probe_size must be in 1 … {len(rows)} (the rows of probe {probe!r}), got {size}")
    return np.sort(np.random.default_rng(int(seed)).choice(rows, int(size), replace=False))


# --- MNIST ---------------------------------------------------------------------------------


def probe_rows(
    settings: dict, n_samples: int, train_index: np.ndarray, test_index: np.ndarray, *, fixed_split: bool = False
) -> np.ndarray:
    """An experiment's probe rows from its ``record`` settings (:func:`probe_index`).

    ``record.probe`` defaults to ``"test"`` for a dataset with a fixed split (MNIST
    ``standard``: the 10000 test inputs, as [SB18]) and to ``"all"`` otherwise (the Tishby
    data: all 4096 inputs, as [ST17] and [SB18]); ``record.probe_size`` (optional) draws a
    subset with ``record.probe_seed`` (default 0).

    Raises
    ------
    ValueError
        As :func:`probe_index`.
    """
    record = settings.get("record") or {}
    probe = record.get("probe", "test" if fixed_split else "all")
    size = record.get("probe_size")
    return probe_index(n_samples, train_index, test_index, probe, None if size is None else int(size),
                       int(record.get("probe_seed", 0)))
