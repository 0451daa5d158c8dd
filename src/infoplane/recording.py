"""The HDF5 file of one training chunk (a group of seeds trained together).

Layout (``format = "infoplane-run"``, ``format_version = 4``); E recorded epochs, S seeds,
N inputs in the dataset, P of them in the probe set (the rows whose activations are recorded,
``record.probe``; P = N for the Tishby data), L layers with weights (hidden layers, then the
output layer), d_l the width of layer l::

    /                          attrs: format, format_version, experiment, settings (JSON of
                               the experiment's settings), activation, device,
                               infoplane_version, torch_version, n_inputs (N),
                               precision, compression
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

A diverged seed's activations, metrics, gradient statistics and weight norms are NaN at every
recorded epoch >= its ``diverged_epoch`` (see :mod:`infoplane.training`).

Every dataset except the small index arrays carries HDF5's Fletcher-32 checksum of each
stored chunk (``fletcher32``), so that a byte changed on disk makes reading it fail rather than
return other numbers.

Files are written to ``<path>.partial`` and renamed when complete, so a file at ``path`` is
always whole; an existing file is never overwritten.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

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

    Raises
    ------
    FileExistsError
        If ``path`` exists.
    ValueError
        For an unknown precision or compression, or probe rows outside 0 … N-1.
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
        filters = {"fletcher32": True}
        if compression == "gzip":
            filters.update(compression="gzip", compression_opts=4 if compression_level is None else int(compression_level), shuffle=True)
        elif compression == "lzf":
            filters.update(compression="lzf", shuffle=True)
        f = self.file = h5py.File(self.partial, "w")
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["n_inputs"] = len(labels)
        f.attrs["precision"] = precision
        f.attrs["compression"] = compression if compression != "gzip" else f"gzip-{filters['compression_opts']}"
        for key, value in (attrs or {}).items():
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            elif isinstance(value, str):
                value = str(value)  # str subclasses such as torch's version string
            f.attrs[key] = value
        f["epochs"] = self.epochs
        f["seeds"] = np.asarray(seeds, dtype=np.int64)
        f["widths"] = np.asarray(widths, dtype=np.int64)
        f["data/labels"] = labels[probe]
        f["data/probe_index"] = probe
        f["data/train_index"] = np.asarray(train_index, dtype=np.int64)
        f["data/test_index"] = np.asarray(test_index, dtype=np.int64)
        f["data/train_class_counts"] = np.bincount(labels[np.asarray(train_index, dtype=np.int64)],
                                                   minlength=int(widths[-1])).astype(np.int64)
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
                             fillvalue=np.nan, fletcher32=True)
        for name in GRADIENT_STATISTICS:
            f.create_dataset(f"gradients/{name}", shape=(n_epochs, n_seeds, n_layers),
                             dtype=np.float64, fillvalue=np.nan, fletcher32=True)
        f.create_dataset("weights/norm", shape=(n_epochs, n_seeds, n_layers), dtype=np.float64,
                         fillvalue=np.nan, fletcher32=True)
        self.write_status(np.full(n_seeds, NEVER_DIVERGED), [""] * n_seeds)

    def write_epoch(
        self,
        epoch: int,
        activations: Sequence[np.ndarray],
        metrics: dict[str, np.ndarray],
        gradients: dict[str, np.ndarray] | None,
        weight_norms: np.ndarray,
    ) -> None:
        """Store one recorded epoch.

        Parameters
        ----------
        epoch : a recorded epoch.
        activations : L arrays [S, P, d_l], the probe rows' activations.
        metrics : :data:`METRICS` → [S].
        gradients : :data:`GRADIENT_STATISTICS` → [S, L], or None at epoch 0.
        weight_norms : [S, L].

        Raises
        ------
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
        f["status/diverged_epoch"] = diverged_epoch
        f.create_dataset("status/divergence_cause", data=[str(c) for c in causes],
                         dtype=h5py.string_dtype(encoding="utf-8"))

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


def _open(path: str | os.PathLike) -> h5py.File:
    f = h5py.File(path, "r")
    if f.attrs.get("format") != FORMAT:
        f.close()
        raise ValueError(f"{path} is not an infoplane recording (format attribute missing)")
    version = int(f.attrs["format_version"])
    if version != FORMAT_VERSION:
        f.close()
        raise ValueError(f"{path}: format_version {version} is not supported (expected {FORMAT_VERSION})")
    return f


def read_info(path: str | os.PathLike) -> RunInfo:
    """Epochs, seeds, widths, labels, split, settings and attributes of a chunk file.

    Raises
    ------
    ValueError
        If the file is not an infoplane recording of a supported version.
    """
    with _open(path) as f:
        return RunInfo(
            path=Path(path),
            experiment=str(f.attrs.get("experiment", "")),
            epochs=f["epochs"][()],
            seeds=f["seeds"][()],
            widths=f["widths"][()],
            labels=f["data/labels"][()],
            train_index=f["data/train_index"][()],
            test_index=f["data/test_index"][()],
            settings=json.loads(f.attrs.get("settings", "{}")),
            attrs={key: (value.item() if hasattr(value, "item") else value) for key, value in f.attrs.items()},
            probe_index=f["data/probe_index"][()],
            n_inputs=int(f.attrs["n_inputs"]),
        )


def read_activations(
    path: str | os.PathLike, layer: int, epochs: slice | Sequence[int] = slice(None)
) -> np.ndarray:
    """Activations of one layer, float32 [E', S, P, d_l] for the epoch indices ``epochs`` (a
    slice, or increasing indices into ``/epochs``); P probe rows (``RunInfo.probe_index``).
    Float32 whatever the stored precision.

    Raises
    ------
    ValueError
        If ``layer`` is not in 1 … L.
    """
    with _open(path) as f:
        n_layers = len(f["widths"]) - 1
        if not 1 <= layer <= n_layers:
            raise ValueError(f"layer must be in 1 … {n_layers}, got {layer}")
        return f[f"activations/layer_{layer}"][epochs].astype(np.float32, copy=False)


def read_status(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Each seed's divergence: ``seeds`` int64 [S], ``diverged_epoch`` int64 [S]
    (:data:`NEVER_DIVERGED` = -1 when the seed stayed finite) and ``divergence_cause`` [S]
    Python strings ("" when it stayed finite); and ``train_class_counts`` int64 [C], the
    training rows per class (a constant classifier reaches at most max / sum of them)."""
    with _open(path) as f:
        return {
            "seeds": f["seeds"][()],
            "train_class_counts": f["data/train_class_counts"][()],
            "diverged_epoch": f["status/diverged_epoch"][()],
            "divergence_cause": np.array([c.decode() if isinstance(c, bytes) else str(c)
                                          for c in f["status/divergence_cause"][()]], dtype=object),
        }


def read_statistics(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Metrics [E, S], gradient statistics [E, S, L] and weight norms [E, S, L] of a chunk.

    Keys: the :data:`METRICS` names, ``gradient_<statistic>`` for
    :data:`GRADIENT_STATISTICS`, and ``weight_norm``.
    """
    with _open(path) as f:
        out = {name: f[f"metrics/{name}"][()] for name in METRICS}
        out.update({f"gradient_{name}": f[f"gradients/{name}"][()] for name in GRADIENT_STATISTICS})
        out["weight_norm"] = f["weights/norm"][()]
        return out
