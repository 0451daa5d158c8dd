"""The HDF5 file of one training chunk (a group of seeds trained together).

Layout (``format = "infoplane-run"``, ``format_version = 1``); E recorded epochs, S seeds,
N inputs, L layers with weights (hidden layers, then the output layer), d_l the width of
layer l::

    /                          attrs: format, format_version, experiment, settings (JSON of
                               the experiment's settings), activation, device,
                               infoplane_version, torch_version
    /epochs                    int64   [E]            recorded epochs (0 = initialisation)
    /seeds                     int64   [S]
    /widths                    int64   [L + 1]        input width, then each layer's width
    /data/labels               int64   [N]            labels of all N inputs
    /data/train_index          int64   [n_train]      rows used for training
    /data/test_index           int64   [n_test]
    /activations/layer_<l>     float32 [E, S, N, d_l] l = 1 … L; layer L is the softmax output
    /metrics/train_loss        float32 [E, S]         cross-entropy, nats
    /metrics/test_loss         float32 [E, S]         (NaN when the test set is empty)
    /metrics/train_accuracy    float32 [E, S]         fraction correct
    /metrics/test_accuracy     float32 [E, S]
    /gradients/mean_norm       float64 [E, S, L]      ||mean over the epoch's mini-batches of
                                                      dLoss/dW_l||_F  (NaN at epoch 0)
    /gradients/std_norm        float64 [E, S, L]      ||std over mini-batches of dLoss/dW_l||_F
    /gradients/snr             float64 [E, S, L]      mean_norm / std_norm ([ST17] Fig. 4); inf
                                                      when an epoch has a single mini-batch
    /weights/norm              float64 [E, S, L]      ||W_l||_F after the epoch

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
]

FORMAT = "infoplane-run"
FORMAT_VERSION = 1
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
GRADIENT_STATISTICS = ("mean_norm", "std_norm", "snr")


class RunWriter:
    """Write one chunk's recordings, epoch by epoch, into the layout above.

    Parameters
    ----------
    path : destination ``.h5`` file; must not exist.
    epochs : recorded epochs [E].
    seeds : the chunk's seeds [S].
    widths : input width, then the widths of the L layers.
    labels, train_index, test_index : int arrays, see the layout.
    attrs : extra root attributes (dicts are stored as JSON).

    Raises
    ------
    FileExistsError
        If ``path`` exists.
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
        attrs: dict | None = None,
    ):
        self.path = Path(path)
        if self.path.exists():
            raise FileExistsError(f"refusing to overwrite existing recording {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = self.path.with_name(self.path.name + ".partial")
        self.epochs = np.asarray(epochs, dtype=np.int64)
        self._index = {int(e): i for i, e in enumerate(self.epochs)}
        n_epochs, n_seeds = len(self.epochs), len(seeds)
        n_layers = len(widths) - 1
        n = len(labels)
        f = self.file = h5py.File(self.partial, "w")
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        for key, value in (attrs or {}).items():
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            elif isinstance(value, str):
                value = str(value)  # str subclasses such as torch's version string
            f.attrs[key] = value
        f["epochs"] = self.epochs
        f["seeds"] = np.asarray(seeds, dtype=np.int64)
        f["widths"] = np.asarray(widths, dtype=np.int64)
        f["data/labels"] = np.asarray(labels, dtype=np.int64)
        f["data/train_index"] = np.asarray(train_index, dtype=np.int64)
        f["data/test_index"] = np.asarray(test_index, dtype=np.int64)
        for layer, width in enumerate(widths[1:], start=1):
            f.create_dataset(
                f"activations/layer_{layer}",
                shape=(n_epochs, n_seeds, n, width),
                dtype=np.float32,
                chunks=(1, 1, n, width),
            )
        for name in METRICS:
            f.create_dataset(f"metrics/{name}", shape=(n_epochs, n_seeds), dtype=np.float32,
                             fillvalue=np.nan)
        for name in GRADIENT_STATISTICS:
            f.create_dataset(f"gradients/{name}", shape=(n_epochs, n_seeds, n_layers),
                             dtype=np.float64, fillvalue=np.nan)
        f.create_dataset("weights/norm", shape=(n_epochs, n_seeds, n_layers), dtype=np.float64,
                         fillvalue=np.nan)

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
        activations : L arrays [S, N, d_l].
        metrics : :data:`METRICS` → [S].
        gradients : :data:`GRADIENT_STATISTICS` → [S, L], or None at epoch 0.
        weight_norms : [S, L].
        """
        i = self._index[int(epoch)]
        f = self.file
        for layer, values in enumerate(activations, start=1):
            f[f"activations/layer_{layer}"][i] = values
        for name in METRICS:
            f[f"metrics/{name}"][i] = metrics[name]
        if gradients is not None:
            for name in GRADIENT_STATISTICS:
                f[f"gradients/{name}"][i] = gradients[name]
        f["weights/norm"][i] = weight_norms

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
    """What a chunk file holds, without its arrays."""

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
        )


def read_activations(
    path: str | os.PathLike, layer: int, epochs: slice | Sequence[int] = slice(None)
) -> np.ndarray:
    """Activations of one layer, float32 [E', S, N, d_l] for the epoch indices ``epochs`` (a
    slice, or increasing indices into ``/epochs``).

    Raises
    ------
    ValueError
        If ``layer`` is not in 1 … L.
    """
    with _open(path) as f:
        n_layers = len(f["widths"]) - 1
        if not 1 <= layer <= n_layers:
            raise ValueError(f"layer must be in 1 … {n_layers}, got {layer}")
        return f[f"activations/layer_{layer}"][epochs]


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
