"""``cnn``: convolutional networks, trained as an ensemble of S independently seeded copies:
conv blocks (convolution, batch normalisation when on, activation, pooling, dropout when on),
then fully connected hidden layers, then the output layer (seed 001's CNN on MNIST: one
convolutional layer with its ReLU and two fully connected layers; seed 002's CNNs of 1 and 2
convolutional layers).

The S copies' convolutions run one per seed on ``[S, B, C, H, W]`` (measured faster on 2 CPU
cores than one grouped convolution or ``torch.func.vmap``, see :mod:`infoplane.families._cnn`),
everything else on all seeds at once: batch norm, activation and pooling, and the fully
connected layers as one batched matrix product per layer on ``[S, B, width]``. A conv block's recorded T is its whole
feature map after pooling, flattened (channels x height x width values per input).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from typing import TYPE_CHECKING

from ..params import Parameter

if TYPE_CHECKING:
    import torch

__all__ = ["PARAMETERS", "SOURCE", "REGULARISERS", "layer_shapes", "cost", "build", "single"]

SOURCE = "LeCun et al. 1998 (convolution and pooling); seed 001's and seed 002's CNNs"
DESCRIPTION = "convolutional network"
PARAMETERS = (
    Parameter("channels", "integers", [8], "output channels of each convolutional layer, input side first",
              "seed 001 (one conv layer), seed 002 (one or two)", minimum=1),
    Parameter("kernel_size", "integer", 5, "side of every square convolution kernel", "LeCun et al. 1998", minimum=1),
    Parameter("stride", "integer", 1, "stride of every convolution", "", minimum=1),
    Parameter("padding", "integer", 2, "zero padding on each side of every convolution", "", minimum=0),
    Parameter("pool", "integer", 2, "side and stride of the pooling after each convolution (1: none)", "", minimum=1),
    Parameter("pooling", "string", "max", "max or average pooling", "", choices=("max", "avg")),
    Parameter("hidden_widths", "integers", [64], "widths of the fully connected hidden layers after the "
              "convolutions", "seed 001 (two fully connected layers: one hidden, one output)", minimum=1),
)  # fmt: skip
#: What a recorded layer's T is, for the report (plain text).
RECORDED = (
    "Each convolutional block is a convolution, batch normalisation (when on), the activation, "
    "pooling and dropout (when on, in training only); its T is the block's whole feature map "
    "after pooling, flattened: channels x height x width values per input. Fully connected hidden "
    "layers and the softmax output follow, as in the fully connected networks."
)
REGULARISERS = ("dropout", "batch_norm")
#: Inputs are images [C, H, W].
INPUT_RANK = 3


def _conv_shapes(input_shape, params) -> list[tuple[int, int, int]]:
    channels, height, width = (int(v) for v in input_shape)
    k, stride, pad, pool = (int(params[key]) for key in ("kernel_size", "stride", "padding", "pool"))
    shapes = []
    for out in params["channels"]:
        height, width = (height + 2 * pad - k) // stride + 1, (width + 2 * pad - k) // stride + 1
        if min(height, width) < 1:
            raise ValueError(f"cnn: kernel_size {k} with padding {pad} leaves no output of a {list(input_shape)} input")
        height, width = height // pool, width // pool
        if min(height, width) < 1:
            raise ValueError(f"cnn: pool {pool} leaves no output of a {list(input_shape)} input")
        shapes.append((int(out), height, width))
    return shapes


def layer_shapes(input_shape: Sequence[int], n_outputs: int, params) -> list[tuple[int, ...]]:
    """Shapes of the recorded layers' T per input: each conv block's [C, H, W] feature map,
    each fully connected hidden layer, the output layer.

    Raises
    ------
    ValueError
        If the input is not [C, H, W] or a convolution or pooling leaves no output.
    """
    if len(input_shape) != 3:
        raise ValueError(f"cnn: inputs must be images [C, H, W], got per-input shape {list(input_shape)}")
    return [*_conv_shapes(input_shape, params), *((int(w),) for w in params["hidden_widths"]), (int(n_outputs),)]


def cost(input_shape: Sequence[int], n_outputs: int, params) -> dict:
    """Per seed: ``parameters`` and ``flops`` of one input's forward pass (2 per multiply-add),
    of which ``conv_flops`` in the convolutions, and ``elements``: the convolutions' output
    values before pooling (what batch norm, the activation and the pooling run over)."""
    k, parameters, flops, elements = int(params["kernel_size"]), 0, 0, 0
    channels = int(input_shape[0])
    pool = int(params["pool"])
    for out, height, width in _conv_shapes(input_shape, params):
        parameters += out * channels * k * k + out
        flops += 2 * out * channels * k * k * (height * pool) * (width * pool)
        elements += out * (height * pool) * (width * pool)
        channels = out
    widths = [math.prod(layer_shapes(input_shape, n_outputs, params)[len(params["channels"]) - 1]),
              *params["hidden_widths"], n_outputs]  # fmt: skip
    weights = sum(i * o for i, o in zip(widths[:-1], widths[1:]))
    return {"parameters": parameters + weights + sum(widths[1:]), "flops": flops + 2 * weights, "conv_flops": flops,
            "elements": elements}  # fmt: skip


def build(seeds, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False) -> "torch.nn.Module":
    """The ensemble of ``seeds`` (see :class:`~infoplane.families._cnn.EnsembleCNN`)."""
    from ._cnn import EnsembleCNN

    return EnsembleCNN(seeds, input_shape, n_outputs, params, activation, init, dropout=dropout, batch_norm=batch_norm)


def single(seed: int, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False) -> "torch.nn.Sequential":
    """One plain ``nn.Sequential`` (``nn.Conv2d``, ``nn.BatchNorm2d``, activation, pooling,
    ``nn.Dropout``, ``nn.Linear`` ...) with the initial weights of seed ``seed`` of an
    ensemble: the per-seed loop of benchmarks and tests."""
    from ._cnn import single_network

    return single_network(seed, input_shape, n_outputs, params, activation=activation, init=init, dropout=dropout, batch_norm=batch_norm)
