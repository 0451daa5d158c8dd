"""The HDF5 file of one training chunk (a group of seeds trained together).

Layout (``format = "infoplane-run"``, ``format_version = 4``); E recorded epochs, S seeds,
N inputs in the dataset, P of them in the probe set (the rows whose activations are recorded,
``record.probe``; P = N for the Tishby data), L layers with weights (hidden layers, then the
output layer), d_l the width of layer l::

    /                          attrs: format, format_version, experiment, settings (JSON of
                               the experiment's settings), activation,
                               activation_range (JSON [low, high], null where
                               unbounded: the declared range readers check), device,
                               engine ("fused" or "torch": the forward pass that
                               evaluated the recorded epochs; absent before 2026-12-04),
                               infoplane_version, torch_version, n_inputs (N),
                               precision, compression (text as fixed-length
                               UTF-8: h5py returns bytes; the readers decode them)
    /epochs                    int64   [E]            recorded epochs (0 = initialisation)
    /seeds                     int64   [S]
    /widths                    int64   [L + 1]        input width, then each layer's width
    /data/labels               int64   [P]            labels of the probe rows (aligned with
                                                      the activations' rows)
    /data/probe_index          int64   [P]            the probe rows (0-based rows of the dataset)
    /data/train_index          int64   [n_train]      dataset rows used for training
    /data/test_index           int64   [n_test]       (the metrics use all of both)
    /data/train_class_counts   int64   [C]            training rows per class (C = output width;
                                                      max / sum is the chance accuracy)
    /activations/layer_<l>     float32 [E, S, P, d_l] l = 1 … L; layer L is the softmax output;
                               or float16             (``precision``), optionally compressed
                                                      (gzip with shuffle, or lzf; ``compression``)
    /metrics/train_loss        float32 [E, S]         cross-entropy, nats
    /metrics/test_loss         float32 [E, S]         (NaN when the test set is empty)
    /metrics/train_accuracy    float32 [E, S]         fraction correct
    /metrics/test_accuracy     float32 [E, S]
    /gradients/mean_norm       float64 [E, S, L]      ||mean over the epoch's mini-batches of
                                                      dLoss/dW_l||_F  (NaN at epoch 0)
    /gradients/std_norm        float64 [E, S, L]      ||std over mini-batches of dLoss/dW_l||_F;
                                                      NaN when an epoch has a single mini-batch
                                                      (full-batch gradient descent: undefined)
    /gradients/snr             float64 [E, S, L]      mean_norm / std_norm ([ST17] Fig. 4); NaN
                                                      when std_norm is NaN or both norms are 0
    /weights/norm              float64 [E, S, L]      ||W_l||_F after the epoch
    /status/diverged_epoch     int64   [S]            epoch (1 … epochs) whose training made the
                                                      seed non-finite; -1: it never diverged
    /status/divergence_cause   str     [S]            why (e.g. "non-finite training loss");
                                                      "" for seeds that never diverged
    /parameters/<name>         float32 [epochs + 1, S, ...]  optional (``record.keep_weights``): every
                                                      tensor of the network's state (parameters and
                                                      batch-norm buffers, torch's state_dict names)
                                                      after every epoch, 0 = initialisation;
                                                      :func:`read_parameters`, :mod:`infoplane.replay`
    /series/<name>             any     [E, S, ...]    optional values a trainer records per epoch
                                                      and seed besides these (the GAN trainer's
                                                      generated samples, :mod:`infoplane.gan`);
                                                      :func:`read_series`

A diverged seed's activations, metrics, gradient statistics and weight norms are NaN at every
recorded epoch >= its ``diverged_epoch`` (see :mod:`infoplane.training`).

Damage is detected, not read as numbers: every non-empty dataset carries HDF5's Fletcher-32
checksum of each stored chunk (``fletcher32``), and the file's own structure (superblock, object
headers, chunk indexes) carries HDF5's metadata checksums (files are written with
``libver=("v110", "v110")``, readable by HDF5 1.10 and later). The readers raise
:class:`DamagedRecordingError`, naming the file, the dataset and what is wrong, for a file that
does not open as HDF5 (truncated, overwritten header), a failed checksum, a layout that is not
the one above (a dataset missing or of the wrong shape) and activations outside what the layer
can produce (tanh and softsign in [-1, 1], sigmoid and the softmax output in [0, 1], ReLU and
softplus >= 0; non-finite values only in a diverged seed's epochs, see ``/status``).
:func:`read_info` checks the layout without reading the large arrays, and :func:`move_aside`
renames a damaged file so that the workflow trains it again. (Files written before this check,
with variable-length text and unchecked index arrays, are read too.)

Files are written to ``<path>.partial`` and renamed when complete, so a file at ``path`` is
always whole; an existing file is never overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from .choices import ACTIVATIONS

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "METRICS",
    "GRADIENT_STATISTICS",
    "RunWriter",
    "RunInfo",
    "read_info",
    "read_activations",
    "read_statistics",
    "read_status",
    "read_series",
    "read_parameters",
    "move_aside",
    "DamagedRecordingError",
    "NEVER_DIVERGED",
]

FORMAT = "infoplane-run"
FORMAT_VERSION = 4
#: ``record.precision``: how activations are stored (readers always return float32).
PRECISIONS = ("float32", "float16")
#: ``record.compression``: HDF5 filter of the activation datasets (gzip adds the shuffle filter).
COMPRESSIONS = ("none", "gzip", "lzf")
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
GRADIENT_STATISTICS = ("mean_norm", "std_norm", "snr")
#: ``/status/diverged_epoch`` of a seed that never diverged.
NEVER_DIVERGED = -1
#: HDF5 format versions of the file's own structure: 1.10's, whose metadata carries checksums.
LIBVER = ("v110", "v110")
#: The output layer is a softmax, in [0, 1]; a hidden layer's values lie in its activation's
#: declared range (:data:`infoplane.choices.ACTIVATIONS`).
OUTPUT_RANGE = (0.0, 1.0)


class DamagedRecordingError(OSError, ValueError):
    """A chunk file that is not what :class:`RunWriter` wrote.

    Raised by the readers for a file that does not open as HDF5 (truncated, overwritten
    header), a dataset that fails its checksum or cannot be read, a layout that is not the one
    in the module docstring (a dataset missing or of the wrong shape), and activations outside
    what the layer's activation can produce. Attributes: ``path``, ``dataset`` (the HDF5 name,
    or None for the file as a whole) and ``problem`` (what is wrong). The message names all three.
    An ``OSError`` and a ``ValueError``, so callers that catch either see it.
    """

    def __init__(self, path: str | os.PathLike, problem: str, dataset: str | None = None):
        self.path = Path(path)
        self.dataset = dataset
        self.problem = problem
        where = f"{self.path}" + (f", dataset {dataset}" if dataset else "")
        super().__init__(f"damaged recording {where}: {problem}")

    def __reduce__(self):
        return type(self), (self.path, self.problem, self.dataset)


class RunWriter:
    """Write one chunk's recordings, epoch by epoch, into the layout above.

    Parameters
    ----------
    path : destination ``.h5`` file; must not exist.
    epochs : recorded epochs [E].
    seeds : the chunk's seeds [S].
    widths : input width, then the widths of the L layers.
    labels : int [N], the labels of all N inputs of the dataset.
    train_index, test_index : int arrays, see the layout.
    probe_index : int [P], the rows whose activations :meth:`write_epoch` receives (default
        all N rows).
    precision : ``"float32"`` or ``"float16"`` (half the disk; values beyond ±65504 are refused).
    compression : ``"none"``, ``"gzip"`` (with ``compression_level`` 0 … 9, default 4, and the
        shuffle filter) or ``"lzf"``.
    attrs : extra root attributes (dicts are stored as JSON).
    series : optional name -> (shape per seed, dtype) of values recorded at every epoch besides
        the layout's, stored as ``/series/<name>`` [E, S, *shape] (NaN or 0 until written).
    parameters : optional name -> shape (seeds first) of the network's state tensors kept at
        every epoch 0 … ``trained_epochs`` (``/parameters/<name>``, :meth:`write_parameters`).
    trained_epochs : the epochs of training (the length of the parameters' first axis - 1).

    Raises
    ------
    FileExistsError
        If ``path`` exists.
    ValueError
        For an unknown precision or compression, or probe rows outside 0 … N-1.
    OSError
        (errno ENOSPC) When an uncompressed recording (its activations and kept parameters)
        needs more bytes than the file system of ``path`` has free; nothing is written.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        epochs: Sequence[int],
        seeds: Sequence[int],
        widths: Sequence[int],
        labels: np.ndarray,
        train_index: np.ndarray,
        test_index: np.ndarray,
        probe_index: np.ndarray | None = None,
        precision: str = "float32",
        compression: str = "none",
        compression_level: int | None = None,
        attrs: dict | None = None,
        series: dict | None = None,
        parameters: dict | None = None,
        trained_epochs: int | None = None,
    ):
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; expected one of {PRECISIONS}")
        if compression not in COMPRESSIONS:
            raise ValueError(f"unknown compression {compression!r}; expected one of {COMPRESSIONS}")
        labels = np.asarray(labels, dtype=np.int64)
        probe = np.arange(len(labels), dtype=np.int64) if probe_index is None else np.asarray(probe_index, dtype=np.int64)
        if probe.ndim != 1 or len(probe) == 0 or probe.min() < 0 or probe.max() >= len(labels):
            raise ValueError(f"probe_index must be a non-empty list of rows in 0 … {len(labels) - 1}")
        self.precision = np.dtype(precision)
        self.path = Path(path)
        if self.path.exists():
            raise FileExistsError(f"refusing to overwrite existing recording {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.epochs = np.asarray(epochs, dtype=np.int64)
        self._index = {int(e): i for i, e in enumerate(self.epochs)}
        n_epochs, n_seeds = len(self.epochs), len(seeds)
        n_layers = len(widths) - 1
        n = len(probe)
        if compression == "none":  # the dumps' size is known: refuse before training, not when the disk fills
            _check_free_space(self.path, n_epochs * n_seeds * n * int(np.sum(widths[1:])) * self.precision.itemsize
                              + sum((int(trained_epochs or 0) + 1) * math.prod(int(x) for x in shape) * 4
                                    for shape in (parameters or {}).values()))  # fmt: skip
        checked = {"fletcher32": True}
        filters = dict(checked)
        if compression == "gzip":
            filters.update(compression="gzip", compression_opts=4 if compression_level is None else int(compression_level), shuffle=True)
        elif compression == "lzf":
            filters.update(compression="lzf", shuffle=True)
        f = self.file = h5py.File(self.partial, "w", libver=LIBVER)
        root = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "n_inputs": len(labels), "precision": precision,
            "compression": compression if compression != "gzip" else f"gzip-{filters['compression_opts']}",
            **(attrs or {}),
        }  # fmt: skip
        for key, value in root.items():
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            if isinstance(value, str):  # str subclasses too, such as torch's version string
                # fixed-length, so the text lies in the checksummed object header (h5py
                # stores variable-length strings in a heap that no checksum covers)
                _fixed_text(f.attrs, key, value)
            else:
                f.attrs[key] = value
        counts = np.bincount(labels[np.asarray(train_index, dtype=np.int64)], minlength=int(widths[-1]))
        for name, values in (
            ("epochs", self.epochs), ("seeds", seeds), ("widths", widths), ("data/labels", labels[probe]),
            ("data/probe_index", probe), ("data/train_index", train_index), ("data/test_index", test_index),
            ("data/train_class_counts", counts),
        ):  # fmt: skip
            values = np.asarray(values, dtype=np.int64)
            # an empty dataset cannot be chunked, so it carries no checksum (it holds no bytes)
            f.create_dataset(name, data=values, **(checked if values.size else {}))
        for layer, width in enumerate(widths[1:], start=1):
            f.create_dataset(
                f"activations/layer_{layer}",
                shape=(n_epochs, n_seeds, n, width),
                dtype=self.precision,
                chunks=(1, 1, n, width),
                **filters,
            )
        for name in METRICS:
            f.create_dataset(f"metrics/{name}", shape=(n_epochs, n_seeds), dtype=np.float32,
                             fillvalue=np.nan, **checked)
        for name in GRADIENT_STATISTICS:
            f.create_dataset(f"gradients/{name}", shape=(n_epochs, n_seeds, n_layers),
                             dtype=np.float64, fillvalue=np.nan, **checked)
        f.create_dataset("weights/norm", shape=(n_epochs, n_seeds, n_layers), dtype=np.float64,
                         fillvalue=np.nan, **checked)
        self.series = {}
        for name, (shape, dtype) in (series or {}).items():
            dtype = np.dtype(dtype)
            fill = np.nan if dtype.kind == "f" else 0
            self.series[name] = f.create_dataset(
                f"series/{name}", shape=(n_epochs, n_seeds, *shape), dtype=dtype, fillvalue=fill,
                chunks=(1, 1, *shape), **filters,
            )  # fmt: skip
        self.parameters = {}
        if parameters:
            if trained_epochs is None:
                raise ValueError("parameters need trained_epochs")
            for name, shape in parameters.items():
                shape = tuple(int(x) for x in shape)
                self.parameters[name] = f.create_dataset(
                    f"parameters/{name}", shape=(int(trained_epochs) + 1, *shape), dtype=np.float32,
                    chunks=(1, *shape), fillvalue=np.nan, **checked,
                )  # fmt: skip
        self.write_status(np.full(n_seeds, NEVER_DIVERGED), [""] * n_seeds)

    def write_parameters(self, epoch: int, state: dict[str, np.ndarray]) -> None:
        """Store the network's state after ``epoch`` (0: the initial one): every declared tensor.

        Raises
        ------
        KeyError
            When ``state`` lacks a declared tensor or has an undeclared one.
        """
        if set(state) != set(self.parameters):
            raise KeyError(f"{self.path}: state {sorted(state)} given, {sorted(self.parameters)} declared")
        for name, values in state.items():
            self.parameters[name][int(epoch)] = values

    def write_epoch(
        self,
        epoch: int,
        activations: Sequence[np.ndarray],
        metrics: dict[str, np.ndarray],
        gradients: dict[str, np.ndarray] | None,
        weight_norms: np.ndarray,
        series: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Store one recorded epoch.

        Parameters
        ----------
        epoch : a recorded epoch.
        activations : L arrays [S, P, d_l], the probe rows' activations.
        metrics : :data:`METRICS` → [S].
        gradients : :data:`GRADIENT_STATISTICS` → [S, L], or None at epoch 0.
        weight_norms : [S, L].
        series : name -> [S, *shape] for every series declared at construction (required then).

        Raises
        ------
        KeyError
            When a declared series is missing from ``series``, or one is not declared.
        OverflowError
            With ``precision="float16"``, when a finite activation lies beyond ±65504 (float16
            would store infinity; record with float32 instead).
        """
        i = self._index[int(epoch)]
        f = self.file
        for layer, values in enumerate(activations, start=1):
            if self.precision == np.float16:
                values = np.asarray(values)
                with np.errstate(over="ignore"):
                    stored = values.astype(np.float16)
                if np.isinf(stored).any() and (np.isinf(stored) & np.isfinite(values)).any():
                    raise OverflowError(
                        f"{self.path}: layer {layer} at epoch {epoch} has activations beyond the float16 "
                        f"range (max |a| = {float(np.nanmax(np.abs(values[np.isfinite(values)]))):.4g}); "
                        "set record.precision: float32"
                    )
                values = stored
            f[f"activations/layer_{layer}"][i] = values
        for name in METRICS:
            f[f"metrics/{name}"][i] = metrics[name]
        if gradients is not None:
            for name in GRADIENT_STATISTICS:
                f[f"gradients/{name}"][i] = gradients[name]
        f["weights/norm"][i] = weight_norms
        given = dict(series or {})
        if set(given) != set(self.series):
            raise KeyError(f"{self.path}: series {sorted(given)} given, {sorted(self.series)} declared")
        for name, values in given.items():
            self.series[name][i] = values

    def write_status(self, diverged_epoch: Sequence[int], causes: Sequence[str]) -> None:
        """Store each seed's divergence: ``diverged_epoch`` int [S] (:data:`NEVER_DIVERGED` for
        none) and ``causes`` [S] strings ("" for none). Replaces what was stored."""
        f = self.file
        n_seeds = len(f["seeds"])
        diverged_epoch = np.asarray(diverged_epoch, dtype=np.int64)
        if diverged_epoch.shape != (n_seeds,) or len(causes) != n_seeds:
            raise ValueError(f"status needs one entry per seed ({n_seeds}), got {diverged_epoch.shape} and {len(causes)}")
        for name in ("status/diverged_epoch", "status/divergence_cause"):
            if name in f:
                del f[name]
        f.create_dataset("status/diverged_epoch", data=diverged_epoch, fletcher32=True)
        encoded = [str(c).encode() for c in causes]
        f.create_dataset("status/divergence_cause", data=encoded, fletcher32=True,
                         dtype=h5py.string_dtype("utf-8", max(1, *map(len, encoded))))

    def write_timing(self, epoch_seconds: Sequence[float]) -> None:
        """Store the wall seconds of each epoch as the root attribute ``epoch_seconds`` (JSON
        list of epochs + 1 numbers: the initial evaluation, then each epoch's training with its
        evaluation and recording, for the whole chunk of seeds). An attribute, not a dataset: it
        is a measurement of this machine, not of the networks, and same-seed runs compare equal
        dataset by dataset."""
        self.file.attrs["epoch_seconds"] = json.dumps([round(float(x), 6) for x in epoch_seconds])

    def close(self) -> Path:
        """Close the file and move it to its final path; returns that path."""
        self.file.close()
        if self.path.exists():
            raise FileExistsError(f"refusing to overwrite existing recording {self.path}")
        os.replace(self.partial, self.path)
        return self.path

    def abort(self) -> None:
        """Close and delete the partial file (after an error)."""
        self.file.close()
        self.partial.unlink(missing_ok=True)

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _fixed_text(attrs: h5py.AttributeManager, key: str, value: str) -> None:
    encoded = str(value).encode()
    attrs.create(key, encoded, dtype=h5py.string_dtype("utf-8", max(1, len(encoded))))


@dataclass(frozen=True)
class RunInfo:
    """What a chunk file holds, without its arrays.

    ``labels`` [P] are the probe rows' labels, aligned with the activations' rows (what the
    estimators take); ``probe_index`` [P] are those rows in the dataset (take
    ``inputs[probe_index]`` for estimators that use the inputs); ``train_index`` and
    ``test_index`` are dataset rows; ``n_inputs`` is the dataset's N.
    """

    path: Path
    experiment: str
    epochs: np.ndarray
    seeds: np.ndarray
    widths: np.ndarray
    labels: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray
    settings: dict
    attrs: dict
    probe_index: np.ndarray
    n_inputs: int

    @property
    def n_layers(self) -> int:
        return len(self.widths) - 1


def _reason(error: BaseException) -> str:
    """What HDF5 (or h5py) said, on one line."""
    return " ".join(str(error).split()) or type(error).__name__


def _text(value):
    """An attribute as Python text or number (strings are stored as fixed-length UTF-8 bytes)."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    return value.item() if hasattr(value, "item") else value


@contextlib.contextmanager
def _open(path: str | os.PathLike):
    """The file open for reading, its format attributes checked.

    Raises FileNotFoundError when there is no file, :class:`DamagedRecordingError` when it does
    not open as HDF5 or is not an infoplane recording, ValueError for another format_version.
    """
    path = Path(path)
    if not path.is_file():
        aside = sorted(path.parent.glob(path.name + ".damaged*"), key=os.path.getmtime)
        if aside:  # by another job reading it, since this job started
            raise DamagedRecordingError(path, f"another job found it damaged and moved it to {aside[-1]}")
        raise FileNotFoundError(errno.ENOENT, "no such recording", str(path))
    try:
        f = h5py.File(path, "r")
    except Exception as error:  # h5py raises OSError; a mangled superblock can raise others
        raise DamagedRecordingError(
            path, f"it does not open as an HDF5 file: truncated, or its header overwritten ({_reason(error)})"
        ) from None
    try:
        try:
            attrs = {key: _text(value) for key, value in f.attrs.items()}
        except Exception as error:
            raise DamagedRecordingError(path, f"its attributes cannot be read ({_reason(error)})", "/") from None
        if attrs.get("format") != FORMAT:
            raise DamagedRecordingError(path, f"format attribute {attrs.get('format')!r}, not {FORMAT!r}: not an infoplane recording", "/")
        version = attrs.get("format_version")
        if not isinstance(version, int):
            raise DamagedRecordingError(path, f"format_version attribute {version!r} is not an integer", "/")
        if version != FORMAT_VERSION:
            raise ValueError(f"{path}: format_version {version} is not supported (expected {FORMAT_VERSION})")
        if not isinstance(attrs.get("n_inputs"), int):
            raise DamagedRecordingError(path, f"n_inputs attribute {attrs.get('n_inputs')!r} is not an integer", "/")
        yield f, attrs
    finally:
        f.close()


def _dataset(f: h5py.File, path: Path, name: str) -> h5py.Dataset:
    try:
        dataset = f[name]
    except KeyError:
        raise DamagedRecordingError(path, "it is missing", "/" + name) from None
    except Exception as error:
        raise DamagedRecordingError(path, f"it cannot be opened ({_reason(error)})", "/" + name) from None
    if not isinstance(dataset, h5py.Dataset):
        raise DamagedRecordingError(path, "it is not a dataset", "/" + name)
    return dataset


def _read(f: h5py.File, path: Path, name: str, selection=(), out: np.ndarray | None = None) -> np.ndarray:
    """``f[name][selection]``, a read failure (checksum, broken chunk index) raised as damage.

    With ``out`` (an array of at least the selection's size and the dataset's dtype) and a
    selection of one slice along the first axis, the values are read into the front of ``out``
    and that view is returned: no new array (on this project's VMs each fresh megabyte of
    memory costs about 5 ms of system time, more than reading it)."""
    dataset = _dataset(f, path, name)
    try:
        if out is not None and isinstance(selection, slice) and out.dtype == dataset.dtype:
            rows = range(*selection.indices(dataset.shape[0]))
            shape = (len(rows),) + dataset.shape[1:]
            if out.size >= math.prod(shape):
                view = out.reshape(-1)[: math.prod(shape)].reshape(shape)
                if len(rows):
                    dataset.read_direct(view, np.s_[rows.start : rows.stop : rows.step])
                return view
        return dataset[selection]
    except OSError as error:
        reason = _reason(error)
        if "filter returned failure" in reason or "checksum" in reason.lower():
            problem = f"a stored chunk fails its Fletcher-32 checksum: its bytes changed after it was written ({reason})"
        else:
            problem = f"it cannot be read ({reason})"
        raise DamagedRecordingError(path, problem, "/" + name) from None


def _layout(f: h5py.File, path: Path) -> dict[str, np.ndarray]:
    """Check the layout against the module docstring: every dataset there, of the shape the small
    arrays imply, and those arrays' own values in range. Reads the small arrays (returned by
    name), not the activations, metrics or gradients."""
    small = {name: _read(f, path, name) for name in (
        "epochs", "seeds", "widths", "data/labels", "data/probe_index", "data/train_index",
        "data/test_index", "data/train_class_counts", "status/diverged_epoch",
    )}  # fmt: skip
    epochs, seeds, widths = small["epochs"], small["seeds"], small["widths"]
    for name, values in small.items():
        if values.ndim != 1 or values.dtype.kind not in "iu":
            raise DamagedRecordingError(path, f"{values.dtype} array of shape {values.shape}, expected a list of integers", "/" + name)
    n_epochs, n_seeds, n_layers, n_probe = len(epochs), len(seeds), len(widths) - 1, len(small["data/labels"])
    if n_epochs == 0 or n_seeds == 0 or n_layers < 1 or n_probe == 0:
        raise DamagedRecordingError(path, f"empty: {n_epochs} epochs, {n_seeds} seeds, {n_layers} layers, {n_probe} probe rows")
    n_classes = int(widths[-1])
    checks = [
        ("epochs", epochs.min() >= 0 and (np.diff(epochs) > 0).all(), "recorded epochs are not increasing from >= 0"),
        ("widths", widths.min() >= 1, "a layer width below 1"),
        ("data/labels", small["data/labels"].min() >= 0 and small["data/labels"].max() < n_classes,
         f"labels outside 0 … {n_classes - 1} (the output layer's classes)"),
        ("status/diverged_epoch", ((small["status/diverged_epoch"] == NEVER_DIVERGED) | (small["status/diverged_epoch"] >= 1)).all(),
         f"an epoch that is neither {NEVER_DIVERGED} (never diverged) nor >= 1"),
    ]  # fmt: skip
    n_inputs = int(f.attrs["n_inputs"])  # an integer (_open)
    for name in ("data/probe_index", "data/train_index", "data/test_index"):
        rows = small[name]
        checks.append((name, not len(rows) or (rows.min() >= 0 and rows.max() < n_inputs),
                       f"rows outside 0 … {n_inputs - 1} (n_inputs is {n_inputs})"))  # fmt: skip
    for name, ok, problem in checks:
        if not ok:
            raise DamagedRecordingError(path, problem, "/" + name)
    shapes = {
        "data/probe_index": (n_probe,),
        "data/train_class_counts": (n_classes,),
        "status/diverged_epoch": (n_seeds,),
        "status/divergence_cause": (n_seeds,),
        **{f"activations/layer_{layer}": (n_epochs, n_seeds, n_probe, int(widths[layer])) for layer in range(1, n_layers + 1)},
        **{f"metrics/{name}": (n_epochs, n_seeds) for name in METRICS},
        **{f"gradients/{name}": (n_epochs, n_seeds, n_layers) for name in GRADIENT_STATISTICS},
        "weights/norm": (n_epochs, n_seeds, n_layers),
    }  # fmt: skip
    for name, shape in shapes.items():
        actual = _dataset(f, path, name).shape
        if actual != shape:
            raise DamagedRecordingError(
                path, f"shape {actual}, expected {shape} (from /epochs, /seeds, /widths and /data/labels)", "/" + name
            )
    return small


def read_info(path: str | os.PathLike) -> RunInfo:
    """Epochs, seeds, widths, labels, split, settings and attributes of a chunk file, its layout
    checked (every dataset present, with its shape; the arrays read here in range).

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    DamagedRecordingError
        If the file does not open, fails a checksum, or its layout is not the module's.
    ValueError
        If the file is a recording of another format version.
    """
    path = Path(path)
    with _open(path) as (f, attrs):
        small = _layout(f, path)
        try:
            settings = json.loads(attrs.get("settings", "{}"))
        except json.JSONDecodeError as error:
            raise DamagedRecordingError(path, f"the settings attribute is not JSON ({error})", "/") from None
        return RunInfo(
            path=path,
            experiment=str(attrs.get("experiment", "")),
            epochs=small["epochs"],
            seeds=small["seeds"],
            widths=small["widths"],
            labels=small["data/labels"],
            train_index=small["data/train_index"],
            test_index=small["data/test_index"],
            settings=settings,
            attrs=attrs,
            probe_index=small["data/probe_index"],
            n_inputs=int(attrs["n_inputs"]),
        )


def read_activations(
    path: str | os.PathLike, layer: int, epochs: slice | Sequence[int] = slice(None), *, out: np.ndarray | None = None
) -> np.ndarray:
    """Activations of one layer, float32 [E', S, P, d_l] for the epoch indices ``epochs`` (a
    slice, or increasing indices into ``/epochs``); P probe rows (``RunInfo.probe_index``).
    Float32 whatever the stored precision.

    ``out``: a float32 buffer to read into where it can (float32 storage, evenly spaced epochs,
    at least E' S P d_l values): the result is then a view of its front, overwritten by the
    next read into it. Reading chunks of a file into one buffer spares the fresh memory each
    new array costs.

    The values are checked against the layer's activation (its declared range, :data:`infoplane.choices.ACTIVATIONS`; the
    output layer is a softmax, in [0, 1]); NaN is allowed only in a diverged seed's epochs
    (``/status/diverged_epoch``; epoch 0 too for a seed that diverged in epoch 1), infinity
    nowhere.

    Raises
    ------
    ValueError
        If ``layer`` is not in 1 … L or ``epochs`` selects indices outside ``/epochs``.
    DamagedRecordingError
        If the dataset fails its checksum, has the wrong shape, or holds values the activation
        cannot produce.
    """
    path = Path(path)
    with _open(path) as (f, attrs):
        widths = _read(f, path, "widths")
        n_layers = len(widths) - 1
        if not 1 <= layer <= n_layers:
            raise ValueError(f"layer must be in 1 … {n_layers}, got {layer}")
        recorded = _read(f, path, "epochs")
        try:
            index = np.arange(len(recorded))[epochs]
        except IndexError:
            raise ValueError(f"epoch indices {epochs} outside the {len(recorded)} recorded epochs of {path}") from None
        name = f"activations/layer_{layer}"
        seeds = _read(f, path, "seeds")
        shape = (len(recorded), len(seeds), _dataset(f, path, "data/labels").shape[0], int(widths[layer]))
        if _dataset(f, path, name).shape != shape:
            raise DamagedRecordingError(path, f"shape {_dataset(f, path, name).shape}, expected {shape}", "/" + name)
        selection = _as_slice(index) if out is not None else None  # read_direct takes slices
        values = _read(f, path, name, epochs if selection is None else selection, out=out).astype(np.float32, copy=False)
        diverged = _read(f, path, "status/diverged_epoch")
        activation = str(attrs.get("activation", "")) if layer < n_layers else "softmax"
        declared = attrs.get("activation_range")  # written from the declaration (used for a plugin's activation)
        stored_range = tuple(json.loads(declared)) if isinstance(declared, str) else None
        _check_values(path, "/" + name, values, activation, recorded[index], seeds, diverged, stored_range)
        return values


def _check_free_space(path: Path, needed: int) -> None:
    """Raise OSError (ENOSPC) when the file system of ``path`` has less than ``needed`` bytes
    free: a recording that cannot fit fails before its training, not hours into it. (Jobs
    writing side by side each see the same free space: the check is for one recording.)"""
    free = shutil.disk_usage(path.parent).free
    if needed > free:
        raise OSError(
            errno.ENOSPC,
            f"{path}: the recording needs {needed / 1e9:.3g} GB (its activations, uncompressed, and any kept "
            f"weights) and {free / 1e9:.3g} GB are free there; free space, or record fewer epochs, seeds or "
            "probe rows (record.probe_size), or use record.precision: float16 or record.compression",
        )


def _as_slice(index: np.ndarray) -> slice | None:
    """The slice that selects the increasing indices ``index``, if they are evenly spaced."""
    if len(index) == 0:
        return slice(0, 0)
    step = int(index[1] - index[0]) if len(index) > 1 else 1
    if step < 1 or not np.array_equal(np.diff(index), np.full(len(index) - 1, step)):
        return None
    return slice(int(index[0]), int(index[-1]) + 1, step)


def _check_values(path, name, values, activation, epochs, seeds, diverged, stored_range=None) -> None:
    """Raise :class:`DamagedRecordingError` for values [E', S, P, d] that ``activation`` cannot
    produce (its declared range; the range the file records for an activation this process has
    not registered, a plugin's), or that are not finite outside a diverged seed's epochs
    (``diverged`` [S])."""
    if activation == "softmax":
        low, high = OUTPUT_RANGE
    elif activation in ACTIVATIONS:  # the declaration, as the attribute names it
        low, high = ACTIVATIONS[activation].range
    elif stored_range is not None:  # a plugin's activation this job has not imported
        low, high = stored_range
    elif activation:
        raise DamagedRecordingError(path, f"activation attribute {activation!r} is none of {sorted(ACTIVATIONS)}", "/")
    else:  # written without an activation attribute (not by train_ensemble): nothing to compare with
        low = high = None
    if values.size == 0:
        return
    flat = values.reshape(-1)
    smallest, largest = flat.min(), flat.max()  # NaN propagates, infinity shows: no array of flags
    finite = bool(np.isfinite(smallest) and np.isfinite(largest))
    if not finite:
        # from the divergence epoch on; a seed non-finite at initialisation counts as diverged
        # in epoch 1 (infoplane.training), its epoch 0 is NaN too
        after = (epochs[:, None] >= diverged[None, :]) | ((epochs[:, None] == 0) & (diverged[None, :] == 1))
        may_be_nan = (diverged != NEVER_DIVERGED)[None, :] & after  # [E', S]
        bad = ~np.isfinite(values) & ~may_be_nan[:, :, None, None]
        bad |= np.isinf(values)
        if bad.any():
            raise DamagedRecordingError(path, f"{int(bad.sum())} values are NaN or infinite outside a diverged seed's epochs "
                                              f"(first: {_first(values, bad, epochs, seeds)})", name)  # fmt: skip
    tolerance = 1e-6  # a fused or approximate softmax may round one unit past 1
    smallest, largest = np.fmin.reduce(flat), np.fmax.reduce(flat)
    if (low is not None and smallest < low - tolerance) or (high is not None and largest > high + tolerance):
        with np.errstate(invalid="ignore"):
            bad = np.zeros(values.shape, dtype=bool)
            if low is not None:
                bad |= values < low - tolerance
            if high is not None:
                bad |= values > high + tolerance
        interval = f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
        raise DamagedRecordingError(
            path, f"{int(bad.sum())} values outside {interval}, the range of {activation} "
                  f"(first: {_first(values, bad, epochs, seeds)})", name,
        )  # fmt: skip


def _first(values, bad, epochs, seeds) -> str:
    e, s, row, unit = np.argwhere(bad)[0]
    return f"{values[e, s, row, unit]:.6g} at epoch {int(epochs[e])}, seed {int(seeds[s])}, probe row {row}, unit {unit}"


def read_status(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Each seed's divergence: ``seeds`` int64 [S], ``diverged_epoch`` int64 [S]
    (:data:`NEVER_DIVERGED` = -1 when the seed stayed finite) and ``divergence_cause`` [S]
    Python strings ("" when it stayed finite); and ``train_class_counts`` int64 [C], the
    training rows per class (a constant classifier reaches at most max / sum of them).

    Raises :class:`DamagedRecordingError` as :func:`read_info`."""
    path = Path(path)
    with _open(path) as (f, _):
        return {
            "seeds": _read(f, path, "seeds"),
            "train_class_counts": _read(f, path, "data/train_class_counts"),
            "diverged_epoch": _read(f, path, "status/diverged_epoch"),
            "divergence_cause": np.array([c.decode() if isinstance(c, bytes) else str(c)
                                          for c in _read(f, path, "status/divergence_cause")], dtype=object),
        }  # fmt: skip


def read_statistics(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Metrics [E, S], gradient statistics [E, S, L] and weight norms [E, S, L] of a chunk.

    Keys: the :data:`METRICS` names, ``gradient_<statistic>`` for
    :data:`GRADIENT_STATISTICS`, and ``weight_norm``.

    Raises :class:`DamagedRecordingError` as :func:`read_info`.
    """
    path = Path(path)
    with _open(path) as (f, _):
        out = {name: _read(f, path, f"metrics/{name}") for name in METRICS}
        out.update({f"gradient_{name}": _read(f, path, f"gradients/{name}") for name in GRADIENT_STATISTICS})
        out["weight_norm"] = _read(f, path, "weights/norm")
        return out


def read_series(path: str | os.PathLike, name: str) -> np.ndarray:
    """The series ``name`` [E, S, ...] of a chunk file (``/series/<name>``, see the layout).

    Raises
    ------
    KeyError
        When the file has no such series (naming the ones it has).
    DamagedRecordingError
        For a file that does not open or a failed checksum.
    """
    with _open(path) as (f, _):
        if f"series/{name}" not in f:
            raise KeyError(f"{path}: no series {name!r}; it has {sorted(f['series']) if 'series' in f else 'none'}")
        return _read(f, Path(path), f"series/{name}")


def read_parameters(path: str | os.PathLike, epoch: int) -> dict[str, np.ndarray]:
    """The network's state after ``epoch`` (0: initialisation): state_dict name -> float32
    [S, ...], from a chunk written with ``record.keep_weights``.

    Raises
    ------
    KeyError
        When the file kept no parameters; IndexError for an epoch outside 0 … epochs.
    DamagedRecordingError
        For a file that does not open or a failed checksum.
    """
    path = Path(path)
    with _open(path) as (f, _):
        if "parameters" not in f:
            raise KeyError(f"{path}: no kept parameters (train with record.keep_weights: true)")
        names = sorted(f["parameters"])
        last = f[f"parameters/{names[0]}"].shape[0] - 1
        if not 0 <= int(epoch) <= last:
            raise IndexError(f"{path}: epoch {epoch} outside the kept epochs 0 … {last}")
        return {name: _read(f, path, f"parameters/{name}", int(epoch)) for name in names}


def move_aside(path: str | os.PathLike) -> Path | None:
    """Rename a damaged recording to ``<name>.damaged``, or ``<name>.damaged-2``, ``-3`` … when
    that name is taken: never deleted, never written over. Returns the new path, or None when
    ``path`` is gone already (another job moved it first)."""
    path = Path(path)
    for n in itertools.count(1):  # returns within
        target = path.with_name(path.name + (".damaged" if n == 1 else f".damaged-{n}"))
        try:
            os.link(path, target)  # fails when the name is taken: nothing is overwritten
        except FileExistsError:
            continue
        except FileNotFoundError:
            return None
        except OSError:  # a file system without hard links
            if target.exists():
                continue
            try:
                os.rename(path, target)
            except FileNotFoundError:
                return None
            return target
        try:
            os.unlink(path)
        except FileNotFoundError:  # moved meanwhile by another process: drop the second name
            os.unlink(target)
            return None
        return target
    return None  # not reached
