"""Training S fully recurrent networks on a regression series, and their recording.

The trainer (:class:`RegressionTrainer`) is the classifiers' loop with the regression task
(:mod:`infoplane.tasks`): squared-error loss on the scaled target, each seed its own mini-batch
order (stream 1 of its seed), the losses of the seeds summed so that each seed's gradient is
its own, and the divergence handling of :class:`~infoplane.training.SeedDivergence` (a seed
whose loss or parameters turn non-finite is frozen at zero and marked at that epoch).

What :func:`train_rnn` records into one HDF5 file per experiment:

* ``/series/<name>`` [S, E + 1] for epochs 0 … E: ``train_mse``, ``test_mse`` (degrees
  Fahrenheit squared, after inverting the scaling), ``weight_norm`` (Frobenius norm of the
  recurrent matrix), ``readout_norm``, and ``snr`` [S, E + 1, 2] (the gradient SNR of the
  recurrent matrix and of the read-out over the epoch's mini-batches, NaN at epoch 0);
* ``/probe/inputs`` [P, L], ``/probe/targets`` [P] (degrees F), ``/probe/rows``;
* ``/states/<variant>`` [R, S, P, L, n] float32: every neuron's state at every step of every
  probe window at the R recorded epochs, for the trained networks and for their controls
  whose recurrent matrix's entries are randomly permuted (the same values; the permutation is
  drawn per seed and epoch from ``rnn.shuffle_seed``);
* ``/parameters/<name>`` [R, S, ...] at the recorded epochs;
* attributes: seeds, recorded epochs, the scaling, the baselines' test MSE, the input and
  output neurons, each seed's divergence epoch (-1 for none) and cause.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from .. import families, tasks
from ..datasets import probe_index
from ..datasets.temperatures import chronological_split
from ..training import GradientMoments, SeedDivergence, _check_settings, make_optimizer, recording_plan, resolve_device
from . import VARIANTS

__all__ = ["RegressionTrainer", "train_rnn", "shuffled_recurrent"]

log = logging.getLogger(__name__)

#: Windows per forward pass when evaluating the errors.
EVALUATION_BLOCK = 2048


class RegressionTrainer(SeedDivergence):
    """S seeds of a family trained on a continuous target (squared error).

    Parameters
    ----------
    inputs : float [N, L] windows (unscaled); targets : float [N]; seeds; settings : the
    training keys (resolved as the classifiers'); device : ``"cpu"``, ``"cuda"`` or ``"auto"``.

    Raises
    ------
    ValueError
        For shapes that disagree, or as :func:`~infoplane.datasets.temperatures.chronological_split`
        and :meth:`~infoplane.tasks.Scaling.fit`.
    """

    def __init__(self, inputs, targets, seeds: Sequence[int], settings: Mapping, device: str = "cpu"):
        self.settings = settings = _check_settings(settings)
        inputs = np.asarray(inputs, dtype=np.float64)
        targets = np.asarray(targets, dtype=np.float64)
        if inputs.ndim != 2 or targets.shape != (len(inputs),):
            raise ValueError(f"inputs [N, L] and targets [N] disagree: {inputs.shape} vs {targets.shape}")
        self.device = resolve_device(device)
        self.train_index, self.test_index = chronological_split(len(targets), float(settings["train_fraction"]))
        self.scaling = tasks.Scaling.fit(targets[self.train_index])
        self.baselines = tasks.regression_baselines(inputs, targets, self.train_index, self.test_index)
        self.model = families.build(settings["model"], seeds, inputs.shape[1:], 1, activation=settings["activation"],
                                    init=settings["init"], dropout=settings["dropout"],
                                    batch_norm=settings["batch_norm"]).to(self.device)  # fmt: skip
        self.optimizer = make_optimizer(settings, self.model.parameters())
        self.batch_size = int(settings["batch_size"])
        self._x = torch.from_numpy(self.scaling.apply(inputs).astype(np.float32)).to(self.device)
        self._y = torch.from_numpy(self.scaling.apply(targets).astype(np.float32)).to(self.device)
        self._train = torch.from_numpy(self.train_index).to(self.device)
        self._batch_rngs = [np.random.default_rng([int(seed), 1]) for seed in self.model.seeds]
        self._init_divergence(len(self.model.seeds), [self.model], [self.optimizer])

    @property
    def seeds(self) -> list[int]:
        return self.model.seeds

    def train_epoch(self) -> np.ndarray:
        """One pass over the training windows in mini-batches, each seed in its own order.
        Returns the gradient SNR [S, 2] (recurrent matrix, read-out) over the epoch's mini-batches
        (NaN for diverged seeds and with a single mini-batch)."""
        model = self.model
        self.epoch += 1
        moments = GradientMoments(model.weights)
        order = np.stack([rng.permutation(len(self.train_index)) for rng in self._batch_rngs])
        if not self.alive.any():
            return self._idle_statistics(moments, model.n_layers)["snr"]
        order = self._train[torch.from_numpy(order).to(self.device)]
        model.train()
        for start in range(0, order.shape[1], self.batch_size):
            index = order[:, start : start + self.batch_size]  # [S, B]
            predictions = model.training_outputs(self._x, index)[:, 0]  # [S, B]
            per_seed = ((predictions - self._y[index]) ** 2).mean(1)
            loss = (per_seed if self.alive.all() else torch.where(self._alive, per_seed, 0.0)).sum()
            self.optimizer.zero_grad(set_to_none=False)
            loss.backward()
            finite = torch.isfinite(per_seed.detach())
            if not bool(finite.all()):
                self._mark_diverged(~finite.cpu().numpy(), self.epoch, "non-finite training loss")
            moments.add()
            self.optimizer.step()
        return self._finish_epoch(self.epoch, moments)["snr"]

    @torch.no_grad()
    def errors(self) -> dict[str, np.ndarray]:
        """Mean squared errors [S] on the training and test windows, in the target's squared
        units (degrees F squared); NaN for diverged seeds."""
        self.model.eval()
        squared = []
        for start in range(0, len(self._y), EVALUATION_BLOCK):
            x = self._x[start : start + EVALUATION_BLOCK]
            predictions = self.model.layer_outputs(x)[-1][:, :, 0]
            squared.append(((predictions - self._y[start : start + EVALUATION_BLOCK]) ** 2).double().cpu())
        squared = torch.cat(squared, dim=1).numpy() * self.scaling.scale**2
        out = {"train_mse": squared[:, self.train_index].mean(1), "test_mse": squared[:, self.test_index].mean(1)}
        finite = np.isfinite(out["train_mse"]) & np.isfinite(out["test_mse"])
        self._mark_diverged(~finite, max(self.epoch, 1), "non-finite error at evaluation")
        for values in out.values():
            values[~self.alive] = np.nan
        return out

    def norms(self) -> dict[str, np.ndarray]:
        """Frobenius norms [S] of the recurrent matrix (``weight_norm``) and of the read-out
        (``readout_norm``); NaN for diverged seeds."""
        with torch.no_grad():
            values = {"weight_norm": self.model.weights[0].flatten(1).norm(dim=1).double().cpu().numpy(),
                      "readout_norm": self.model.weights[1].flatten(1).norm(dim=1).double().cpu().numpy()}  # fmt: skip
        for v in values.values():
            v[~self.alive] = np.nan
        return values

    @torch.no_grad()
    def probe_states(self, rows: np.ndarray, recurrent: torch.Tensor | None = None) -> np.ndarray:
        """States [S, P, L, n] of the probe windows ``rows``; with ``recurrent`` [S, n, n] the
        network with that recurrent matrix in place of its own (the shuffled control)."""
        self.model.eval()
        saved = None
        if recurrent is not None:
            saved = self.model.weights[0].detach().clone()
            self.model.weights[0].copy_(recurrent)
        try:
            states = self.model.states(self._x[torch.from_numpy(rows).to(self.device)]).float().cpu().numpy()
        finally:
            if saved is not None:
                self.model.weights[0].copy_(saved)
        states[~self.alive] = np.nan
        return states

    def network_state(self) -> dict[str, np.ndarray]:
        """Every tensor of the ensemble's state (torch's state_dict names) as float32 NumPy
        copies [S, ...]: what the recording keeps at each recorded epoch."""
        return {name: value.detach().float().cpu().numpy().copy() for name, value in self.model.state_dict().items()}


def shuffled_recurrent(recurrent: np.ndarray, seed: int, seeds: Sequence[int], epoch: int) -> np.ndarray:
    """Each seed's recurrent matrix [S, n, n] with its n^2 entries randomly permuted, drawn from
    NumPy's generator of ``[seed, network seed, epoch]`` (a seed's control depends on that seed only)."""
    out = np.empty_like(recurrent)
    for s, network_seed in enumerate(seeds):
        rng = np.random.default_rng([int(seed), int(network_seed), int(epoch)])
        out[s] = rng.permutation(recurrent[s].reshape(-1)).reshape(recurrent[s].shape)
    return out


def train_rnn(inputs, targets, settings: Mapping, section: Mapping, output: str | os.PathLike, *,
              experiment: str = "", device: str = "cpu", attrs: Mapping | None = None) -> Path:  # fmt: skip
    """Train the experiment's seeds and record them into a new HDF5 file ``output`` (module
    docstring). ``settings``: the experiment's training settings; ``section``: the checked
    ``rnn`` section. The file is written under a temporary name and renamed when complete.

    Raises
    ------
    ValueError
        As :class:`RegressionTrainer`, or for a probe that cannot be drawn (naming
        ``record.probe_size``).
    """
    import h5py

    settings = _check_settings(settings)
    seeds = list(range(int(settings["first_seed"]), int(settings["first_seed"]) + int(settings["seeds"])))
    trainer = RegressionTrainer(inputs, targets, seeds, settings, device)
    record = settings["record"]
    try:
        rows = probe_index(len(targets), trainer.train_index, trainer.test_index, record.get("probe", "all"),
                           int(record["probe_size"]), int(settings["split_seed"]))  # fmt: skip
    except ValueError as error:
        raise ValueError(f"record.probe_size: {error}") from None
    recorded = recording_plan(settings)
    epochs = int(settings["epochs"])
    series = {name: np.full((len(seeds), epochs + 1), np.nan) for name in ("train_mse", "test_mse", "weight_norm", "readout_norm")}
    snr = np.full((len(seeds), epochs + 1, 2), np.nan)
    states = {variant: [] for variant in VARIANTS}
    parameters: dict[str, list] = {}
    inputs = np.asarray(inputs, dtype=np.float64)

    def measure(epoch: int) -> None:
        for name, values in {**trainer.errors(), **trainer.norms()}.items():
            series[name][:, epoch] = values
        if epoch in recorded:
            states["trained"].append(trainer.probe_states(rows))
            recurrent = trainer.model.weights[0].detach().cpu().numpy()
            control = shuffled_recurrent(recurrent, int(section["shuffle_seed"]), seeds, epoch)
            states["shuffled"].append(trainer.probe_states(rows, torch.from_numpy(control).to(trainer.device)))
            for name, value in trainer.network_state().items():
                parameters.setdefault(name, []).append(value)

    measure(0)
    for epoch in range(1, epochs + 1):
        snr[:, epoch] = trainer.train_epoch()
        measure(epoch)
        if epoch % max(1, epochs // 10) == 0:
            log.info("%s epoch %d/%d: test MSE %s", experiment, epoch, epochs, np.round(series["test_mse"][:, epoch], 3))
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with h5py.File(partial, "w") as handle:
        for name, values in series.items():
            handle.create_dataset(f"series/{name}", data=values)
        handle.create_dataset("series/snr", data=snr)
        handle.create_dataset("probe/inputs", data=inputs[rows])
        handle.create_dataset("probe/targets", data=np.asarray(targets, dtype=np.float64)[rows])
        handle.create_dataset("probe/rows", data=rows)
        for variant, values in states.items():
            handle.create_dataset(f"states/{variant}", data=np.stack(values), compression="gzip", compression_opts=4,
                                  chunks=(1, 1, *np.stack(values).shape[2:]))  # fmt: skip
        for name, values in parameters.items():
            handle.create_dataset(f"parameters/{name}", data=np.stack(values))
        inputs_n, outputs_n = trainer.model.input_neurons, trainer.model.output_neurons
        handle.attrs.update({
            "experiment": experiment, "seeds": np.asarray(seeds), "recorded_epochs": recorded, "epochs": epochs,
            "scaling_mean": trainer.scaling.mean, "scaling_scale": trainer.scaling.scale,
            "input_neurons": np.asarray(inputs_n), "output_neurons": np.asarray(outputs_n),
            "n_train": len(trainer.train_index), "n_test": len(trainer.test_index),
            "baselines": json.dumps(trainer.baselines), "diverged_epoch": trainer.diverged_epoch,
            "divergence_cause": json.dumps(trainer.divergence_cause), **dict(attrs or {}),
        })  # fmt: skip
    os.replace(partial, output)
    return output
