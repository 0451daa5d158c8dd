"""Datasets: one source module per kind, and the registry that maps a config entry to it.

A dataset entry of the config is ``builtin: <source>`` with the source's own keys beside it
(``data_dir``, ``split``, ``download`` ...), or ``path: file.mat`` (the ``mat`` source). Every
source is one module that declares, once:

``NAME``, ``DESCRIPTION``, ``SOURCE``
    its config name, what it is, where it comes from (the report prints ``describe``).
``PARAMETERS``
    tuple of :class:`~infoplane.params.Parameter`: the entry's keys, with defaults; the config
    schema and check come from it.
``layout(spec) -> (rows, classes, fixed split or None) | None`` and ``input_shape(spec)``
    its size without building it (the disk budget, the cost model, the model family's layer
    shapes); None when it cannot be known before the data exist.
``files(spec) -> list[str]``
    the files the dataset rule reads (its inputs: editing a downloader retrains nothing).
``missing(spec, key) -> str | None``
    before any job: which files are missing and how to get them, or None.
``read(spec, paths, log) -> Arrays``
    the arrays (:class:`~infoplane.datasets.base.Arrays`: inputs [N, d], labels, the shape of one
    input, a divisor for stored integers, a fixed split).
``describe(spec) -> str``
    one line for the report.
``TASK`` (optional)
    ``"regression"`` for a source of continuous targets (its ``Arrays.labels`` are floats;
    :mod:`infoplane.tasks`); absent means classification. Only a study section that trains on
    continuous targets (``rnn``) takes a regression source.
``DOWNLOADS``, ``DOWNLOAD_MIRRORS`` (optional)
    files the checked download rule may fetch into ``data_dir`` (name -> SHA-256, or None with
    ``DOWNLOAD_MD5``), and the base URLs.

Built in: ``tishby`` (generated from [ST17]'s rule, :mod:`.tishby`), ``mnist`` (the standard IDX
files, checked download, :mod:`.mnist`), ``fashion_mnist`` (Debian's ``dataset-fashion-mnist``,
:mod:`.fashion_mnist`), ``cifar10`` (the python-version batches, checked download,
:mod:`.cifar10`), ``temperatures`` (hourly temperatures from the ``vega-datasets`` package, a
regression source, :mod:`.temperatures`), and ``mat`` for ``path`` entries (:mod:`.matfile`). The workflow writes every
study's dataset as a ``.mat`` file in the ``var_u.mat`` layout with the shape of one input
(``F_shape``): training reshapes to it ([N, 1, 28, 28], [N, 3, 32, 32]) for convolutions; the
rest reads the flattened [N, d]. Train/test splits and probe sets: :mod:`.splits`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import ModuleType

import numpy as np

from .. import registry
from ..params import check
from .base import Arrays, content_sha256
from .matfile import load_input_shape, load_mat, load_split, save_mat
from .mnist import (
    DEFAULT_MNIST_DIR, MNIST_FILES, MNIST_MIRRORS, MNIST_SHA256, MNIST_SPLITS, find_mnist_file,
    idx_split_arrays, mnist_arrays, mnist_files, mnist_missing_message, mnist_paths,
)  # fmt: skip
from .idx import read_idx
from .splits import PROBES, probe_index, probe_rows, train_test_split
from .tishby import ANTIPODAL_PAIRS, ICOSAHEDRON_EDGES, tishby_dataset, tishby_inputs, tishby_labels

__all__ = [
    "REGISTRY", "builtin_names", "get", "task_of", "register", "source_of", "check_spec", "spec_layout", "spec_input_shape",
    "load_dataset", "Arrays", "content_sha256",
    "ANTIPODAL_PAIRS", "ICOSAHEDRON_EDGES", "tishby_inputs", "tishby_labels", "tishby_dataset",
    "load_mat", "save_mat", "load_split", "load_input_shape", "train_test_split", "PROBES", "probe_index", "probe_rows",
    "MNIST_SPLITS", "MNIST_FILES", "MNIST_SHA256", "MNIST_MIRRORS", "DEFAULT_MNIST_DIR", "read_idx", "mnist_files",
    "find_mnist_file", "mnist_paths", "mnist_arrays", "mnist_missing_message", "idx_split_arrays",
]  # fmt: skip

#: Source name -> module (importable name). ``mat`` serves ``path`` entries.
REGISTRY: dict[str, str] = {
    "tishby": "infoplane.datasets.tishby",
    "mnist": "infoplane.datasets.mnist",
    "fashion_mnist": "infoplane.datasets.fashion_mnist",
    "cifar10": "infoplane.datasets.cifar10",
    "temperatures": "infoplane.datasets.temperatures",
    "mat": "infoplane.datasets.matfile",
}
_REQUIRED = ("NAME", "DESCRIPTION", "SOURCE", "PARAMETERS", "layout", "input_shape", "files", "missing", "read", "describe")


def builtin_names() -> tuple[str, ...]:
    """The names a ``builtin:`` key may take (every source but ``mat``)."""
    return tuple(name for name in REGISTRY if name != "mat")



def get(name: str) -> ModuleType:
    """The source module registered as ``name``; ValueError naming the registered ones."""
    return registry.lookup(REGISTRY, "dataset source", name)


def task_of(spec: dict) -> str:
    """The task of a config dataset entry's targets: its source's ``TASK``, ``"classification"``
    when it declares none."""
    return getattr(source_of(spec), "TASK", "classification")


def register(name: str, module: str | ModuleType) -> None:
    """Register a dataset source (a module with the declarations above) as ``name``.

    Raises
    ------
    ValueError
        If the module lacks a declaration (naming it) or ``name`` is taken by another module.
    """
    registry.add(REGISTRY, "dataset source", name, module, _REQUIRED)


def source_of(spec: dict) -> ModuleType:
    """The source module of a config dataset entry."""
    return get("mat" if "path" in spec else spec["builtin"])


def check_spec(spec: dict) -> dict:
    """A dataset entry with its source's keys checked and defaults filled in (``data_dir``
    normalised); ValueError naming the bad key."""
    source = source_of(spec)
    own = {k: v for k, v in spec.items() if k not in ("builtin", "path")}
    checked = check(source.PARAMETERS, own)
    if "data_dir" in checked:
        checked["data_dir"] = os.path.normpath(checked["data_dir"])
    return {**{k: v for k, v in spec.items() if k in ("builtin", "path")}, **checked}


def spec_layout(spec: dict) -> tuple[int, int, tuple[np.ndarray, np.ndarray] | None] | None:
    """Size of a config's dataset entry without building it: ``(rows, classes, fixed split or
    None)``, or None when it cannot be known before the data exist."""
    return source_of(spec).layout(spec)


def spec_input_shape(spec: dict) -> tuple[int, ...] | None:
    """Shape of one input of a config's dataset entry without building it, or None."""
    shape = source_of(spec).input_shape(spec)
    return None if shape is None else tuple(int(v) for v in shape)


def load_dataset(
    name_or_path: str | os.PathLike, *, data_dir: str | os.PathLike | None = None, split: str = "standard"
) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset by source name or from a ``.mat`` file.

    Parameters
    ----------
    name_or_path : a registered source (``"tishby"``, ``"mnist"``, ``"fashion_mnist"``,
        ``"cifar10"``) or the path of a ``.mat`` file in the ``var_u.mat`` layout.
    data_dir, split : the source's ``data_dir`` (default its declared one) and ``split``.

    Returns
    -------
    inputs : numpy.ndarray, float32, shape [N, d], flattened ([4096, 12] for ``"tishby"``;
        [70000, 784] in [0, 1] for ``"mnist"``, pixel / 255); :func:`spec_input_shape` or
        :func:`load_input_shape` give the shape of one input.
    labels : numpy.ndarray, int64, shape [N], in the file's row order.

    Raises
    ------
    ValueError
        If the name is neither a source nor a ``.mat`` path, a file is malformed or its inputs
        are not finite.
    FileNotFoundError
        If the path, or a file the source needs, does not exist (the message says how to get it).
    """
    name = str(name_or_path)
    if name in builtin_names():
        spec = {"builtin": name}
        source = get(name)
        declared = {p.name for p in source.PARAMETERS}
        if "data_dir" in declared and data_dir is not None:
            spec["data_dir"] = str(data_dir)
        if "split" in declared:
            spec["split"] = split
        spec = check_spec(spec)
        problem = source.missing(spec)
        if problem or any(not Path(p).exists() for p in source.files(spec)):
            raise FileNotFoundError(problem or f"missing: {[p for p in source.files(spec) if not Path(p).exists()]}")
        arrays = source.read(spec, source.files(spec), logging.getLogger(__name__))
        inputs = arrays.inputs.astype(np.float32)
        if arrays.divisor is not None:
            inputs /= np.float32(arrays.divisor)
        return inputs, np.asarray(arrays.labels, dtype=np.int64).reshape(-1)
    path = Path(name_or_path)
    if path.suffix.lower() != ".mat":
        raise ValueError(f"unknown dataset {name!r}: expected one of {list(builtin_names())} or the path of a .mat file")
    return load_mat(path)
