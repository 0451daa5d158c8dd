"""Pieces every ensemble family uses: per-seed random streams, initialisation of stacked
weights, batch normalisation and dropout that keep each seed's slice to itself.

Stacked tensors have the seed first: a parameter of S seeds is ``[S, ...]``, and nothing here
reduces over that dimension, so seed s's numbers never depend on which seeds share its chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..choices import ACTIVATIONS, INITIALISATIONS
from . import _init  # noqa: F401 - the declared initialisations' fills, named by path: in every family's rerun hash

__all__ = ["seed_generator", "check_common", "SeedEnsemble", "SeedBatchNorm", "SeedDropout", "ActivationModule"]

#: Stream numbers of a seed's generators: 0 initial weights (torch.Generator().manual_seed(seed)
#: itself, as before streams existed), 1 mini-batch order (NumPy, infoplane.training), 2 dropout;
#: in a GAN (infoplane.gan) 3 the generator's training latent codes, 4 the generator's seed.
DROPOUT_STREAM = 2


def seed_generator(seed: int, stream: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator for seed ``seed``'s stream ``stream`` (``stream`` 0 is
    ``manual_seed(seed)``; others are derived with NumPy's SeedSequence of ``[seed, stream]``)."""
    generator = torch.Generator(device=device)
    if stream == 0:
        return generator.manual_seed(int(seed))
    state = np.random.SeedSequence([int(seed), int(stream)]).generate_state(1, np.uint64)[0]
    return generator.manual_seed(int(state) & ((1 << 63) - 1))


def check_common(seeds: Sequence[int], activation: str, init: str) -> list[int]:
    """The seeds as ints; ValueError for an empty or repeated seed list or an unknown
    activation or initialisation (naming the known ones)."""
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be a non-empty list of distinct integers, got {seeds}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
    if init not in INITIALISATIONS:
        raise ValueError(f"unknown initialisation {init!r}; expected one of {list(INITIALISATIONS)}")
    return seeds


class SeedEnsemble(nn.Module):
    """Base of the built-in ensembles: ``seeds``, the stacked per-layer ``weights`` (a
    ``ParameterList``) and the forward pass as the last entry of ``layer_outputs``."""

    seeds: list[int]

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def n_layers(self) -> int:
        """Number of layers with weights, the recorded layers (the output layer last)."""
        return len(self.weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs [S, B, n_outputs] of every network (the last of :meth:`layer_outputs`)."""
        return self.layer_outputs(x)[-1]

    def _finish_layer(self, h: torch.Tensor, layer: int, outputs: list) -> torch.Tensor:
        """After layer ``layer``'s affine map: for a hidden layer batch norm (``self.norms``,
        when on), the activation (recorded in ``outputs``) and dropout; the output layer's
        values are recorded as they are. Returns the next layer's input."""
        if layer == self.n_layers - 1:
            outputs.append(h)
            return h
        if self.norms is not None:
            h = self.norms[layer](h)
        h = self.activation(h)
        outputs.append(h)
        return self.dropout(h)


class SeedBatchNorm(nn.Module):
    """Batch normalisation (Ioffe & Szegedy 2015, Alg. 1) of S seeds at once, each over its own
    mini-batch: ``y = gamma * (x - mean) / sqrt(var + eps) + beta`` per seed and feature, with
    running averages (momentum 0.1, unbiased variance, as ``nn.BatchNorm1d``) used in eval mode.

    Parameters
    ----------
    shape : the shape of gamma, beta and the running statistics, with S first and 1 wherever
        the input has a dimension that is averaged over (e.g. ``[S, w, 1]`` for feature-major
        ``[S, w, B]`` inputs).
    dims : the dimensions of the input that the statistics average over (the batch and, for a
        convolution, the spatial ones).
    """

    def __init__(self, shape: Sequence[int], dims: Sequence[int], eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.dims, self.eps, self.momentum = tuple(dims), eps, momentum
        self.weight = nn.Parameter(torch.ones(*shape))
        self.bias = nn.Parameter(torch.zeros(*shape))
        self.register_buffer("running_mean", torch.zeros(*shape))
        self.register_buffer("running_var", torch.ones(*shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """All seeds at once: ``x`` laid out as the parameters' shape says."""
        return self._normalise(x, self.weight, self.bias, self.running_mean, self.running_var, self.dims)

    def forward_seed(self, x: torch.Tensor, s: int, dims) -> torch.Tensor:
        """Seed ``s`` alone: ``x`` is its slice (e.g. [B, C, H, W], ``dims`` (0, 2, 3)); its
        parameters and running averages are the slices ``[s]``."""
        return self._normalise(x, self.weight[s], self.bias[s], self.running_mean[s], self.running_var[s], tuple(dims))

    def _normalise(self, x, weight, bias, running_mean, running_var, dims):
        if self.training:
            mean = x.mean(dims, keepdim=True)
            var = x.var(dims, keepdim=True, unbiased=False)
            count = x.numel() // mean.numel()
            with torch.no_grad():
                unbiased = var * (count / max(count - 1, 1))
                running_mean.mul_(1 - self.momentum).add_(self.momentum * mean.reshape(running_mean.shape))
                running_var.mul_(1 - self.momentum).add_(self.momentum * unbiased.reshape(running_var.shape))
        else:
            mean, var = running_mean, running_var
        return (x - mean) * torch.rsqrt(var + self.eps) * weight + bias


class SeedDropout(nn.Module):
    """Dropout with rate ``p`` whose masks come from each seed's own generator (stream
    :data:`DROPOUT_STREAM`), so they depend only on the seed and on how many masks it drew
    before. Identity in eval mode and for ``p`` = 0. Kept units are scaled by 1/(1-p)."""

    def __init__(self, seeds: Sequence[int], p: float):
        super().__init__()
        self.seeds, self.p = list(seeds), float(p)
        self._generators: dict[str, list[torch.Generator]] = {}

    def forward(self, x: torch.Tensor, seed_dim: int = 0) -> torch.Tensor:
        """``x`` with the seeds along ``seed_dim``; each seed's slice gets its own mask."""
        if not self.training or self.p == 0.0:
            return x
        key = str(x.device)
        if key not in self._generators:
            self._generators[key] = [seed_generator(s, DROPOUT_STREAM, x.device) for s in self.seeds]
        slices = x.movedim(seed_dim, 0)
        keep = torch.stack([
            torch.rand(slices.shape[1:], generator=g, device=x.device, dtype=x.dtype) >= self.p
            for g in self._generators[key]
        ])  # fmt: skip
        return x * keep.movedim(0, seed_dim).to(x.dtype) / (1.0 - self.p)


class ActivationModule(nn.Module):
    """A declared activation (:data:`infoplane.choices.ACTIVATIONS`) as an ``nn.Module``."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.fn = ACTIVATIONS[name].apply

    def forward(self, x):
        return self.fn(x)
