"""Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 70,000 real 28 x 28 greyscale images of
clothing in 10 classes, in MNIST's IDX layout and file names, installed by Debian's
``dataset-fashion-mnist`` package into ``/usr/share/datasets/fashion-mnist`` (the README's
set-up installs it): the offline real image dataset anyone can reproduce.

The package re-compresses the upstream ``.gz`` files, so the files' own sums differ from
upstream's; what is checked is the SHA-256 of each file's decompressed content
(:data:`CONTENT_SHA256`), and the reader checks the IDX structure and the class balance (6000
training and 1000 test images per class). A dataset source (``builtin: fashion_mnist``).
"""

from __future__ import annotations

import numpy as np

from ..params import Parameter
from .base import Arrays, content_sha256, split_phrase
from .mnist import MNIST_SPLITS, find_mnist_file, idx_split_arrays, mnist_files
from .mnist import files, input_shape, layout  # noqa: F401 - MNIST's layout and file names: the same declarations

__all__ = ["CONTENT_SHA256", "DEFAULT_DIR", "DEBIAN_PACKAGE"]

#: Where Debian's package puts the files.
DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
DEBIAN_PACKAGE = "dataset-fashion-mnist"
#: SHA-256 of each file's decompressed IDX content, as installed from Debian's
#: dataset-fashion-mnist 0.0~git20200523.55506a9-1 (computed here, 2026-12-03; the upstream
#: repository publishes MD5 sums of its own .gz files only).
CONTENT_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
#: The classes, by label.
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

NAME = "fashion_mnist"
DESCRIPTION = "Fashion-MNIST, 28 x 28 greyscale images of clothing in 10 classes"
SOURCE = "Xiao, Rasul and Vollgraf 2017 (arXiv:1708.07747); Debian package dataset-fashion-mnist"
PARAMETERS = (
    Parameter("data_dir", "string", DEFAULT_DIR, "folder of the IDX files (Debian's package installs them there)"),
    Parameter("split", "string", "standard", "standard (60000 training / 10000 test images) or test_only "
              "(the 10000 test images, split by train_fraction)", choices=MNIST_SPLITS),
)  # fmt: skip


def missing(spec, key: str = "") -> str | None:
    absent = [name for name in mnist_files(spec["split"]) if find_mnist_file(spec["data_dir"], name) is None]
    if not absent:
        return None
    where = f"datasets.{key}.data_dir" if key else "data_dir"
    return (f"Fashion-MNIST file(s) missing from {where} {spec['data_dir']!r}: {', '.join(absent)}. To get them: "
            f"`apt-get install {DEBIAN_PACKAGE}` (the README's set-up, `make data`, does it), which puts them into "
            f"{DEFAULT_DIR}; or copy the four files of https://github.com/zalandoresearch/fashion-mnist there")  # fmt: skip


def read(spec, paths, log) -> Arrays:
    """The images (uint8 [N, 784], divisor 255), labels and fixed split; ValueError naming the
    file for content that is not Fashion-MNIST's (a decompressed SHA-256 that differs, a class
    count other than 6000 per class in training and 1000 in test)."""
    found = {}
    for name in mnist_files(spec["split"]):
        path = find_mnist_file(spec["data_dir"], name)
        digest = content_sha256(path)
        if digest != CONTENT_SHA256[name]:
            raise ValueError(f"{path}: decompressed content has SHA-256 {digest}, not Fashion-MNIST's "
                             f"{CONTENT_SHA256[name]} (Debian's {DEBIAN_PACKAGE}); reinstall the package")  # fmt: skip
        found[name] = path
    images, labels, train_index, test_index = idx_split_arrays(found, spec["split"])
    counts = np.bincount(labels, minlength=10)
    expected = (7000 if spec["split"] == "standard" else 1000)
    if not (counts == expected).all():
        raise ValueError(f"{spec['data_dir']}: {counts.tolist()} images per class, expected {expected} each")
    log.info("read Fashion-MNIST (%s split, %d images) from %s, content SHA-256 checked", spec["split"], len(labels), spec["data_dir"])
    return Arrays(images, labels, (1, 28, 28), 255.0, train_index, test_index)


def describe(spec) -> str:
    return f"Fashion-MNIST from {spec.get('data_dir', DEFAULT_DIR)} ({split_phrase(spec, 60000)})"
