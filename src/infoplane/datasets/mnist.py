"""MNIST ([SB18]'s second set-up, REFERENCE.md section 2), read from the four standard IDX files
of LeCun, Cortes and Burges (gzip-compressed or raw) by :func:`~infoplane.datasets.idx.read_idx`;
:func:`download_mnist_file` fetches one from a public mirror and checks its SHA-256 sum
(:data:`MNIST_SHA256`). A dataset source (``builtin: mnist``, :mod:`infoplane.datasets`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .base import Arrays, split_phrase
from .idx import read_idx

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
    return idx_split_arrays(dict(zip(mnist_files(split), mnist_paths(data_dir, split))), split)


def idx_split_arrays(paths: dict, split: str = "standard"):
    """Images, labels and fixed split of an MNIST-like set of IDX files (MNIST, Fashion-MNIST),
    ``paths``: standard file name -> path (the two test files for ``test_only``); returns as
    :func:`mnist_arrays`. Raises ValueError as :func:`mnist_arrays`."""
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


# --- the source declaration (infoplane.datasets) ---------------------------------------------
NAME = "mnist"
DESCRIPTION = "MNIST handwritten digits, the standard IDX files"
SOURCE = "LeCun, Cortes and Burges; [SB18]'s MNIST set-up (REFERENCE.md section 2)"
#: Files the checked download rule can fetch into ``data_dir``: name -> SHA-256, and where from.
DOWNLOADS = MNIST_SHA256
DOWNLOAD_MIRRORS = MNIST_MIRRORS


def _parameters():
    from ..params import Parameter

    return (
        Parameter("data_dir", "string", DEFAULT_MNIST_DIR, "folder of the IDX files (relative to the working directory)"),
        Parameter("split", "string", "standard", "standard (60000 training / 10000 test images) or test_only "
                  "(the 10000 test images, split by train_fraction)", "[SB18]", choices=MNIST_SPLITS),
        Parameter("download", "boolean", False, "fetch missing standard files (SHA-256 checked)"),
    )  # fmt: skip


PARAMETERS = _parameters()


def layout(spec):
    if spec.get("split", "standard") == "test_only":
        return 10000, 10, None
    rows = np.arange(70000, dtype=np.int64)
    return 70000, 10, (rows[:60000], rows[60000:])


def input_shape(spec) -> tuple[int, ...]:
    return (1, 28, 28)


def files(spec) -> list[str]:
    """The IDX files the split needs, as found in ``data_dir`` (the ``.gz`` name for missing
    ones, which the download rule makes when ``download`` is on)."""
    return [str(find_mnist_file(spec["data_dir"], name) or Path(spec["data_dir"]) / name) for name in mnist_files(spec["split"])]


def missing(spec, key: str = "") -> str | None:
    """How to get the missing files (None when all are there or the download rule makes them)."""
    if spec.get("download"):
        return None
    absent = [name for name in mnist_files(spec["split"]) if find_mnist_file(spec["data_dir"], name) is None]
    return mnist_missing_message(spec["data_dir"], absent, key=key) if absent else None


def read(spec, paths, log):
    import hashlib

    for path in map(Path, paths):
        if path.name in MNIST_SHA256:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != MNIST_SHA256[path.name]:
                log.warning("%s: SHA-256 %s differs from the standard file's %s (read anyway: its "
                            "IDX structure is checked)", path, digest, MNIST_SHA256[path.name])  # fmt: skip
    images, labels, train_index, test_index = mnist_arrays(spec["data_dir"], spec["split"])
    log.info("read MNIST (%s split) from %s", spec["split"], spec["data_dir"])
    return Arrays(images, labels, (1, 28, 28), 255.0, train_index, test_index)


def describe(spec) -> str:
    return f"MNIST from the standard IDX files in {spec.get('data_dir', DEFAULT_MNIST_DIR)} ({split_phrase(spec, 60000)})"
