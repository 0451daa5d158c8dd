"""Batched ensemble training with per-epoch recording.

:func:`train_ensemble` trains S seeds of one network together (an ensemble of a model family,
:mod:`infoplane.families`), each on its own mini-batch order, and records at every scheduled epoch: all layers' activations
for all N inputs, train/test loss and accuracy, and per layer the mean and standard deviation
over the epoch's mini-batches of the weight gradient, their ratio (SNR, [ST17] Fig. 4) and the
weight norm. The loss is the sum over seeds of each seed's mean cross-entropy, so every seed
receives exactly the gradient it would receive alone; every declared optimiser
(:mod:`infoplane.choices.optimizers`) acts elementwise, so the stacked optimiser state equals S
separate optimisers, and dropout masks and batch statistics are each seed's own.

Reproducibility: seed ``s`` initialises its weights from ``torch.Generator().manual_seed(s)``
and draws its mini-batch permutations from ``numpy.random.default_rng([s, 1])``; the train/test
split comes from ``split_seed``. Running the same seeds again gives the same numbers.

Divergence is per seed, and recorded rather than raised. After every mini-batch the trainer
checks each seed's training loss, and after every epoch its parameters (and, at recorded epochs,
its activations and training loss on the whole training set). A seed with a non-finite value is
*diverged* from that epoch on (:attr:`EnsembleTrainer.diverged_epoch`, the 1-based epoch whose
training produced it, and :attr:`EnsembleTrainer.divergence_cause`): its gradients of that
mini-batch are zeroed before the optimiser step, its parameters and optimiser state (Adam's
``exp_avg``/``exp_avg_sq`` slices) are set to zero, and its loss is masked out of the sum from
then on, so it no longer moves and can produce no NaN; the other seeds train on exactly as they
would without it (every operation acts on each seed's slice alone). From its divergence epoch on,
the seed's recorded activations, metrics, gradient statistics and weight norms are NaN. Training
goes on while any seed is finite; a chunk whose seeds all diverge is still written.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from . import __version__
from .datasets import probe_rows, train_test_split
from .devices import resolve_device
from . import families
from .choices import ACTIVATIONS, OPTIMIZERS
from .recording import RunWriter
from .schedules import planned_epochs
from .settings import TRAINING_KEYS, resolve

__all__ = ["TRAINING_KEYS", "resolve_device", "SeedDivergence", "GradientMoments", "EnsembleTrainer", "train_ensemble",
           "make_optimizer", "recording_plan", "recorded_activations", "record_training"]

log = logging.getLogger(__name__)


#: Rows per forward pass when :meth:`EnsembleTrainer.evaluate` computes the metrics apart from
#: the probe's activations (MNIST: 70000 rows through a 1024-wide layer).
EVALUATION_BLOCK = 8192
#: How a trainer computes its forward and backward passes (:class:`EnsembleTrainer`'s ``engine``).
ENGINES = ("auto", "torch", "fused")


def _check_settings(settings: Mapping) -> dict:
    """The settings resolved (:func:`infoplane.settings.resolve`) and checked."""
    settings = resolve(settings)
    missing = [key for key in TRAINING_KEYS if key not in settings]
    if missing:
        raise ValueError(f"training settings lack {missing}")
    for key in ("epochs", "batch_size"):
        if int(settings[key]) < (0 if key == "epochs" else 1):
            raise ValueError(f"{key} must be {'>= 0' if key == 'epochs' else '>= 1'}, got {settings[key]}")
    if not float(settings["learning_rate"]) > 0:
        raise ValueError(f"learning_rate must be > 0, got {settings['learning_rate']}")
    return settings


def recorded_activations(outputs: Sequence[torch.Tensor]) -> list[np.ndarray]:
    """What the recorder stores of a forward pass's ``layer_outputs`` (each [S, B, d_l]): the
    hidden layers as they are and the softmax of the output layer, float32 NumPy."""
    activations = [o.float().cpu().numpy() for o in outputs[:-1]]
    activations.append(torch.softmax(outputs[-1], dim=-1).float().cpu().numpy())
    return activations


def make_optimizer(settings: Mapping, tensors) -> torch.optim.Optimizer:
    """The declared optimiser of resolved ``settings`` over ``tensors``."""
    return OPTIMIZERS[settings["optimizer"]].build(
        tensors, float(settings["learning_rate"]), float(settings["weight_decay"]), settings["optimizer_params"]
    )


class GradientMoments:
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
        (population) standard deviation of dLoss/dW_l, and their ratio.

        With a single mini-batch in the epoch (full-batch gradient descent) the spread over
        mini-batches is undefined: std_norm and snr are NaN (not 0 and inf)."""
        mean_norms, std_norms = [], []
        for s, q in zip(self.sums, self.squares):
            mean = s / self.count
            var = (q / self.count - mean * mean).clamp_(min=0.0)
            mean_norms.append(mean.flatten(1).norm(dim=1))
            std_norms.append(var.flatten(1).sum(dim=1).sqrt())
        mean_norm = torch.stack(mean_norms, dim=1).cpu().numpy()
        std_norm = torch.stack(std_norms, dim=1).cpu().numpy()
        if self.count < 2:  # one mini-batch: no spread over mini-batches to measure
            std_norm = np.full_like(std_norm, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            snr = mean_norm / std_norm
        return {"mean_norm": mean_norm, "std_norm": std_norm, "snr": snr}


class SeedDivergence:
    """Per-seed divergence of an ensemble trainer (see the module docstring): which seeds are
    diverged, since which epoch and why; zeroing a diverged seed's slices of every parameter,
    buffer and optimiser state; masking its recorded values with NaN. A trainer calls
    :meth:`_init_divergence` once its networks and optimisers exist; it has ``device``."""

    def _init_divergence(self, n_seeds: int, modules, optimizers) -> None:
        """Every seed finite; ``modules``: the ensembles whose parameters and buffers hold a
        slice per seed; ``optimizers``: the optimisers over them (their state is zeroed too)."""
        #: epochs trained so far (the epoch a divergence is attributed to is this + 1 while training)
        self.epoch = 0
        #: int64 [S]: 1-based epoch whose training made the seed non-finite; -1 while it is finite
        self.diverged_epoch = np.full(n_seeds, -1, dtype=np.int64)
        #: [S] str: why the seed diverged ("" while it is finite)
        self.divergence_cause = [""] * n_seeds
        self._alive = torch.ones(n_seeds, dtype=torch.bool, device=self.device)
        self._seed_names = [int(s) for s in modules[0].seeds]
        self._optimizers = list(optimizers)
        # every tensor with a slice per seed: parameters and buffers (batch norm's running averages)
        self._params = [t for m in modules for t in
                        list(m.parameters()) + [b for b in m.buffers() if b.dim() and b.shape[0] == n_seeds]]

    @property
    def alive(self) -> np.ndarray:
        """bool [S]: seeds that have not diverged."""
        return self.diverged_epoch < 0

    def _mark_diverged(self, seeds_mask: np.ndarray, epoch: int, cause: str) -> None:
        """Record seeds (bool [S], only finite ones count) as diverged at ``epoch`` and make
        their parameters and optimiser state zero (finite, and constant from then on)."""
        newly = np.asarray(seeds_mask, dtype=bool) & self.alive
        if not newly.any():
            return
        for s in np.flatnonzero(newly):
            self.diverged_epoch[s] = epoch
            self.divergence_cause[s] = cause
            log.warning("seed %d diverged at epoch %d: %s", self._seed_names[s], epoch, cause)
        self._alive = torch.from_numpy(self.alive).to(self.device)
        dead = torch.from_numpy(newly).to(self.device)
        with torch.no_grad():
            for p in self._params:
                view = dead.view(-1, *([1] * (p.dim() - 1)))
                p.masked_fill_(view, 0.0)
                if p.grad is not None:
                    p.grad.masked_fill_(view, 0.0)
                for optimizer in self._optimizers:
                    for value in optimizer.state.get(p, {}).values():
                        if isinstance(value, torch.Tensor) and value.shape == p.shape:  # exp_avg, exp_avg_sq, momentum
                            value.masked_fill_(view, 0.0)

    def _finish_epoch(self, epoch: int, moments) -> dict[str, np.ndarray] | None:
        """After an epoch's updates: mark seeds whose parameters are non-finite as diverged at
        ``epoch``; the gradient statistics of ``moments`` (NaN for diverged seeds), or None."""
        with torch.no_grad():
            finite = torch.stack([p.flatten(1).isfinite().all(1) for p in self._params]).all(0)
        self._mark_diverged(~finite.cpu().numpy(), epoch, "non-finite parameters after an update")
        if moments is None:
            return None
        statistics = moments.statistics()
        for values in statistics.values():
            values[~self.alive] = np.nan
        return statistics

    def _idle_statistics(self, moments, n_layers: int) -> dict[str, np.ndarray] | None:
        """An epoch with every seed diverged: NaN gradient statistics [S, L], or None."""
        if moments is None:
            return None
        nan = np.full((len(self._seed_names), n_layers), np.nan)
        return {"mean_norm": nan, "std_norm": nan.copy(), "snr": nan.copy()}

    def check_outputs(
        self, activations: Sequence[np.ndarray], metrics: Mapping[str, np.ndarray], *, largest: float | None = None
    ) -> None:
        """Mark as diverged (at the current epoch) every finite seed whose evaluated activations
        (L arrays [S, N, d_l]) or training loss ([S]) are non-finite, or, with ``largest``, whose
        activations are finite but beyond ±largest (the range the recording's precision stores:
        float16's 65504), so that such a seed is recorded as diverged, not stored as infinity."""
        finite = np.isfinite(np.asarray(metrics["train_loss"], dtype=np.float64))
        for values in activations:
            finite &= np.isfinite(values).reshape(len(finite), -1).all(1)
        self._mark_diverged(~finite, max(self.epoch, 1), "non-finite activations or loss at evaluation")
        if largest is not None:
            beyond = np.zeros_like(finite)
            for values in activations:
                beyond |= (np.abs(values) > largest).reshape(len(finite), -1).any(1)
            self._mark_diverged(
                beyond & finite, max(self.epoch, 1),
                f"activations beyond ±{largest:g}, the range record.precision stores (float32 stores them)",
            )  # fmt: skip

    def mask_diverged(self, activations, metrics, gradients, weight_norms):
        """The evaluation and gradient statistics with NaN in every diverged seed's slice.

        Arguments as :meth:`RunWriter.write_epoch <infoplane.recording.RunWriter.write_epoch>`
        (activations L arrays [S, N, d_l], metrics name -> [S], gradients name -> [S, L] or
        None, weight_norms [S, L]); returns new arrays, the inputs are left as they are.
        """
        dead = ~self.alive
        if not dead.any():
            return activations, metrics, gradients, weight_norms

        def masked(values):
            values = np.array(values, copy=True)
            values[dead] = np.nan
            return values

        activations = [masked(a) for a in activations]
        metrics = {k: masked(v) for k, v in metrics.items()}
        gradients = None if gradients is None else {k: masked(v) for k, v in gradients.items()}
        return activations, metrics, gradients, masked(weight_norms)


class EnsembleTrainer(SeedDivergence):
    """S seeds of one network, their optimiser state, train/test split and mini-batch streams.

    Parameters
    ----------
    inputs : float array [N, *input_shape] (e.g. [N, d] or images [N, C, H, W]); labels : int
        array [N], classes 0 … C-1.
    seeds : the S seeds; settings : the keys in :data:`TRAINING_KEYS` (``epochs`` is not used
        here; of ``record`` only the probe keys, see :func:`probe_rows`; a ``hidden_widths``
        key is the ``mlp`` family's, :func:`infoplane.settings.resolve`); device : see
        :func:`resolve_device`.
    split : optional fixed ``(train_index, test_index)`` (MNIST's 60000/10000); without it the
        split comes from ``train_fraction`` and ``split_seed``.
    engine : ``"auto"`` (the family's compiled passes where it has them and they apply, e.g.
        :meth:`EnsembleMLP.fused_passes <infoplane.families._mlp.EnsembleMLP.fused_passes>` for
        narrow networks on a CPU; torch otherwise), ``"torch"`` (autograd always) or
        ``"fused"`` (the compiled passes, ValueError where there are none).

    Attributes
    ----------
    probe_index : int64 [P], the rows whose activations :meth:`evaluate` returns.

    Raises
    ------
    ValueError, RuntimeError
        As :func:`train_ensemble`.
    """

    def __init__(
        self, inputs, labels, seeds: Sequence[int], settings: Mapping, device: str = "cpu", split=None, engine: str = "auto"
    ):
        self.settings = settings = _check_settings(settings)
        inputs = np.asarray(inputs, dtype=np.float32)
        labels = np.asarray(labels, dtype=np.int64)
        if inputs.ndim < 2 or labels.shape != (inputs.shape[0],):
            raise ValueError(f"inputs [N, ...] and labels [N] disagree: {inputs.shape} vs {labels.shape}")
        self.device = resolve_device(device)
        self.labels = labels
        if split is None:
            self.train_index, self.test_index = train_test_split(
                len(labels), float(settings["train_fraction"]), int(settings["split_seed"])
            )
        else:
            self.train_index, self.test_index = (np.asarray(i, dtype=np.int64) for i in split)
            if not len(self.train_index) or min(self.train_index.min(initial=0), self.test_index.min(initial=0)) < 0 \
                    or max(self.train_index.max(), self.test_index.max(initial=0)) >= len(labels):
                raise ValueError(f"split: rows must lie in 0 … {len(labels) - 1} and the training set be non-empty")
        self.probe_index = probe_rows(settings, len(labels), self.train_index, self.test_index, fixed_split=split is not None)
        self._probe_all = np.array_equal(self.probe_index, np.arange(len(labels)))
        model, input_shape, n_outputs = settings["model"], inputs.shape[1:], int(labels.max()) + 1
        rank = families.get(model["family"]).INPUT_RANK
        if rank is not None and len(input_shape) != rank:
            raise ValueError(f"model.family {model['family']!r} takes inputs of rank {rank} per row, got inputs {inputs.shape}")
        #: units of the input and of every recorded layer (each layer's T flattened)
        self.widths = [int(np.prod(input_shape)), *families.layer_widths(model, input_shape, n_outputs)]
        self.model = families.build(
            model, seeds, input_shape, n_outputs, activation=settings["activation"], init=settings["init"],
            dropout=settings["dropout"], batch_norm=settings["batch_norm"],
        ).to(self.device)  # fmt: skip
        self.optimizer = make_optimizer(settings, self.model.parameters())
        self.batch_size = int(settings["batch_size"])
        self._x = torch.from_numpy(inputs).to(self.device)
        self._x_stored = self.model.training_inputs(self._x)  # as the family gathers batches
        self._y = torch.from_numpy(labels).to(self.device)
        self._train = torch.from_numpy(self.train_index).to(self.device)
        self._test = torch.from_numpy(self.test_index).to(self.device)
        self._probe = torch.from_numpy(self.probe_index).to(self.device)
        self._batch_rngs = [np.random.default_rng([int(seed), 1]) for seed in self.model.seeds]
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        #: the family's compiled forward and backward passes (None: torch's autograd)
        self.fused = None
        if engine != "torch" and hasattr(self.model, "fused_passes"):
            self.fused = self.model.fused_passes(torch.get_num_threads())
        if engine == "fused" and self.fused is None:
            raise ValueError(f"engine 'fused': model family {model['family']!r} with these settings has no compiled passes "
                             "(a CPU, no dropout or batch norm, a compiled activation and narrow layers are needed)")
        if self.fused is not None:
            self._x_fused = self._x_stored.numpy()  # [d_in, N], the compiled passes' inputs
        self._init_divergence(len(self.model.seeds), [self.model], [self.optimizer])

    @property
    def seeds(self) -> list[int]:
        return self.model.seeds

    @property
    def n_batches_per_epoch(self) -> int:
        """Mini-batches per epoch: ceil(n_train / batch_size); 1 is full-batch gradient descent."""
        return -(-len(self.train_index) // self.batch_size)

    def train_epoch(self, gradient_statistics: bool = False) -> dict[str, np.ndarray] | None:
        """One pass over the training set in mini-batches, each seed in its own order.

        Returns the gradient statistics of this epoch's mini-batches (mean_norm, std_norm,
        snr, each [S, L]; NaN for seeds diverged by the end of the epoch, and std_norm and snr
        NaN with one mini-batch per epoch) when ``gradient_statistics`` is true, else None.
        Seeds whose loss (after any mini-batch) or parameters (after the epoch) are non-finite
        are marked diverged at this epoch (see the module docstring).
        """
        model, batch_size = self.model, self.batch_size
        self.epoch += 1
        epoch = self.epoch
        moments = GradientMoments(model.weights) if gradient_statistics else None
        order = np.stack([rng.permutation(len(self.train_index)) for rng in self._batch_rngs])
        if not self.alive.any():  # nothing left to train (the permutations are still drawn)
            return self._idle_statistics(moments, model.n_layers)
        if self.fused is not None:
            return self._train_epoch_fused(self.train_index[order], epoch, moments)
        order = self._train[torch.from_numpy(order).to(self.device)]  # [S, n_train]
        model.train()
        for start in range(0, order.shape[1], batch_size):
            index = order[:, start : start + batch_size]  # [S, B]
            logits = model.training_outputs(self._x_stored, index)  # [S, C, B]
            labels = self._y.index_select(0, index.flatten()).view(index.shape)  # = self._y[index], faster
            per_seed = F.cross_entropy(logits, labels, reduction="none").mean(1)  # [S]
            # diverged seeds (zero parameters) are masked out: their gradients are exactly 0
            loss = (per_seed if self.alive.all() else torch.where(self._alive, per_seed, 0.0)).sum()
            self.optimizer.zero_grad(set_to_none=False)
            loss.backward()
            finite = torch.isfinite(per_seed.detach())
            if not bool(finite.all()):  # one sync per mini-batch; zeroes this batch's gradients
                self._mark_diverged(~finite.cpu().numpy(), epoch, "non-finite training loss")
            if moments is not None:
                moments.add()
            self.optimizer.step()  # zero gradient and zero state: a diverged seed stays at zero
        return self._finish_epoch(epoch, moments)

    def _train_epoch_fused(self, order: np.ndarray, epoch: int, moments) -> dict[str, np.ndarray] | None:
        """:meth:`train_epoch`'s mini-batches through the compiled passes: each writes every
        seed's gradient into the parameters' ``.grad``, then the optimiser steps as on the
        torch path. ``order`` int64 [S, n_train]: dataset rows in each seed's order."""
        for start in range(0, order.shape[1], self.batch_size):
            index = np.ascontiguousarray(order[:, start : start + self.batch_size])  # [S, B]
            finite = self.fused.gradients(self._x_fused, index, self.labels, self.alive)
            if not finite.all():  # that seed's gradients are zero already
                self._mark_diverged(~finite, epoch, "non-finite training loss")
            if moments is not None:
                moments.add()
            self.optimizer.step()
        return self._finish_epoch(epoch, moments)

    def network_state(self) -> dict[str, np.ndarray]:
        """Every tensor of the ensemble's state (parameters and batch-norm buffers, by torch's
        state_dict names) as float32 NumPy [S, ...], copies (on a CPU ``.numpy()`` would alias
        the live tensors): what ``record.keep_weights`` keeps."""
        return {name: value.detach().float().cpu().numpy().copy() for name, value in self.model.state_dict().items()}

    def evaluate(self):
        """Every layer's activations for the P probe rows, loss/accuracy per seed on the whole
        train and test splits, weight norms.

        Returns ``(activations, metrics, weight_norms)``: L float32 arrays [S, P, d_l] (rows
        :attr:`probe_index`; the last is the softmax output), :data:`~infoplane.recording.METRICS`
        -> [S], and [S, L]. When the probe is a subset, the metrics' logits are computed in
        blocks of :data:`EVALUATION_BLOCK` rows (memory: S x block x widest layer floats).
        """
        model = self.model
        model.eval()
        with torch.no_grad():
            if self.fused is not None:
                outputs = [torch.from_numpy(o) for o in self.fused.outputs(self._x_fused, self.probe_index)]
                logits = outputs[-1] if self._probe_all else \
                    torch.from_numpy(self.fused.outputs(self._x_fused, np.arange(len(self.labels)))[-1])
            elif self._probe_all:  # one pass gives both (the Tishby set-up)
                outputs = model.layer_outputs(self._x)
                logits = outputs[-1]
            else:
                outputs = model.layer_outputs(self._x[self._probe])
                logits = torch.cat(
                    [model.layer_outputs(self._x[start : start + EVALUATION_BLOCK])[-1]
                     for start in range(0, len(self._x), EVALUATION_BLOCK)], dim=1,
                )  # fmt: skip
            activations = recorded_activations(outputs)
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
    split: tuple[np.ndarray, np.ndarray] | None = None,
    engine: str = "auto",
) -> Path:
    """Train S seeds together and write their recordings to one HDF5 file.

    Parameters
    ----------
    inputs : float array [N, d_in], all N inputs (activations are recorded for the probe rows).
    labels : int array [N], classes 0 … C-1; the output layer has C units.
    seeds : the S seeds of this chunk.
    settings : the keys in :data:`TRAINING_KEYS` (``record`` is a mapping with ``schedule``
        and ``points`` or ``step``, see :func:`~infoplane.schedules.recording_epochs`; the
        probe ``probe``, ``probe_size``, ``probe_seed``, see
        :func:`~infoplane.datasets.probe_rows`; storage ``precision``, ``compression``,
        ``compression_level``, see :class:`~infoplane.recording.RunWriter`).
    output : path of the HDF5 file to create (layout in :mod:`infoplane.recording`).
    split : optional fixed ``(train_index, test_index)`` of the dataset (MNIST ``standard``);
        ``train_fraction`` and ``split_seed`` are then not used.
    device : ``"cpu"``, ``"cuda"``, ``"cuda:<i>"`` or ``"auto"``.
    experiment : name stored in the file.
    progress : show a tqdm progress bar (``None``: only on a terminal).
    engine : how the forward and backward passes are computed (:class:`EnsembleTrainer`).

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
    OSError
        (errno ENOSPC) When the uncompressed recording cannot fit in the free space of the
        output's file system, before any training (:class:`infoplane.recording.RunWriter`).

    A seed whose loss or parameters become non-finite, or whose activations pass the largest
    value the recording's precision stores (float16: ±65504), does not stop training: it is recorded
    as diverged (``/status`` in the file, see :mod:`infoplane.recording`), its values from that
    epoch on are NaN, and the other seeds train on; a file is written even when every seed
    diverges.
    """
    output = Path(output)
    if output.exists():
        raise FileExistsError(f"refusing to overwrite existing recording {output}")
    trainer = EnsembleTrainer(inputs, labels, seeds, settings, device, split=split, engine=engine)
    attrs = {
        # the values its hidden layers can take, from the declaration: readers check against it
        "activation_range": json.dumps(list(ACTIVATIONS[trainer.settings["activation"]].range)),
    }
    return record_training(trainer, settings, output, experiment=experiment, progress=progress, attrs=attrs)


def recording_plan(settings: Mapping) -> np.ndarray:
    """The recorded epochs [E] of resolved ``settings`` (``epochs`` and ``record``'s schedule;
    :func:`infoplane.schedules.planned_epochs`)."""
    return planned_epochs(settings)


def record_training(trainer, settings: Mapping, output: str | os.PathLike, *, experiment: str = "",
                    progress: bool | None = None, attrs: Mapping | None = None) -> Path:  # fmt: skip
    """Train ``trainer`` for ``settings["epochs"]`` epochs and record every scheduled epoch into
    a new chunk file at ``output`` (the loop of :func:`train_ensemble`, shared by every kind of
    ensemble trainer).

    ``trainer`` is a :class:`SeedDivergence` with ``seeds``, ``settings`` (resolved), ``device``,
    ``widths``, ``labels`` (of every row of its dataset), ``train_index``, ``test_index``,
    ``probe_index``, ``train_epoch(gradient_statistics)`` and ``evaluate()`` as
    :class:`EnsembleTrainer`'s; optionally ``series_shapes`` (name -> (shape, dtype) of values
    recorded per epoch besides the layout's, :class:`~infoplane.recording.RunWriter`) and
    ``series()`` (their values at the last :meth:`evaluate`). ``attrs`` are added to the file's.
    With ``record.keep_weights`` the trainer's ``network_state()`` (name -> float32 [S, ...]) is
    kept after every epoch (:meth:`~infoplane.recording.RunWriter.write_parameters`).

    Raises
    ------
    ValueError
        With ``record.keep_weights`` for a trainer that cannot give its state.
    """
    from tqdm.auto import tqdm

    output = Path(output)
    record = dict(settings["record"])
    epochs = int(settings["epochs"])
    recorded = recording_plan(settings)
    to_record = set(int(e) for e in recorded)
    series_shapes = dict(getattr(trainer, "series_shapes", {}) or {})
    keep = bool(record.get("keep_weights", False))
    if keep and not hasattr(trainer, "network_state"):
        raise ValueError(f"record.keep_weights: {type(trainer).__name__} cannot keep its networks' state")
    state = trainer.network_state() if keep else {}
    attrs = {
        "experiment": experiment,
        "settings": {key: trainer.settings[key] for key in TRAINING_KEYS},
        "activation": settings["activation"],
        "device": str(trainer.device),
        # which forward pass evaluated the recorded epochs (Replay takes the same one)
        "engine": "fused" if getattr(trainer, "fused", None) is not None else "torch",
        "infoplane_version": __version__,
        "torch_version": torch.__version__,
        **(attrs or {}),
    }
    writer = RunWriter(
        output, epochs=recorded, seeds=trainer.seeds, widths=trainer.widths, labels=trainer.labels,
        train_index=trainer.train_index, test_index=trainer.test_index, probe_index=trainer.probe_index,
        precision=record.get("precision", "float32"), compression=record.get("compression", "none"),
        compression_level=record.get("compression_level"), attrs=attrs, series=series_shapes,
        parameters={name: values.shape for name, values in state.items()}, trained_epochs=epochs,
    )  # fmt: skip
    bar = tqdm(
        total=epochs, desc=f"train {experiment} seeds {trainer.seeds[0]}-{trainer.seeds[-1]}",
        unit="epoch", disable=None if progress is None else not progress, mininterval=2.0,
    )  # fmt: skip
    # a finite value the precision cannot store (float16: beyond ±65504) makes its seed diverged
    largest = float(np.finfo(writer.precision).max) if writer.precision != np.float32 else None

    def evaluated(gradients):
        activations, metrics, weight_norms = trainer.evaluate()
        trainer.check_outputs(activations, metrics, largest=largest)
        series = trainer.series() if series_shapes else None
        activations, metrics, gradients, weight_norms = trainer.mask_diverged(activations, metrics, gradients, weight_norms)
        return activations, metrics, gradients, weight_norms, series

    try:
        with writer:
            started = time.perf_counter()
            activations, metrics, _, weight_norms, series = evaluated(None)
            writer.write_epoch(0, activations, metrics, None, weight_norms, series=series)
            if keep:  # after the initial evaluation, which zeroes a seed found non-finite there
                writer.write_parameters(0, trainer.network_state())
            epoch_seconds = [time.perf_counter() - started]
            for epoch in range(1, epochs + 1):
                started = time.perf_counter()
                gradients = trainer.train_epoch(gradient_statistics=epoch in to_record)
                if keep:
                    writer.write_parameters(epoch, trainer.network_state())
                if gradients is not None:
                    activations, metrics, gradients, weight_norms, series = evaluated(gradients)
                    writer.write_epoch(epoch, activations, metrics, gradients, weight_norms, series=series)
                    alive = trainer.alive
                    if alive.any():
                        log.info(
                            "epoch %d: train loss %.4f, train accuracy %.3f, test accuracy %.3f "
                            "(mean over %d of %d seeds, the others diverged)" if not alive.all() else
                            "epoch %d: train loss %.4f, train accuracy %.3f, test accuracy %.3f (mean over %d of %d seeds)",
                            epoch, float(np.mean(metrics["train_loss"][alive])),
                            float(np.mean(metrics["train_accuracy"][alive])),
                            float(np.mean(metrics["test_accuracy"][alive])), int(alive.sum()), len(alive),
                        )  # fmt: skip
                if trainer.device.type == "cuda":  # queued kernels belong to this epoch
                    torch.cuda.synchronize(trainer.device)
                epoch_seconds.append(time.perf_counter() - started)
                bar.update(1)
            writer.write_status(trainer.diverged_epoch, trainer.divergence_cause)
            writer.write_timing(epoch_seconds)
            if not trainer.alive.all():
                log.warning(
                    "%d of %d seeds diverged (learning_rate=%s): %s", int((~trainer.alive).sum()), len(trainer.seeds),
                    settings["learning_rate"],
                    ", ".join(f"seed {seed} at epoch {e} ({c})" for seed, e, c in
                              zip(trainer.seeds, trainer.diverged_epoch, trainer.divergence_cause) if e >= 0),
                )  # fmt: skip
    finally:
        bar.close()
    return output
