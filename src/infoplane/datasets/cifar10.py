"""CIFAR-10 (Krizhevsky 2009): 60,000 32 x 32 colour images in 10 classes, read from the
"CIFAR-10 python version" archive ``cifar-10-python.tar.gz`` (five training batches and one
test batch of 10000 images, each a pickled dict with ``data`` uint8 [10000, 3072], the red, green
and blue planes of each image in row-major order, and ``labels``). A dataset source
(``builtin: cifar10``) with a checked download (:data:`DOWNLOADS`, the archive's MD5 as published
by its users, e.g. torchvision; the download fails on any other sum).

The batches are pickles; they are read with an unpickler that builds only dicts, lists, bytes,
strings, numbers and NumPy arrays, so a tampered archive cannot run code.
"""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

from ..params import Parameter
from .base import Arrays, split_phrase

__all__ = ["ARCHIVE", "DOWNLOADS", "read_batch", "cifar10_arrays", "write_archive"]

ARCHIVE = "cifar-10-python.tar.gz"
#: The archive's MD5 (torchvision's ``tgz_md5`` and many download scripts agree on it).
DOWNLOAD_MD5 = {ARCHIVE: "c58f30108f718f92721af3b95e74349a"}
DOWNLOADS = {ARCHIVE: None}  # no SHA-256 checked here: the MD5 above is the published sum
DOWNLOAD_MIRRORS = ("https://www.cs.toronto.edu/~kriz/",)
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
SPLITS = ("standard", "test_only")

NAME = "cifar10"
DESCRIPTION = "CIFAR-10, 32 x 32 colour images in 10 classes"
SOURCE = "Krizhevsky 2009, Learning multiple layers of features from tiny images; the python version"
PARAMETERS = (
    Parameter("data_dir", "string", "data/cifar10", f"folder of {ARCHIVE} (or of its unpacked {FOLDER}/)"),
    Parameter("split", "string", "standard", "standard (50000 training / 10000 test images) or test_only "
              "(the 10000 test images, split by train_fraction)", choices=SPLITS),
    Parameter("download", "boolean", False, f"fetch {ARCHIVE} when it is missing (MD5 checked)"),
)  # fmt: skip


class _ArraysOnly(pickle.Unpickler):
    """Builds NumPy arrays and plain containers, nothing else."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor"),
                ("_codecs", "encode")}  # fmt: skip  (protocol-2 bytes)

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to build {module}.{name} from a CIFAR batch")


def read_batch(raw: bytes, where: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch's images (uint8 [n, 3072]) and labels (int64 [n]) from its pickled bytes.

    Raises
    ------
    ValueError
        Naming ``where`` for bytes that are not a CIFAR batch.
    """
    try:
        batch = _ArraysOnly(io.BytesIO(raw), encoding="bytes").load()
    except Exception as error:  # noqa: BLE001 - any unpickling failure is a bad file
        raise ValueError(f"{where}: not a CIFAR-10 python batch ({type(error).__name__}: {error})") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{where}: not a CIFAR-10 python batch (a {type(batch).__name__}, not a dict)")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"{where}: the batch lacks 'data' or 'labels' (keys {sorted(batch)})")
    data, labels = np.asarray(batch["data"]), np.asarray(batch["labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or labels.shape != (len(data),):
        raise ValueError(f"{where}: expected uint8 data [n, 3072] and n labels, got {data.dtype} {data.shape} "
                         f"and {labels.shape}")  # fmt: skip
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{where}: labels must be 0 … 9")
    return data, labels


def _batches(data_dir: Path, names) -> dict:
    """Raw bytes of the named batches, from the archive or the unpacked folder."""
    archive, folder = data_dir / ARCHIVE, data_dir / FOLDER
    if folder.is_dir():
        return {name: (folder / name).read_bytes() for name in names}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            return {name: tar.extractfile(f"{FOLDER}/{name}").read() for name in names}
    except KeyError as error:
        raise ValueError(f"{archive}: no member {error} (not the CIFAR-10 python archive)") from None
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ValueError(f"{archive}: not a readable .tar.gz ({error})") from None


def cifar10_arrays(data_dir, split: str = "standard"):
    """Images uint8 [N, 3072] (channel-major, so [N, 3, 32, 32] after a reshape), labels int64
    [N] and, for ``standard``, the fixed split (the 50000 training images first)."""
    names = (*TRAIN_BATCHES, TEST_BATCH) if split == "standard" else (TEST_BATCH,)
    raw = _batches(Path(data_dir), names)
    parts = [read_batch(raw[name], f"{data_dir}/{name}") for name in names]
    images, labels = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    if split != "standard":
        return images, labels, None, None
    rows = np.arange(len(labels), dtype=np.int64)
    n_test = len(parts[-1][1])
    return images, labels, rows[:-n_test], rows[-n_test:]


def write_archive(path, batches: dict) -> None:
    """Write a ``cifar-10-python.tar.gz`` with the given batches (name -> (uint8 [n, 3072],
    labels)), pickled as the original (protocol 2, bytes keys): for tests."""
    with tarfile.open(path, "w:gz") as tar:
        for name, (data, labels) in batches.items():
            raw = pickle.dumps({b"batch_label": name.encode(), b"labels": [int(v) for v in labels],
                                b"data": np.asarray(data, dtype=np.uint8),
                                b"filenames": [f"{i}.png".encode() for i in range(len(labels))]}, protocol=2)  # fmt: skip
            info = tarfile.TarInfo(f"{FOLDER}/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


def layout(spec):
    if spec.get("split", "standard") == "test_only":
        return 10000, 10, None
    rows = np.arange(60000, dtype=np.int64)
    return 60000, 10, (rows[:50000], rows[50000:])


def input_shape(spec) -> tuple[int, ...]:
    return (3, 32, 32)


def files(spec) -> list[str]:
    folder = Path(spec["data_dir"]) / FOLDER
    return [str(folder)] if folder.is_dir() else [str(Path(spec["data_dir"]) / ARCHIVE)]


def missing(spec, key: str = "") -> str | None:
    data_dir = Path(spec["data_dir"])
    if spec.get("download") or (data_dir / ARCHIVE).is_file() or (data_dir / FOLDER).is_dir():
        return None
    where = f"datasets.{key}" if key else "the CIFAR-10 dataset entry"
    return (f"CIFAR-10 missing: no {ARCHIVE} (nor {FOLDER}/) in data_dir {str(data_dir)!r}. To get it: set "
            f"'download: true' under {where} (the workflow fetches {DOWNLOAD_MIRRORS[0]}{ARCHIVE}, 163 MB, and checks "
            f"its MD5 {DOWNLOAD_MD5[ARCHIVE]}), or download it yourself into {str(data_dir)!r}")  # fmt: skip


def read(spec, paths, log) -> Arrays:
    images, labels, train_index, test_index = cifar10_arrays(spec["data_dir"], spec["split"])
    log.info("read CIFAR-10 (%s split, %d images) from %s", spec["split"], len(labels), spec["data_dir"])
    return Arrays(images, labels, (3, 32, 32), 255.0, train_index, test_index)


def describe(spec) -> str:
    return f"CIFAR-10 (python version) from {spec.get('data_dir', 'data/cifar10')} ({split_phrase(spec, 50000)})"
