"""A fully connected network, trained as an ensemble of S independently seeded copies.

The S networks share one set of stacked parameter tensors: layer ``l`` holds weights of shape
``[S, fan_out, fan_in]`` (``nn.Linear``'s layout per seed) and biases ``[S, fan_out, 1]``, and
a forward pass is one batched matrix product (``torch.baddbmm``) per layer for all seeds at
once, on activations kept feature-major, ``[S, width, B]``: for these narrow layers that runs
forward and backward twice as fast as ``[S, B, width]`` (measured on 2 cores, 50 seeds, batch
512). Seed ``s`` is drawn from its own random generator, so a network's initial weights do not
depend on which other seeds share its ensemble.

Initialisations ([ST17] and [SB18], REFERENCE.md §2):

``st17``          truncated normal, sd ``1/sqrt(fan_in)``, truncated at 2 sd, bias 0
``sb18``          truncated normal, sd ``1/sqrt(fan_out)``, truncated at 2 sd, bias 0
``torch_default`` ``nn.Linear``'s default: weights and biases uniform in ``±1/sqrt(fan_in)``
``glorot_uniform`` Keras's default for ``Dense`` layers, the framework of [SB18]'s code (their
                  MNIST network uses it): weights uniform in ``±sqrt(6/(fan_in + fan_out))``
                  (Glorot & Bengio 2010), bias 0
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from .choices import INITIALISATIONS  # names and descriptions, declared once

__all__ = ["ACTIVATIONS", "INITIALISATIONS", "EnsembleMLP"]

#: Activation functions by config name.
ACTIVATIONS = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "softsign": nn.functional.softsign,
    "softplus": nn.functional.softplus,
    "linear": lambda x: x,
}


def _init_layer(weight: torch.Tensor, bias: torch.Tensor, init: str, generator) -> None:
    """Fill one seed's weight [fan_in, fan_out] and bias [fan_out] in place."""
    fan_in, fan_out = weight.shape
    if init in ("st17", "sb18"):
        sd = 1.0 / math.sqrt(fan_in if init == "st17" else fan_out)
        nn.init.trunc_normal_(weight, 0.0, sd, -2.0 * sd, 2.0 * sd, generator=generator)
        nn.init.zeros_(bias)
    elif init == "torch_default":
        bound = 1.0 / math.sqrt(fan_in)
        nn.init.uniform_(weight, -bound, bound, generator=generator)
        nn.init.uniform_(bias, -bound, bound, generator=generator)
    elif init == "glorot_uniform":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        nn.init.uniform_(weight, -bound, bound, generator=generator)
        nn.init.zeros_(bias)
    else:
        raise ValueError(f"unknown initialisation {init!r}; expected one of {list(INITIALISATIONS)}")


class EnsembleMLP(nn.Module):
    """S fully connected networks with the same widths, evaluated together.

    Parameters
    ----------
    seeds : the S integer seeds; seed ``seeds[s]`` initialises network ``s``.
    widths : layer widths from input to output, e.g. ``[12, 10, 7, 5, 4, 3, 2]`` for [ST17].
    activation : hidden activation, a key of :data:`ACTIVATIONS`. The output layer returns
        logits; its softmax is the network's output layer T_L.
    init : a name in :data:`INITIALISATIONS`.

    Raises
    ------
    ValueError
        For an unknown activation or initialisation, fewer than two widths, a width < 1, or
        an empty or repeated seed list.
    """

    def __init__(
        self, seeds: Sequence[int], widths: Sequence[int], activation: str, init: str = "st17"
    ):
        super().__init__()
        seeds = [int(s) for s in seeds]
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be a non-empty list of distinct integers, got {seeds}")
        if len(widths) < 2 or min(widths) < 1:
            raise ValueError(f"widths must list at least input and output widths >= 1, got {widths}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
        if init not in INITIALISATIONS:
            raise ValueError(f"unknown initialisation {init!r}; expected one of {list(INITIALISATIONS)}")
        self.seeds = seeds
        self.widths = [int(w) for w in widths]
        self.activation_name = activation
        self.activation = ACTIVATIONS[activation]
        n = len(seeds)
        pairs = list(zip(self.widths[:-1], self.widths[1:]))
        self.weights = nn.ParameterList(nn.Parameter(torch.empty(n, o, i)) for i, o in pairs)
        self.biases = nn.ParameterList(nn.Parameter(torch.empty(n, o, 1)) for _, o in pairs)
        with torch.no_grad():
            for s, seed in enumerate(seeds):
                generator = torch.Generator().manual_seed(seed)
                for weight, bias in zip(self.weights, self.biases):
                    # drawn as [fan_in, fan_out] in row-major order, stored transposed
                    _init_layer(weight[s].T, bias[s, :, 0], init, generator)

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def n_layers(self) -> int:
        """Number of layers with weights (hidden layers plus the output layer)."""
        return len(self.weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of every network.

        Parameters
        ----------
        x : float tensor [S, B, widths[0]] (each network its own batch) or [B, widths[0]]
            (the same inputs for all networks).

        Returns
        -------
        float tensor [S, B, widths[-1]]
        """
        return self.layer_outputs(x)[-1]

    def layer_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's output: hidden activations, then the output logits.

        Returns a list of ``n_layers`` tensors [S, B, width_l] (transposed views of the
        feature-major results). Apply ``softmax(-1)`` to the last entry to get the output
        layer's activations.
        """
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.n_seeds, -1, -1)
        return [h.transpose(1, 2) for h in self.feature_major_outputs(x.transpose(1, 2))]

    def feature_major_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Like :meth:`layer_outputs` for feature-major inputs [S, widths[0], B]; returns
        tensors [S, width_l, B]."""
        outputs = []
        h = x
        last = self.n_layers - 1
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(bias, weight, h)
            if index < last:
                h = self.activation(h)
            outputs.append(h)
        return outputs
