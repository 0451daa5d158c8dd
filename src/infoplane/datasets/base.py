"""What a dataset source hands the dataset rule, and helpers every source uses."""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Arrays", "content_sha256", "split_phrase"]


@dataclass
class Arrays:
    """A dataset as a source reads it.

    inputs : [N, d] (float, or integers with ``divisor``); labels : int [N], 0 … C-1 (float
    targets [N] for a regression source, one that declares ``TASK = "regression"``);
    input_shape : the shape of one input ((d,) for vectors, (C, H, W) for images; its product
    is d); divisor : the stored integers are divided by it when read (pixels / 255);
    train_index, test_index : a fixed split (0-based rows), or None.
    """

    inputs: np.ndarray
    labels: np.ndarray
    input_shape: tuple[int, ...]
    divisor: float | None = None
    train_index: np.ndarray | None = None
    test_index: np.ndarray | None = None


def content_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's content, of the decompressed bytes when it is gzip-compressed (a
    package that re-compresses a file keeps this sum)."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return hashlib.sha256(raw).hexdigest()


def split_phrase(spec, n_train: int) -> str:
    """How an image source's ``split`` is used, for its ``describe``: ``the 60000 training and
    10000 test images`` (``standard``) or ``the 10000 test images alone, split by
    train_fraction`` (``test_only``)."""
    if spec.get("split", "standard") == "standard":
        return f"the {n_train} training and 10000 test images"
    return "the 10000 test images alone, split by train_fraction"
