"""Dataset files in the layout of [ST17]'s ``var_u.mat`` (``F`` [N, d], ``y`` [1, N]): the
reader of ``path`` dataset entries, and the file every study's dataset rule writes (which may add
a fixed split, a divisor for stored integers and the shape of one input, see :func:`save_mat`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def save_mat(
    path: str | os.PathLike,
    inputs: np.ndarray,
    labels: np.ndarray,
    *,
    train_index: np.ndarray | None = None,
    test_index: np.ndarray | None = None,
    divisor: float | None = None,
    input_shape: tuple[int, ...] | None = None,
) -> None:
    """Write a dataset in the layout of ``var_u.mat`` (``F`` [N, d], ``y`` [1, N]).

    Parameters
    ----------
    inputs : [N, d]; labels : [N].
    train_index, test_index : optional fixed split (0-based rows), stored as ``train_index``
        and ``test_index`` [1, n]; :func:`load_split` reads them back. Both or neither.
    divisor : optional; stored as ``F_divisor``, and :func:`load_mat` returns
        ``F / F_divisor`` in float32 (MNIST: its uint8 pixels and 255, 8x smaller than float32).
    input_shape : optional shape of one input (e.g. (1, 28, 28)), stored as ``F_shape``;
        :func:`load_input_shape` reads it back (``F`` stays [N, d], d its product).

    Raises
    ------
    FileExistsError
        If ``path`` exists: datasets are never silently overwritten.
    ValueError
        If the numbers of rows of ``inputs`` and ``labels`` differ, only one of the split's
        halves is given, or an index is out of range.
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
    variables = {"F": inputs, "y": labels}
    if (train_index is None) != (test_index is None):
        raise ValueError("give both train_index and test_index, or neither")
    if train_index is not None:
        for name, index in (("train_index", train_index), ("test_index", test_index)):
            index = np.asarray(index, dtype=np.int64).reshape(1, -1)
            if index.size and (index.min() < 0 or index.max() >= len(inputs)):
                raise ValueError(f"{name} has rows outside 0 … {len(inputs) - 1}")
            variables[name] = index
    if divisor is not None:
        variables["F_divisor"] = np.array([[float(divisor)]])
    if input_shape is not None:
        if int(np.prod(input_shape)) != inputs.shape[1]:
            raise ValueError(f"input_shape {tuple(input_shape)} does not hold the {inputs.shape[1]} values of an input")
        variables["F_shape"] = np.asarray(input_shape, dtype=np.int64).reshape(1, -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(path, variables, do_compression=True)


def _read_mat(path: Path, variable_names=None) -> dict:
    """``scipy.io.loadmat`` with errors that name the file."""
    import scipy.io

    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path}")
    try:
        return scipy.io.loadmat(path, variable_names=variable_names)
    except Exception as error:  # scipy raises IndexError, MatReadError, ValueError, … on non-MATLAB bytes
        raise ValueError(
            f"{path}: not a readable MATLAB .mat file ({type(error).__name__}: {error}); expected "
            "a MATLAB v5/v7 file with 'F' [N, d] and 'y' [1, N] as var_u.mat"
        ) from error


def _check_finite(path, inputs: np.ndarray) -> None:
    """ValueError naming ``path`` when ``inputs`` holds NaN or infinity."""
    if np.issubdtype(inputs.dtype, np.floating) and not np.isfinite(inputs).all():
        bad = ~np.isfinite(inputs)
        rows = np.flatnonzero(bad.any(axis=1))
        raise ValueError(
            f"{path}: the inputs hold {int(bad.sum())} non-finite value(s) (NaN or infinity) in "
            f"{len(rows)} row(s), first row {int(rows[0])}; a network cannot be trained on them "
            "(fix the data, not the learning rate)"
        )


def load_mat(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a dataset with the layout of [ST17]'s ``var_u.mat``.

    Parameters
    ----------
    path : path to a MATLAB file with a matrix ``F`` [N, d] and labels ``y`` ([1, N], [N, 1]
        or [N, C] one-hot); an optional scalar ``F_divisor`` divides ``F`` (see :func:`save_mat`).

    Returns
    -------
    inputs : numpy.ndarray, float32, shape [N, d]
    labels : numpy.ndarray, int64, shape [N], values 0 … C-1, in the file's row order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable MATLAB file, ``F`` or ``y`` is missing or their shapes
        disagree, labels are not non-negative integers, or ``F`` holds NaN or infinity (each
        message names the file).
    """
    path = Path(path)
    contents = _read_mat(path)
    missing = [key for key in ("F", "y") if key not in contents]
    if missing:
        raise ValueError(f"{path}: missing variable(s) {missing}; expected 'F' [N, d] and 'y' [1, N]")
    inputs = np.asarray(contents["F"])
    raw = np.asarray(contents["y"])
    if inputs.ndim != 2:
        raise ValueError(f"{path}: 'F' must be a matrix [N, d], got shape {inputs.shape}")
    if not (np.issubdtype(inputs.dtype, np.number) or inputs.dtype == bool):
        raise ValueError(f"{path}: 'F' must be numeric, got {inputs.dtype}")
    n = inputs.shape[0]
    if raw.shape in ((1, n), (n, 1)):
        labels = raw.reshape(-1)
    elif raw.ndim == 2 and raw.shape[0] == n and raw.shape[1] > 1:
        labels = raw.argmax(axis=1)  # one-hot
    else:
        raise ValueError(f"{path}: 'y' of shape {raw.shape} does not match {n} rows of 'F'")
    if n == 0:
        raise ValueError(f"{path}: 'F' has no rows")
    if not np.issubdtype(labels.dtype, np.number) or not np.all(np.isfinite(labels)):
        raise ValueError(f"{path}: labels must be non-negative integers")
    if not np.all(np.equal(np.mod(labels, 1), 0)) or labels.min() < 0:
        raise ValueError(f"{path}: labels must be non-negative integers")
    _check_finite(path, inputs)
    with np.errstate(over="ignore"):  # values beyond the float32 range: reported just below
        inputs = inputs.astype(np.float32)
    if "F_divisor" in contents:
        inputs /= np.float32(np.asarray(contents["F_divisor"]).item())
    _check_finite(path, inputs)  # float64 values beyond the float32 range
    return inputs, labels.astype(np.int64)


def load_split(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray] | None:
    """The fixed train/test split stored in a dataset file by :func:`save_mat`, if any.

    Returns
    -------
    ``(train_index, test_index)``, int64 [n_train] and [n_test] (0-based rows), or None when
    the file has no split (the experiment's ``train_fraction``/``split_seed`` then decide).

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_mat`; ValueError also when only one half of the split is stored.
    """
    path = Path(path)
    contents = _read_mat(path, variable_names=["train_index", "test_index"])
    present = [key for key in ("train_index", "test_index") if key in contents]
    if not present:
        return None
    if len(present) == 1:
        raise ValueError(f"{path}: stores {present[0]!r} without its other half")
    return tuple(np.asarray(contents[key], dtype=np.int64).reshape(-1) for key in ("train_index", "test_index"))


def load_input_shape(path: str | os.PathLike) -> tuple[int, ...]:
    """The shape of one input stored with a dataset file (``F_shape``, see :func:`save_mat`):
    (C, H, W) for images; (d,) when the file stores none (``var_u.mat``: (12,))."""
    path = Path(path)
    contents = _read_mat(path, variable_names=["F_shape", "F"])
    if "F_shape" in contents:
        return tuple(int(v) for v in np.asarray(contents["F_shape"]).reshape(-1))
    return (int(np.asarray(contents["F"]).shape[1]),)


# --- the source declaration of ``path`` entries (infoplane.datasets) ---------------------------
NAME = "mat"
DESCRIPTION = "a MATLAB file in the layout of var_u.mat"
SOURCE = "[ST17]'s var_u.mat layout: F [N, d], y [1, N]"
PARAMETERS = ()  # the entry's one key is `path` (the config schema's own)


def layout(spec):
    path = Path(spec["path"])
    if not path.is_file():
        return None
    _, labels = load_mat(path)
    return len(labels), int(labels.max()) + 1, load_split(path)


def input_shape(spec) -> tuple[int, ...] | None:
    path = Path(spec["path"])
    return load_input_shape(path) if path.is_file() else None


def files(spec) -> list[str]:
    return [spec["path"]]


def missing(spec, key: str = "") -> str | None:
    return None  # the config check reads the file (infoplane.config._check_dataset_files)


def read(spec, paths, log):
    from .base import Arrays

    inputs, labels = load_mat(spec["path"])
    log.info("read %s", spec["path"])
    split = load_split(spec["path"])
    return Arrays(inputs, labels, load_input_shape(spec["path"]), None, *(split or (None, None)))


def describe(spec) -> str:
    return f"read from {spec['path']}"
