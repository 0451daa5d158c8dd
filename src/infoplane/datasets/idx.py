"""The IDX format of the MNIST-like files (LeCun, Cortes and Burges), and checked downloads."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np

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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
