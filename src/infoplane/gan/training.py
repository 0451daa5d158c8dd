"""Batched ensemble training of S seeded GANs, recording the discriminator's layers.

Per mini-batch of real training images (each seed its own order, as :mod:`infoplane.training`),
Goodfellow et al. (2014), Algorithm 1 with k = 1:

1. the discriminator D ascends ``log D(x) + log(1 - D(G(z)))``: the cross-entropy of the real
   batch against "real" plus that of as many generated images (fresh codes z ~ N(0, I) from the
   seed's own stream) against "generated", each a mean over the batch;
2. the generator G descends ``-log D(G(z))`` (their section 3: the non-saturating loss), through
   the updated D, on the same codes: where Algorithm 1 draws a second noise minibatch, this
   reuses the first, as the DCGAN reference implementation (PyTorch examples) does.

Each seed's loss enters a sum over seeds, so every seed gets exactly its own gradients; both
optimisers act elementwise (:mod:`infoplane.choices.optimizers`); divergence is per seed as in
:mod:`infoplane.training` (a diverged seed's D and G are zeroed and stop moving).

The chunk file (:mod:`infoplane.recording`) describes the discriminator's task. Its dataset has
N + M rows: the N real images (Y = 1, real) and M slots of images generated from fixed latent
codes (Y = 0, generated; ``gan.latent_seed``, the same codes for every seed and epoch; M = the
larger of the training and held-out counts). ``probe_index`` is the experiment's real probe rows
(``record.probe``) followed by the first P slots, so the activations are D's layers on P real and
P generated images and the output layer is D's softmax over (generated, real). The metrics are
D's balanced cross-entropy and accuracy: ``train_*`` over the real training images and the first
n_train generated slots, ``test_*`` over the held-out real images and the first n_test slots
(chance 0.5). Series (``/series``, :func:`~infoplane.recording.read_series`):

``samples``              uint8 [E, S, K, *image]  the first K generated images, pixels x 255
``real_train_accuracy``  float32 [E, S]  D's accuracy on the real training images
``real_test_accuracy``   float32 [E, S]  on the held-out real images (NaN without any)
``generated_accuracy``   float32 [E, S]  on the first n_train generated images
``generator_loss``       float32 [E, S]  -log D(G(z)) on them, nats (the non-saturating loss)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from .. import families
from ..choices import ACTIVATIONS
from ..datasets import probe_rows, train_test_split
from ..devices import resolve_device
from ..families._layers import seed_generator
from ..training import EVALUATION_BLOCK, GradientMoments, SeedDivergence, _check_settings, make_optimizer, record_training
from . import GENERATED, REAL, check_settings, generator_seed

__all__ = ["GANTrainer", "train_gan", "LATENT_STREAM"]

#: Stream of a seed's training latent codes (:func:`~infoplane.families._layers.seed_generator`).
LATENT_STREAM = 3


class GANTrainer(SeedDivergence):
    """S seeded GANs (discriminator: ``settings["model"]``; generator: ``gan["generator"]``).

    Parameters
    ----------
    inputs : float array [N, *image] of real images with values in [0, 1].
    seeds : the S seeds; settings : the experiment's training settings (as
        :class:`~infoplane.training.EnsembleTrainer`); gan : the config's ``gan`` section.
    device : see :func:`~infoplane.devices.resolve_device`; split : optional fixed
        ``(train_index, test_index)`` of the real images.

    Raises
    ------
    ValueError
        For bad settings, inputs outside [0, 1], an input shape the discriminator's family does
        not take, or a split outside the rows.
    """

    def __init__(self, inputs, seeds: Sequence[int], settings: Mapping, gan: Mapping, device: str = "cpu", split=None):
        self.settings = settings = _check_settings(settings)
        self.gan = gan = check_settings(gan)
        inputs = np.asarray(inputs, dtype=np.float32)
        if inputs.ndim < 2 or not len(inputs):
            raise ValueError(f"inputs must be [N, ...] with N >= 1, got shape {inputs.shape}")
        low, high = float(inputs.min()), float(inputs.max())
        if low < 0.0 or high > 1.0:
            raise ValueError(f"GAN real images must lie in [0, 1], the range of the generator's sigmoid; got [{low:g}, {high:g}]")
        self.device = resolve_device(device)
        n = len(inputs)
        if split is None:
            train, test = train_test_split(n, float(settings["train_fraction"]), int(settings["split_seed"]))
        else:
            train, test = (np.asarray(i, dtype=np.int64) for i in split)
            if not len(train) or min(train.min(), test.min(initial=0)) < 0 or max(train.max(), test.max(initial=0)) >= n:
                raise ValueError(f"split: rows must lie in 0 … {n - 1} and the training set be non-empty")
        real_probe = probe_rows(settings, n, train, test, fixed_split=split is not None)
        n_train, n_test, n_probe = len(train), len(test), len(real_probe)
        self.n_generated = max(n_train, n_test, n_probe, int(gan["samples"]))
        slots = n + np.arange(self.n_generated, dtype=np.int64)
        #: the discriminator's dataset: N real rows, then the generated slots
        self.labels = np.concatenate([np.full(n, REAL), np.full(self.n_generated, GENERATED)]).astype(np.int64)
        self.train_index = np.concatenate([train, slots[:n_train]])
        self.test_index = np.concatenate([test, slots[:n_test]])
        self.probe_index = np.concatenate([real_probe, slots[:n_probe]])
        self.input_shape = tuple(inputs.shape[1:])
        model = settings["model"]
        rank = families.get(model["family"]).INPUT_RANK
        if rank is not None and len(self.input_shape) != rank:
            raise ValueError(f"model.family {model['family']!r} takes inputs of rank {rank} per row, got inputs {inputs.shape}")
        self._flat = rank is None
        d_in = math.prod(self.input_shape)
        self.widths = [d_in, *families.layer_widths(model, self.input_shape, 2)]
        self.discriminator = families.build(
            model, seeds, self.input_shape, 2, activation=settings["activation"], init=settings["init"],
            dropout=settings["dropout"], batch_norm=settings["batch_norm"],
        ).to(self.device)  # fmt: skip
        latent = int(gan["latent_dim"])
        self.generator = families.build(
            gan["generator"], [generator_seed(s) for s in self.discriminator.seeds], (latent,), d_in,
            activation=gan["generator_activation"], init=settings["init"],
        ).to(self.device)  # fmt: skip
        self.optimizer_d = make_optimizer(settings, self.discriminator.parameters())
        self.optimizer_g = make_optimizer(settings, self.generator.parameters())
        self.batch_size = int(settings["batch_size"])
        self._x = torch.from_numpy(inputs.reshape(n, d_in)).to(self.device)
        self._train = torch.from_numpy(train).to(self.device)
        self._test = torch.from_numpy(test).to(self.device)
        self._probe = torch.from_numpy(real_probe).to(self.device)
        codes = np.random.default_rng([int(gan["latent_seed"]), 5]).standard_normal((self.n_generated, latent))
        self._codes = torch.from_numpy(codes.astype(np.float32)).to(self.device)
        self._batch_rngs = [np.random.default_rng([int(s), 1]) for s in self.seeds]
        self._latent_rngs = [seed_generator(s, LATENT_STREAM, self.device) for s in self.seeds]
        self._init_divergence(len(self.seeds), [self.discriminator, self.generator], [self.optimizer_d, self.optimizer_g])
        k = int(gan["samples"])
        #: the values recorded per epoch besides the layout's (see the module docstring)
        self.series_shapes = {
            "samples": ((k, *self.input_shape), np.uint8),
            **{name: ((), np.float32) for name in
               ("real_train_accuracy", "real_test_accuracy", "generated_accuracy", "generator_loss")},
        }  # fmt: skip
        self._series = None

    @property
    def seeds(self) -> list[int]:
        return self.discriminator.seeds

    def generate(self, codes: torch.Tensor) -> torch.Tensor:
        """Images [S, B, d_in] in [0, 1] from latent codes [S, B, latent] (each seed its own) or
        [B, latent] (the same for every seed)."""
        return torch.sigmoid(self.generator.layer_outputs(codes)[-1])

    def discriminate(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The discriminator's layers [S, B, d_l] on flattened images [S, B, d_in] or [B, d_in]
        (shared); the last is its logits over (generated, real)."""
        if not self._flat:
            images = images.reshape(*images.shape[:-1], *self.input_shape)
        return self.discriminator.layer_outputs(images)

    @staticmethod
    def _cross_entropy(logits: torch.Tensor, label: int) -> torch.Tensor:
        """Per-image cross-entropy [S, B] of logits [S, B, 2] against one class, nats."""
        return torch.logsumexp(logits, dim=-1) - logits[..., label]

    def train_epoch(self, gradient_statistics: bool = False) -> dict[str, np.ndarray] | None:
        """One pass over the real training images; see the module docstring. Returns the
        gradient statistics of the discriminator's weights over the epoch's discriminator
        steps (as :meth:`~infoplane.training.EnsembleTrainer.train_epoch`) or None."""
        d, g = self.discriminator, self.generator
        self.epoch += 1
        epoch = self.epoch
        moments = GradientMoments(d.weights) if gradient_statistics else None
        order = np.stack([rng.permutation(len(self._train)) for rng in self._batch_rngs])
        if not self.alive.any():
            return self._idle_statistics(moments, d.n_layers)
        order = self._train[torch.from_numpy(order).to(self.device)]  # [S, n_train]
        n_seeds, latent = len(self.seeds), int(self.gan["latent_dim"])
        d.train()
        g.train()
        for start in range(0, order.shape[1], self.batch_size):
            index = order[:, start : start + self.batch_size]  # [S, B]
            b = index.shape[1]
            real = self._x.index_select(0, index.flatten()).view(n_seeds, b, -1)
            codes = torch.stack([torch.randn(b, latent, generator=r, device=self.device) for r in self._latent_rngs])
            fake = self.generate(codes)
            # 1. the discriminator's step, on the generator's images as they are
            per_seed = (self._cross_entropy(self.discriminate(real)[-1], REAL).mean(1)
                        + self._cross_entropy(self.discriminate(fake.detach())[-1], GENERATED).mean(1))  # fmt: skip
            alive = self.alive
            self._step(self.optimizer_d, per_seed, epoch, "non-finite discriminator loss", moments)
            if not np.array_equal(alive, self.alive):
                # a seed diverged: its networks were zeroed in place, so the images are made again
                # (the other seeds' are unchanged: the discriminator's step did not move G)
                fake = self.generate(codes)
            # 2. the generator's step through the updated discriminator: -log D(G(z))
            per_seed = self._cross_entropy(self.discriminate(fake)[-1], REAL).mean(1)
            self._step(self.optimizer_g, per_seed, epoch, "non-finite generator loss", None)
        return self._finish_epoch(epoch, moments)

    def _step(self, optimizer, per_seed: torch.Tensor, epoch: int, cause: str, moments) -> None:
        """One optimiser step on the sum over live seeds of ``per_seed`` [S]; a seed whose loss
        is not finite is marked diverged first (its gradients zeroed)."""
        loss = (per_seed if self.alive.all() else torch.where(self._alive, per_seed, 0.0)).sum()
        self.optimizer_d.zero_grad(set_to_none=False)
        self.optimizer_g.zero_grad(set_to_none=False)
        loss.backward()
        finite = torch.isfinite(per_seed.detach())
        if not bool(finite.all()):
            self._mark_diverged(~finite.cpu().numpy(), epoch, cause)
        if moments is not None:
            moments.add()
        optimizer.step()

    def evaluate(self):
        """The discriminator's layers on the probe (P real, then P generated images), its
        balanced metrics and weight norms, as :meth:`~infoplane.training.EnsembleTrainer.evaluate`
        returns them; the series of this epoch are kept for :meth:`series`."""
        d, g = self.discriminator, self.generator
        d.eval()
        g.eval()
        n_train, n_test, n_probe = len(self._train), len(self._test), len(self._probe)
        k = int(self.gan["samples"])
        with torch.no_grad():
            generated_ce, generator_ce, generated_correct, probe_fakes, samples = [], [], [], None, None
            for start in range(0, self.n_generated, EVALUATION_BLOCK):
                images = self.generate(self._codes[start : start + EVALUATION_BLOCK])  # [S, b, d_in]
                if start == 0:  # the probe's and the grid's images lie in the first block or two
                    probe_fakes = images[:, :n_probe]
                    samples = images[:, :k]
                elif probe_fakes.shape[1] < n_probe:
                    probe_fakes = torch.cat([probe_fakes, images[:, : n_probe - probe_fakes.shape[1]]], dim=1)
                logits = self.discriminate(images)[-1]
                generated_ce.append(self._cross_entropy(logits, GENERATED))
                generator_ce.append(self._cross_entropy(logits, REAL)[:, : max(0, n_train - start)])
                generated_correct.append((logits.argmax(-1) == GENERATED).float())
            generated_ce, generated_correct = torch.cat(generated_ce, 1), torch.cat(generated_correct, 1)
            real_logits = torch.cat([self.discriminate(self._x[s : s + EVALUATION_BLOCK])[-1]
                                     for s in range(0, len(self._x), EVALUATION_BLOCK)], dim=1)  # fmt: skip
            real_ce = self._cross_entropy(real_logits, REAL)
            real_correct = (real_logits.argmax(-1) == REAL).float()
            n_seeds = len(self.seeds)
            probe = torch.cat([self._x[self._probe].unsqueeze(0).expand(n_seeds, -1, -1), probe_fakes], dim=1)
            outputs = self.discriminate(probe)
            activations = [o.float().cpu().numpy() for o in outputs[:-1]]
            activations.append(torch.softmax(outputs[-1], dim=-1).float().cpu().numpy())

            def mean(values, rows):
                return values[:, rows].mean(1)

            metrics = {
                "train_loss": (mean(real_ce, self._train) + generated_ce[:, :n_train].mean(1)) / 2,
                "train_accuracy": (mean(real_correct, self._train) + generated_correct[:, :n_train].mean(1)) / 2,
            }
            nan = torch.full((n_seeds,), float("nan"), device=self.device)
            metrics["test_loss"] = (mean(real_ce, self._test) + generated_ce[:, :n_test].mean(1)) / 2 if n_test else nan
            metrics["test_accuracy"] = (mean(real_correct, self._test) + generated_correct[:, :n_test].mean(1)) / 2 if n_test else nan
            metrics = {key: value.cpu().numpy().astype(np.float32) for key, value in metrics.items()}
            series = {
                "samples": torch.round(samples * 255.0).to(torch.uint8).view(n_seeds, k, *self.input_shape).cpu().numpy(),
                "real_train_accuracy": mean(real_correct, self._train),
                "real_test_accuracy": mean(real_correct, self._test) if n_test else nan,
                "generated_accuracy": generated_correct[:, :n_train].mean(1),
                "generator_loss": torch.cat(generator_ce, 1).mean(1),
            }
            self._series = {k_: (v if isinstance(v, np.ndarray) else v.cpu().numpy().astype(np.float32))
                            for k_, v in series.items()}  # fmt: skip
            weight_norms = torch.stack([w.detach().flatten(1).norm(dim=1) for w in d.weights], 1)
        return activations, metrics, weight_norms.double().cpu().numpy()

    def series(self) -> dict[str, np.ndarray]:
        """The series of the last :meth:`evaluate` (NaN in a diverged seed's float series)."""
        out = {}
        for name, values in self._series.items():
            values = np.array(values, copy=True)
            if values.dtype.kind == "f":
                values[~self.alive] = np.nan
            out[name] = values
        return out


def train_gan(
    inputs: np.ndarray,
    seeds: Sequence[int],
    settings: Mapping,
    gan: Mapping,
    output: str | os.PathLike,
    *,
    device: str = "cpu",
    experiment: str = "",
    progress: bool | None = None,
    split: tuple[np.ndarray, np.ndarray] | None = None,
) -> Path:
    """Train S seeded GANs together and write the discriminator's recordings to one HDF5 file
    (layout in :mod:`infoplane.recording`, the discriminator's dataset in this module's docstring).

    Arguments as :func:`infoplane.training.train_ensemble` (no labels: the real images' classes
    are not used), and ``gan`` the config's ``gan`` section.

    Raises
    ------
    ValueError
        As :class:`GANTrainer`. FileExistsError: if ``output`` exists.
    """
    output = Path(output)
    if output.exists():
        raise FileExistsError(f"refusing to overwrite existing recording {output}")
    trainer = GANTrainer(inputs, seeds, settings, gan, device, split=split)
    attrs = {
        "activation_range": json.dumps(list(ACTIVATIONS[trainer.settings["activation"]].range)),
        "gan": json.dumps(trainer.gan, sort_keys=True),
    }
    return record_training(trainer, settings, output, experiment=experiment, progress=progress, attrs=attrs)
