"""Datasets: the 12-bit dataset of Shwartz-Ziv & Tishby, ``.mat`` files, train/test splits.

The Tishby dataset ([ST17], file ``var_u.mat`` of their public code) is regenerated here from
its labelling rule (see ``REFERENCE.md`` §1): the 12 inputs sit on the vertices of an
icosahedron, and ``y = 1`` iff

    0.2398 k - 0.0792 n_A - 0.0512 n_B + 0.0047 n_C - 1 > 0,

with ``k`` the number of active inputs and ``n_A, n_B, n_C`` the numbers of active vertex pairs
that are antipodal (A), icosahedron edges (B) or neither (C). The rule reproduces all 4096
labels of ``var_u.mat``.

One loader per format: :func:`load_mat` reads the ``F``/``y`` layout of ``var_u.mat`` (also
used for ``g1.mat``, ``g2.mat`` and the files the workflow writes), and :func:`load_dataset`
resolves a dataset name or a path to the arrays the network is trained on.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np

__all__ = [
    "ANTIPODAL_PAIRS",
    "ICOSAHEDRON_EDGES",
    "BUILTIN_DATASETS",
    "tishby_inputs",
    "tishby_labels",
    "tishby_dataset",
    "load_mat",
    "save_mat",
    "load_dataset",
    "train_test_split",
]

#: Class A of [ST17]'s rule: the 6 antipodal vertex pairs of the icosahedron.
ANTIPODAL_PAIRS: tuple[tuple[int, int], ...] = ((0, 9), (1, 7), (2, 5), (3, 6), (4, 10), (8, 11))

#: Class B: the 30 edges of the icosahedron graph (every vertex in 5 of them).
ICOSAHEDRON_EDGES: tuple[tuple[int, int], ...] = (
    (0, 2), (0, 4), (0, 6), (0, 7), (0, 8), (1, 5), (1, 6), (1, 8), (1, 9), (1, 10),
    (2, 6), (2, 7), (2, 10), (2, 11), (3, 4), (3, 5), (3, 7), (3, 9), (3, 11), (4, 5),
    (4, 7), (4, 8), (5, 8), (5, 9), (6, 8), (6, 10), (7, 11), (9, 10), (9, 11), (10, 11),
)  # fmt: skip

#: Coefficients of the rule: (k, n_A, n_B, n_C, constant).
_RULE = (0.2398, -0.0792, -0.0512, 0.0047, -1.0)

#: Dataset names the project can build without a file.
BUILTIN_DATASETS = ("tishby",)


def tishby_inputs() -> np.ndarray:
    """The 4096 inputs of the Tishby dataset.

    Returns
    -------
    numpy.ndarray, uint8, shape [4096, 12]
        Row ``r`` is the 12-bit binary representation of ``r``, most significant bit in
        column 0, so every input pattern occurs exactly once (H(X) = 12 bits).
    """
    rows = np.arange(4096, dtype=np.int64)[:, None]
    shifts = 11 - np.arange(12, dtype=np.int64)[None, :]
    return ((rows >> shifts) & 1).astype(np.uint8)


def _active_pairs(bits: np.ndarray, pairs) -> np.ndarray:
    """Number of pairs (i, j) in ``pairs`` with both inputs active, per row of ``bits``."""
    i, j = np.array(pairs, dtype=np.int64).T
    return (bits[:, i] & bits[:, j]).sum(axis=1, dtype=np.int64)


def tishby_labels(inputs: np.ndarray | None = None) -> np.ndarray:
    """Labels of [ST17]'s "spherically symmetric" rule (REFERENCE.md §1).

    Parameters
    ----------
    inputs : numpy.ndarray of 0/1, shape [N, 12], optional
        Binary inputs; defaults to :func:`tishby_inputs`.

    Returns
    -------
    numpy.ndarray, uint8, shape [N]
        ``1`` where ``0.2398 k - 0.0792 n_A - 0.0512 n_B + 0.0047 n_C - 1 > 0``, else ``0``.
        Evaluated in float64; the smallest |value| over the 4096 inputs is 0.0054, far from
        rounding error.

    Raises
    ------
    ValueError
        If ``inputs`` is not a 0/1 array with 12 columns.
    """
    bits = tishby_inputs() if inputs is None else np.asarray(inputs)
    if bits.ndim != 2 or bits.shape[1] != 12:
        raise ValueError(f"inputs must have shape [N, 12], got {bits.shape}")
    if not np.isin(bits, (0, 1)).all():
        raise ValueError("inputs must be binary (0/1)")
    bits = bits.astype(np.int64)
    all_pairs = set(itertools.combinations(range(12), 2))
    other_pairs = sorted(all_pairs - set(ANTIPODAL_PAIRS) - set(ICOSAHEDRON_EDGES))
    c_k, c_a, c_b, c_c, c_0 = _RULE
    value = (
        c_k * bits.sum(axis=1)
        + c_a * _active_pairs(bits, ANTIPODAL_PAIRS)
        + c_b * _active_pairs(bits, ICOSAHEDRON_EDGES)
        + c_c * _active_pairs(bits, other_pairs)
        + c_0
    )
    return (value > 0).astype(np.uint8)


def tishby_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The Tishby dataset as stored in ``var_u.mat``.

    Returns
    -------
    F : numpy.ndarray, uint8, shape [4096, 12]
    y : numpy.ndarray, uint8, shape [1, 4096]
        Exactly the arrays of ``var_u.mat`` (2118 ones, p(y=1) = 0.51709).
    """
    inputs = tishby_inputs()
    return inputs, tishby_labels(inputs)[None, :]


def save_mat(path: str | os.PathLike, inputs: np.ndarray, labels: np.ndarray) -> None:
    """Write a dataset in the layout of ``var_u.mat`` (``F`` [N, d], ``y`` [1, N]).

    Raises
    ------
    FileExistsError
        If ``path`` exists: datasets are never silently overwritten.
    ValueError
        If the numbers of rows of ``inputs`` and ``labels`` differ.
    """
    import scipy.io

    path = Path(path)
    if path.exists():
        raise FileExistsError(f"refusing to overwrite existing dataset file {path}")
    inputs = np.asarray(inputs)
    labels = np.asarray(labels).reshape(1, -1)
    if inputs.ndim != 2 or inputs.shape[0] != labels.shape[1]:
        raise ValueError(
            f"inputs [N, d] and labels [N] disagree: {inputs.shape} vs {labels.shape[1]} labels"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, {"F": inputs, "y": labels}, do_compression=True)


def load_mat(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a dataset with the layout of [ST17]'s ``var_u.mat``.

    Parameters
    ----------
    path : path to a MATLAB file with a matrix ``F`` [N, d] and labels ``y`` ([1, N], [N, 1]
        or [N, C] one-hot).

    Returns
    -------
    inputs : numpy.ndarray, float32, shape [N, d]
    labels : numpy.ndarray, int64, shape [N], values 0 … C-1, in the file's row order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``F`` or ``y`` is missing or their shapes disagree, or labels are not
        non-negative integers.
    """
    import scipy.io

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path}")
    contents = scipy.io.loadmat(path)
    missing = [key for key in ("F", "y") if key not in contents]
    if missing:
        raise ValueError(f"{path}: missing variable(s) {missing}; expected 'F' [N, d] and 'y' [1, N]")
    inputs = np.asarray(contents["F"])
    raw = np.asarray(contents["y"])
    if inputs.ndim != 2:
        raise ValueError(f"{path}: 'F' must be a matrix [N, d], got shape {inputs.shape}")
    n = inputs.shape[0]
    if raw.shape in ((1, n), (n, 1)):
        labels = raw.reshape(-1)
    elif raw.ndim == 2 and raw.shape[0] == n and raw.shape[1] > 1:
        labels = raw.argmax(axis=1)  # one-hot
    else:
        raise ValueError(f"{path}: 'y' of shape {raw.shape} does not match {n} rows of 'F'")
    if not np.all(np.equal(np.mod(labels, 1), 0)) or labels.min() < 0:
        raise ValueError(f"{path}: labels must be non-negative integers")
    return inputs.astype(np.float32), labels.astype(np.int64)


def load_dataset(name_or_path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset by built-in name or from a ``.mat`` file.

    Parameters
    ----------
    name_or_path : ``"tishby"`` (generated from the rule of [ST17], REFERENCE.md §1) or the path
        of a ``.mat`` file in the ``var_u.mat`` layout.

    Returns
    -------
    inputs : numpy.ndarray, float32, shape [N, d] ([4096, 12] for ``"tishby"``)
    labels : numpy.ndarray, int64, shape [N], in the file's row order.

    Raises
    ------
    ValueError
        If the name is neither a built-in dataset nor a ``.mat`` path.
    FileNotFoundError
        If the path does not exist.
    """
    if str(name_or_path) == "tishby":
        inputs, labels = tishby_dataset()
        return inputs.astype(np.float32), labels.reshape(-1).astype(np.int64)
    path = Path(name_or_path)
    if path.suffix.lower() != ".mat":
        raise ValueError(
            f"unknown dataset {str(name_or_path)!r}: expected one of {list(BUILTIN_DATASETS)} "
            "or the path of a .mat file"
        )
    return load_mat(path)


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
