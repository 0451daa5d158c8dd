"""Batched ensemble training with per-epoch recording.

:func:`train_ensemble` trains S seeds of one network together (:class:`~infoplane.models.EnsembleMLP`),
each on its own mini-batch order, and records at every scheduled epoch: all layers' activations
for all N inputs, train/test loss and accuracy, and per layer the mean and standard deviation
over the epoch's mini-batches of the weight gradient, their ratio (SNR, [ST17] Fig. 4) and the
weight norm. The loss is the sum over seeds of each seed's mean cross-entropy, so every seed
receives exactly the gradient it would receive alone; Adam and SGD act elementwise, so the
stacked optimiser state equals S separate optimisers.

Reproducibility: seed ``s`` initialises its weights from ``torch.Generator().manual_seed(s)``
and draws its mini-batch permutations from ``numpy.random.default_rng([s, 1])``; the train/test
split comes from ``split_seed``. Running the same seeds again gives the same numbers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from . import __version__
from .datasets import train_test_split
from .devices import resolve_device
from .models import EnsembleMLP
from .recording import RunWriter
from .schedules import recording_epochs

__all__ = ["OPTIMIZERS", "TRAINING_KEYS", "resolve_device", "EnsembleTrainer", "train_ensemble"]

log = logging.getLogger(__name__)

OPTIMIZERS = ("adam", "sgd")

#: Settings :func:`train_ensemble` reads (the config's ``training`` section, see the schema).
TRAINING_KEYS = (
    "hidden_widths", "activation", "init", "optimizer", "learning_rate", "batch_size",
    "epochs", "train_fraction", "split_seed", "record",
)  # fmt: skip


def _check_settings(settings: Mapping) -> None:
    missing = [key for key in TRAINING_KEYS if key not in settings]
    if missing:
        raise ValueError(f"training settings lack {missing}")
    if settings["optimizer"] not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {settings['optimizer']!r}; expected one of {OPTIMIZERS}")
    for key in ("epochs", "batch_size"):
        if int(settings[key]) < (0 if key == "epochs" else 1):
            raise ValueError(f"{key} must be {'>= 0' if key == 'epochs' else '>= 1'}, got {settings[key]}")
    if not float(settings["learning_rate"]) > 0:
        raise ValueError(f"learning_rate must be > 0, got {settings['learning_rate']}")


def _make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, fused=True)
    return torch.optim.SGD(params, lr=lr, fused=True)


class _GradientMoments:
    """Running sums of each layer's weight gradient and its square over one epoch's batches."""

    def __init__(self, weights: Sequence[torch.Tensor]):
        self.weights = list(weights)
        self.sums = [torch.zeros_like(w, dtype=torch.float64) for w in self.weights]
        self.squares = [torch.zeros_like(w, dtype=torch.float64) for w in self.weights]
        self.count = 0

    def add(self) -> None:
        for w, s, q in zip(self.weights, self.sums, self.squares):
            g = w.grad.to(torch.float64)
            s.add_(g)
            q.addcmul_(g, g)
        self.count += 1

    def statistics(self) -> dict[str, np.ndarray]:
        """mean_norm, std_norm, snr, each [S, L]: Frobenius norms of the batch mean and
        (population) standard deviation of dLoss/dW_l, and their ratio."""
        mean_norms, std_norms = [], []
        for s, q in zip(self.sums, self.squares):
            mean = s / self.count
            var = (q / self.count - mean * mean).clamp_(min=0.0)
            mean_norms.append(mean.flatten(1).norm(dim=1))
            std_norms.append(var.flatten(1).sum(dim=1).sqrt())
        mean_norm = torch.stack(mean_norms, dim=1).cpu().numpy()
        std_norm = torch.stack(std_norms, dim=1).cpu().numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = mean_norm / std_norm
        return {"mean_norm": mean_norm, "std_norm": std_norm, "snr": snr}


class EnsembleTrainer:
    """S seeds of one network, their optimiser state, train/test split and mini-batch streams.

    Parameters
    ----------
    inputs : float array [N, d_in]; labels : int array [N], classes 0 … C-1.
    seeds : the S seeds; settings : the keys in :data:`TRAINING_KEYS` (``epochs`` and
        ``record`` are not used here); device : see :func:`resolve_device`.

    Raises
    ------
    ValueError, RuntimeError
        As :func:`train_ensemble`.
    """

    def __init__(self, inputs, labels, seeds: Sequence[int], settings: Mapping, device: str = "cpu"):
        _check_settings(settings)
        inputs = np.asarray(inputs, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        if inputs.ndim != 2 or labels.shape != (inputs.shape[0],):
            raise ValueError(f"inputs [N, d] and labels [N] disagree: {inputs.shape} vs {labels.shape}")
        self.device = resolve_device(device)
        self.labels = labels
        self.train_index, self.test_index = train_test_split(
            len(labels), float(settings["train_fraction"]), int(settings["split_seed"])
        )
        self.widths = [inputs.shape[1], *[int(w) for w in settings["hidden_widths"]], int(labels.max()) + 1]
        self.model = EnsembleMLP(seeds, self.widths, settings["activation"], settings["init"]).to(self.device)
        self.optimizer = _make_optimizer(settings["optimizer"], self.model.parameters(), float(settings["learning_rate"]))
        self.batch_size = int(settings["batch_size"])
        self._x = torch.from_numpy(inputs).to(self.device)
        self._x_features = self._x.T.contiguous()  # [d_in, N]: batches gather feature-major
        self._y = torch.from_numpy(labels).to(self.device)
        self._train = torch.from_numpy(self.train_index).to(self.device)
        self._test = torch.from_numpy(self.test_index).to(self.device)
        self._batch_rngs = [np.random.default_rng([int(seed), 1]) for seed in self.model.seeds]

    @property
    def seeds(self) -> list[int]:
        return self.model.seeds

    def train_epoch(self, gradient_statistics: bool = False) -> dict[str, np.ndarray] | None:
        """One pass over the training set in mini-batches, each seed in its own order.

        Returns the gradient statistics of this epoch's mini-batches (mean_norm, std_norm,
        snr, each [S, L]) when ``gradient_statistics`` is true, else None.
        """
        model, batch_size = self.model, self.batch_size
        moments = _GradientMoments(model.weights) if gradient_statistics else None
        order = np.stack([rng.permutation(len(self.train_index)) for rng in self._batch_rngs])
        order = self._train[torch.from_numpy(order).to(self.device)]  # [S, n_train]
        for start in range(0, order.shape[1], batch_size):
            index = order[:, start : start + batch_size]  # [S, B]
            logits = model.feature_major_outputs(self._x_features[:, index].transpose(0, 1))[-1]  # [S, C, B]
            loss = F.cross_entropy(logits, self._y[index], reduction="none").mean(1).sum()
            self.optimizer.zero_grad(set_to_none=False)
            loss.backward()
            if moments is not None:
                moments.add()
            self.optimizer.step()
        return moments.statistics() if moments is not None else None

    def evaluate(self):
        """Every layer's activations for all N inputs, loss/accuracy per seed, weight norms.

        Returns ``(activations, metrics, weight_norms)``: L float32 arrays [S, N, d_l] (the last
        is the softmax output), :data:`~infoplane.recording.METRICS` -> [S], and [S, L].
        """
        model = self.model
        with torch.no_grad():
            outputs = model.layer_outputs(self._x)
            logits = outputs[-1]
            activations = [o.float().cpu().numpy() for o in outputs[:-1]]
            activations.append(torch.softmax(logits, dim=-1).float().cpu().numpy())
            n_seeds = logits.shape[0]
            losses = F.cross_entropy(
                logits.flatten(0, 1), self._y.expand(n_seeds, -1).flatten(), reduction="none"
            ).view(n_seeds, -1)
            correct = (logits.argmax(-1) == self._y).float()
            metrics = {}
            for split, index in (("train", self._train), ("test", self._test)):
                if index.numel():
                    metrics[f"{split}_loss"] = losses[:, index].mean(1).cpu().numpy()
                    metrics[f"{split}_accuracy"] = correct[:, index].mean(1).cpu().numpy()
                else:
                    metrics[f"{split}_loss"] = np.full(n_seeds, np.nan, np.float32)
                    metrics[f"{split}_accuracy"] = np.full(n_seeds, np.nan, np.float32)
            weight_norms = torch.stack([w.detach().flatten(1).norm(dim=1) for w in model.weights], 1)
        return activations, metrics, weight_norms.double().cpu().numpy()


def train_ensemble(
    inputs: np.ndarray,
    labels: np.ndarray,
    seeds: Sequence[int],
    settings: Mapping,
    output: str | os.PathLike,
    *,
    device: str = "cpu",
    experiment: str = "",
    progress: bool | None = None,
) -> Path:
    """Train S seeds together and write their recordings to one HDF5 file.

    Parameters
    ----------
    inputs : float array [N, d_in], all N inputs (activations are recorded for all of them).
    labels : int array [N], classes 0 … C-1; the output layer has C units.
    seeds : the S seeds of this chunk.
    settings : the keys in :data:`TRAINING_KEYS` (``record`` is a mapping with ``schedule``
        and ``points`` or ``step``, see :func:`~infoplane.schedules.recording_epochs`).
    output : path of the HDF5 file to create (layout in :mod:`infoplane.recording`).
    device : ``"cpu"``, ``"cuda"``, ``"cuda:<i>"`` or ``"auto"``.
    experiment : name stored in the file.
    progress : show a tqdm progress bar (``None``: only on a terminal).

    Returns
    -------
    pathlib.Path of the written file.

    Raises
    ------
    ValueError
        For bad settings or inputs whose shapes disagree.
    RuntimeError
        If a CUDA device is requested and none is available.
    FileExistsError
        If ``output`` exists.
    FloatingPointError
        If the training loss becomes non-finite (the partial file is removed).
    """
    from tqdm.auto import tqdm

    output = Path(output)
    if output.exists():
        raise FileExistsError(f"refusing to overwrite existing recording {output}")
    trainer = EnsembleTrainer(inputs, labels, seeds, settings, device)
    record = dict(settings["record"])
    epochs = int(settings["epochs"])
    recorded = recording_epochs(
        epochs, record["schedule"], points=int(record.get("points", 100)), step=int(record.get("step", 1)),
        tail=int(record.get("tail", 0)),
    )  # fmt: skip
    to_record = set(int(e) for e in recorded)
    attrs = {
        "experiment": experiment,
        "settings": {key: settings[key] for key in TRAINING_KEYS},
        "activation": settings["activation"],
        "device": str(trainer.device),
        "infoplane_version": __version__,
        "torch_version": torch.__version__,
    }
    writer = RunWriter(
        output, epochs=recorded, seeds=trainer.seeds, widths=trainer.widths, labels=trainer.labels,
        train_index=trainer.train_index, test_index=trainer.test_index, attrs=attrs,
    )  # fmt: skip
    bar = tqdm(
        total=epochs, desc=f"train {experiment} seeds {trainer.seeds[0]}-{trainer.seeds[-1]}",
        unit="epoch", disable=None if progress is None else not progress, mininterval=2.0,
    )  # fmt: skip
    try:
        with writer:
            activations, metrics, weight_norms = trainer.evaluate()
            writer.write_epoch(0, activations, metrics, None, weight_norms)
            for epoch in range(1, epochs + 1):
                gradients = trainer.train_epoch(gradient_statistics=epoch in to_record)
                if gradients is not None:
                    activations, metrics, weight_norms = trainer.evaluate()
                    bad = [s for s, value in zip(trainer.seeds, metrics["train_loss"]) if not np.isfinite(value)]
                    if bad:
                        raise FloatingPointError(
                            f"training diverged: non-finite train loss at epoch {epoch} for seeds {bad} "
                            f"(learning_rate={settings['learning_rate']})"
                        )
                    writer.write_epoch(epoch, activations, metrics, gradients, weight_norms)
                    log.info(
                        "epoch %d: train loss %.4f, train accuracy %.3f, test accuracy %.3f (mean over %d seeds)",
                        epoch, float(np.mean(metrics["train_loss"])), float(np.mean(metrics["train_accuracy"])),
                        float(np.mean(metrics["test_accuracy"])), len(trainer.seeds),
                    )  # fmt: skip
                bar.update(1)
    finally:
        bar.close()
    return output
