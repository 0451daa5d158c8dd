"""``mlp``: fully connected networks of any depth and widths, trained as an ensemble of S
independently seeded copies ([ST17]'s 12-10-7-5-4-3-2 network, seed 002's 3- to 12-layer FCNs).

The S networks share one set of stacked parameter tensors: layer ``l`` holds weights of shape
``[S, fan_out, fan_in]`` (``nn.Linear``'s layout per seed) and biases ``[S, fan_out, 1]``, and
a forward pass is one batched matrix product (``torch.baddbmm``) per layer for all seeds at
once, on activations kept feature-major, ``[S, width, B]``: for these narrow layers that runs
forward and backward twice as fast as ``[S, B, width]`` (measured on 2 cores, 50 seeds, batch
512). Seed ``s`` is drawn from its own random generator, so a network's initial weights do not
depend on which other seeds share its ensemble. A hidden layer is affine map, batch
normalisation (when on), activation, dropout (when on, training only); its recorded T is the
activation's output. The last layer is affine: its outputs (logits for a classifier) are T_L
before the task's output function.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from typing import TYPE_CHECKING

from ..params import Parameter

if TYPE_CHECKING:
    import torch

__all__ = ["PARAMETERS", "SOURCE", "REGULARISERS", "layer_shapes", "cost", "build", "single"]

SOURCE = "[ST17] section 3 (fully connected network); seed 002's FCNs of 3, 6, 9 and 12 layers"
DESCRIPTION = "fully connected network"
PARAMETERS = (
    Parameter("hidden_widths", "integers", [10, 7, 5, 4, 3], "widths of the hidden layers, input side first",
              "[ST17] section 3 (10-7-5-4-3)", minimum=1),
)  # fmt: skip
#: What a recorded layer's T is, for the report (plain text).
RECORDED = (
    "Each hidden layer is an affine map, batch normalisation (when on), the activation and "
    "dropout (when on, in training only); its T is the activation's output, one value per unit. "
    "The last layer is affine; its softmax is the output layer."
)
REGULARISERS = ("dropout", "batch_norm")
#: Any input shape: the network flattens each input.
INPUT_RANK = None


def layer_shapes(input_shape: Sequence[int], n_outputs: int, params) -> list[tuple[int, ...]]:
    """Shapes of the recorded layers' T per input: each hidden layer, then the output layer."""
    return [(int(w),) for w in params["hidden_widths"]] + [(int(n_outputs),)]


def cost(input_shape: Sequence[int], n_outputs: int, params) -> dict:
    """Per seed: ``parameters`` (weights and biases) and ``flops`` of one input's forward pass
    (2 per multiply-add)."""
    widths = [math.prod(input_shape), *params["hidden_widths"], n_outputs]
    weights = sum(i * o for i, o in zip(widths[:-1], widths[1:]))
    return {"parameters": weights + sum(widths[1:]), "flops": 2 * weights}


def build(seeds, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False) -> "torch.nn.Module":
    """The ensemble of ``seeds`` (see :class:`~infoplane.families._mlp.EnsembleMLP`)."""
    from ._mlp import EnsembleMLP

    widths = [math.prod(input_shape), *params["hidden_widths"], int(n_outputs)]
    return EnsembleMLP(seeds, widths, activation, init, dropout=dropout, batch_norm=batch_norm)


def single(seed: int, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False) -> "torch.nn.Sequential":
    """One plain ``nn.Sequential`` (``nn.Linear``, ``nn.BatchNorm1d``, activation, ``nn.Dropout``)
    with the initial weights of seed ``seed`` of an ensemble: the per-seed loop of benchmarks
    and tests. (``nn.Dropout`` draws its masks from torch's global generator, not the seed's.)"""
    from ._mlp import single_network

    return single_network(seed, input_shape, n_outputs, params, activation=activation, init=init, dropout=dropout, batch_norm=batch_norm)
