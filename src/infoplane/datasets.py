"""Datasets: the 12-bit dataset of Shwartz-Ziv & Tishby, ``.mat`` files, train/test splits.

The Tishby dataset ([ST17], file ``var_u.mat`` of their public code) is regenerated here from
its labelling rule (see ``REFERENCE.md`` §1): the 12 inputs sit on the vertices of an
icosahedron, and ``y = 1`` iff

    0.2398 k - 0.0792 n_A - 0.0512 n_B + 0.0047 n_C - 1 > 0,

with ``k`` the number of active inputs and ``n_A, n_B, n_C`` the numbers of active vertex pairs
that are antipodal (A), icosahedron edges (B) or neither (C). The rule reproduces all 4096
labels of ``var_u.mat``.

MNIST ([SB18]'s second set-up, REFERENCE.md §2) is read from the four standard IDX files of
LeCun, Cortes and Burges (gzip-compressed or raw) by :func:`read_idx`; :func:`download_mnist_file`
fetches one from a public mirror and checks its SHA-256 sum (:data:`MNIST_SHA256`).

One loader per format: :func:`load_mat` reads the ``F``/``y`` layout of ``var_u.mat`` (also
used for ``g1.mat``, ``g2.mat`` and the files the workflow writes, which may add a fixed split,
see :func:`save_mat`), :func:`read_idx` the IDX files, and :func:`load_dataset` resolves a
dataset name or a path to the arrays the network is trained on. Every loader rejects
non-finite inputs with a ``ValueError`` that names the file. :func:`probe_index` selects the
rows whose activations are recorded and estimated.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
import urllib.request
from pathlib import Path

import numpy as np

__all__ = [
    "ANTIPODAL_PAIRS",
    "ICOSAHEDRON_EDGES",
    "BUILTIN_DATASETS",
    "spec_input_shape",
    "tishby_inputs",
    "tishby_labels",
    "tishby_dataset",
    "load_mat",
    "save_mat",
    "load_split",
    "load_dataset",
    "train_test_split",
    "PROBES",
    "probe_index",
    "probe_rows",
    "MNIST_SPLITS",
    "MNIST_FILES",
    "MNIST_SHA256",
    "MNIST_MIRRORS",
    "DEFAULT_MNIST_DIR",
    "read_idx",
    "mnist_files",
    "find_mnist_file",
    "mnist_paths",
    "mnist_arrays",
    "spec_layout",
    "download_mnist_file",
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

#: Dataset names of ``datasets.<name>.builtin`` (the config schema's enum is this tuple):
#: ``tishby`` is generated from its rule, ``mnist`` read from the standard IDX files.
BUILTIN_DATASETS = ("tishby", "mnist")


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


def save_mat(
    path: str | os.PathLike,
    inputs: np.ndarray,
    labels: np.ndarray,
    *,
    train_index: np.ndarray | None = None,
    test_index: np.ndarray | None = None,
    divisor: float | None = None,
) -> None:
    """Write a dataset in the layout of ``var_u.mat`` (``F`` [N, d], ``y`` [1, N]).

    Parameters
    ----------
    inputs : [N, d]; labels : [N].
    train_index, test_index : optional fixed split (0-based rows), stored as ``train_index``
        and ``test_index`` [1, n]; :func:`load_split` reads them back. Both or neither.
    divisor : optional; stored as ``F_divisor``, and :func:`load_mat` returns
        ``F / F_divisor`` in float32 (MNIST: its uint8 pixels and 255, 8x smaller than float32).

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


def load_dataset(
    name_or_path: str | os.PathLike, *, data_dir: str | os.PathLike | None = None, split: str = "standard"
) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset by built-in name or from a ``.mat`` file.

    Parameters
    ----------
    name_or_path : ``"tishby"`` (generated from the rule of [ST17], REFERENCE.md §1),
        ``"mnist"`` (the IDX files in ``data_dir``, see :func:`mnist_arrays`) or the path of a
        ``.mat`` file in the ``var_u.mat`` layout.
    data_dir : folder of the MNIST IDX files (default :data:`DEFAULT_MNIST_DIR`); MNIST only.
    split : MNIST only: ``"standard"`` (the 60000 training images, then the 10000 test images)
        or ``"test_only"`` (the 10000 test images).

    Returns
    -------
    inputs : numpy.ndarray, float32, shape [N, d] ([4096, 12] for ``"tishby"``; [70000, 784]
        or [10000, 784] in [0, 1] for ``"mnist"``, pixel / 255)
    labels : numpy.ndarray, int64, shape [N], in the file's row order.

    Raises
    ------
    ValueError
        If the name is neither a built-in dataset nor a ``.mat`` path, a file is malformed or
        its inputs are not finite.
    FileNotFoundError
        If the path, or an MNIST file the split needs, does not exist (the message says how to
        get it).
    """
    if str(name_or_path) == "tishby":
        inputs, labels = tishby_dataset()
        return inputs.astype(np.float32), labels.reshape(-1).astype(np.int64)
    if str(name_or_path) == "mnist":
        images, labels, _, _ = mnist_arrays(DEFAULT_MNIST_DIR if data_dir is None else data_dir, split)
        return images.astype(np.float32) / np.float32(255.0), labels.astype(np.int64)
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

#: ``split`` of an MNIST dataset entry: ``standard`` (train on the 60000 training images, test
#: on the 10000 test images, [SB18]) or ``test_only`` (the 10000 test images alone, split by
#: ``train_fraction``/``split_seed``: needs no training images, for machines without them).
MNIST_SPLITS = ("standard", "test_only")

#: The four standard files (LeCun, Cortes, Burges), by role.
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

#: SHA-256 of the standard gzip files. The three test/label sums were computed from the copies in
#: the project's ../shared/data/mnist; the training images' sum was checked against several
#: independent public download scripts that list all four (their other three agree with ours).
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: Public mirrors of the standard files, tried in order (the original yann.lecun.com site
#: often refuses downloads).
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: Default ``data_dir`` of an MNIST dataset entry (relative to the working directory).
DEFAULT_MNIST_DIR = "data/mnist"

#: Data types of the IDX format, by type byte (big-endian multi-byte values).
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike, *, expect_dims: int | None = None) -> np.ndarray:
    """Read an IDX file (the format of the MNIST files), gzip-compressed or raw.

    The header is two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions, then each size as a big-endian
    uint32; the data follow in row-major order.

    Parameters
    ----------
    path : the file; read through gzip when it starts with the gzip magic bytes.
    expect_dims : optional number of dimensions the caller needs (3 for images, 1 for labels).

    Returns
    -------
    numpy.ndarray of the stored type (native byte order), shape as in the header.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        Naming the file: a bad magic number or type byte, a dimension count other than
        ``expect_dims``, a truncated file or trailing bytes, a corrupt gzip stream.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, ValueError) as error:
            raise ValueError(f"{path}: corrupt or truncated gzip data ({error})") from error
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(
            f"{path}: not an IDX file (magic number {raw[:4].hex() or 'missing'}; expected 0000 "
            "then a type byte 08/09/0b/0c/0d/0e and the number of dimensions)"
        )
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    n_dims = raw[3]
    if expect_dims is not None and n_dims != expect_dims:
        raise ValueError(f"{path}: IDX file has {n_dims} dimension(s), expected {expect_dims}")
    header = 4 + 4 * n_dims
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header})")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=n_dims, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        kind = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: IDX file {kind}: {len(raw)} bytes, expected {expected} for shape {shape} of {dtype}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True)


def mnist_files(split: str = "standard") -> tuple[str, ...]:
    """Names of the standard files a split needs (``test_only``: the two test files).

    Raises
    ------
    ValueError
        For an unknown split.
    """
    if split not in MNIST_SPLITS:
        raise ValueError(f"unknown MNIST split {split!r}; expected one of {MNIST_SPLITS}")
    roles = ("test_images", "test_labels") if split == "test_only" else tuple(MNIST_FILES)
    return tuple(MNIST_FILES[role] for role in roles)


def find_mnist_file(data_dir: str | os.PathLike, name: str) -> Path | None:
    """``data_dir/name`` (e.g. ``train-images-idx3-ubyte.gz``) or its unpacked twin
    (``train-images-idx3-ubyte``), whichever exists first; None if neither does."""
    data_dir = Path(data_dir)
    for candidate in (data_dir / name, data_dir / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def mnist_missing_message(data_dir: str | os.PathLike, missing: list[str], *, key: str = "") -> str:
    """How to get missing MNIST files: the names, the folder, the URL, the config switches."""
    where = f"datasets.{key}" if key else "the MNIST dataset entry"
    urls = ", ".join(MNIST_MIRRORS[0] + name for name in missing)
    return (
        f"MNIST file(s) missing from data_dir {str(data_dir)!r}: {', '.join(missing)}. "
        f"To get them: set 'download: true' under {where} (the workflow then fetches them and "
        f"checks their SHA-256 sums), or run `snakemake --cores 1 download_mnist` with the same "
        f"config, or download {urls} yourself into {str(data_dir)!r} (gzip-compressed or "
        "unpacked; SHA-256 sums in the README). Without the training images, "
        "'split: test_only' trains and probes on the 10000 test images alone (config/mnist_offline.yaml)."
    )


def mnist_paths(data_dir: str | os.PathLike, split: str = "standard", *, key: str = "") -> list[Path]:
    """The files of ``split`` in ``data_dir`` (``name.gz`` or the unpacked ``name``).

    Raises
    ------
    FileNotFoundError
        Naming every missing file and how to get it (:func:`mnist_missing_message`; ``key``
        is the dataset's name in the config, for the message).
    """
    data_dir = Path(data_dir)
    found = {name: find_mnist_file(data_dir, name) for name in mnist_files(split)}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise FileNotFoundError(mnist_missing_message(data_dir, missing, key=key))
    return list(found.values())


def mnist_arrays(
    data_dir: str | os.PathLike, split: str = "standard"
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """MNIST as stored: images, labels and, for ``standard``, the fixed split.

    Returns
    -------
    images : numpy.ndarray, uint8 [N, 784] (28 x 28 row-major, 0 … 255)
    labels : numpy.ndarray, uint8 [N], 0 … 9
    train_index, test_index : int64 ``0 … 59999`` and ``60000 … 69999`` for ``standard``
        (N = 70000, the training images first); None for ``test_only`` (N = 10000).

    Raises
    ------
    FileNotFoundError
        If a file is missing (the message says how to get it).
    ValueError
        If a file is not a well-formed IDX file of the expected kind, or images and labels
        disagree in number or size (messages name the file).
    """
    paths = dict(zip(mnist_files(split), mnist_paths(data_dir, split)))
    images, labels = [], []
    for prefix in ("train", "t10k"):
        image_path = paths.get(f"{prefix}-images-idx3-ubyte.gz")
        if image_path is None:
            continue
        label_path = paths[f"{prefix}-labels-idx1-ubyte.gz"]
        x = read_idx(image_path, expect_dims=3)
        y = read_idx(label_path, expect_dims=1)
        if x.dtype != np.uint8 or x.shape[1:] != (28, 28):
            raise ValueError(f"{image_path}: expected uint8 images of 28 x 28, got {x.dtype} {x.shape}")
        if y.dtype != np.uint8 or len(y) != len(x):
            raise ValueError(f"{label_path}: expected {len(x)} uint8 labels (one per image of {image_path}), got {y.dtype} {y.shape}")
        if y.max(initial=0) > 9:
            raise ValueError(f"{label_path}: labels must be 0 … 9, found {int(y.max())}")
        images.append(x.reshape(len(x), 784))
        labels.append(y)
    images_all, labels_all = np.concatenate(images), np.concatenate(labels)
    if split == "standard":
        n_train = len(images[0])
        rows = np.arange(len(images_all), dtype=np.int64)
        return images_all, labels_all, rows[:n_train], rows[n_train:]
    return images_all, labels_all, None, None


def spec_layout(spec: dict) -> tuple[int, int, tuple[np.ndarray, np.ndarray] | None] | None:
    """Size of a config's dataset entry without building it (for the start-up disk check).

    Returns
    -------
    ``(n_samples, n_classes, fixed_split or None)``, or None when it cannot be known before
    the data exist (a ``path`` entry whose file is missing).
    """
    if spec.get("builtin") == "tishby":
        return 4096, 2, None
    if spec.get("builtin") == "mnist":
        if spec.get("split", "standard") == "test_only":
            return 10000, 10, None
        rows = np.arange(70000, dtype=np.int64)
        return 70000, 10, (rows[:60000], rows[60000:])
    path = Path(spec["path"])
    if not path.is_file():
        return None
    _, labels = load_mat(path)
    split = load_split(path)
    return len(labels), int(labels.max()) + 1, split


def spec_input_shape(spec: dict) -> tuple[int, ...] | None:
    """Shape of one input row of a config's dataset entry without building it (a model
    family's layer shapes, the disk budget, the cost model), or None when it cannot be known
    before the data exist (a ``path`` entry whose file is missing)."""
    if spec.get("builtin") == "tishby":
        return (12,)
    if spec.get("builtin") == "mnist":
        return (28 * 28,)  # the IDX images' pixels, flattened by the reader
    path = Path(spec["path"])
    if not path.is_file():
        return None
    return tuple(int(v) for v in load_mat(path)[0].shape[1:])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_mnist_file(
    name: str,
    destination: str | os.PathLike,
    *,
    mirrors: tuple[str, ...] = MNIST_MIRRORS,
    sha256: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Fetch one standard MNIST file with urllib, check its SHA-256, write it atomically.

    Each mirror is tried in order until one answers; the bytes go to ``<destination>.partial``
    in the same folder and are renamed to ``destination`` only when their SHA-256 matches.

    Parameters
    ----------
    name : a key of :data:`MNIST_SHA256` (the file name on the mirror).
    destination : where to write it.
    mirrors : base URLs ending in ``/`` (``file://`` URLs work too).
    sha256 : the expected sum (default :data:`MNIST_SHA256[name]`).
    timeout : seconds per connection attempt.

    Returns
    -------
    pathlib.Path of the written file.

    Raises
    ------
    ValueError
        For an unknown file name, or when the downloaded bytes' SHA-256 differs from the
        expected one (the message names the file, the URL and both sums; nothing is written).
    OSError
        When no mirror could be reached (the message lists each URL and its error).
    """
    if name not in MNIST_SHA256:
        raise ValueError(f"unknown MNIST file {name!r}; expected one of {sorted(MNIST_SHA256)}")
    expected = sha256 or MNIST_SHA256[name]
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    failures = []
    for mirror in mirrors:
        url = mirror + name
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
        except OSError as error:  # URLError, HTTPError, timeouts
            partial.unlink(missing_ok=True)
            failures.append(f"{url}: {error}")
            continue
        actual = _sha256(partial)
        if actual != expected:
            partial.unlink(missing_ok=True)
            raise ValueError(
                f"{name} from {url}: SHA-256 mismatch (got {actual}, expected {expected}); the "
                f"download was discarded and {destination} was not written. The mirror may serve "
                "a different or damaged file: try again, or fetch the file from another mirror "
                "and put it into the data_dir yourself."
            )
        os.replace(partial, destination)
        return destination
    raise OSError(f"could not download {name}: " + "; ".join(failures))


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
