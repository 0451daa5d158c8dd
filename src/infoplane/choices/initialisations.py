"""Weight initialisations, declared once ([ST17] and [SB18], REFERENCE.md section 2).

``st17``           truncated normal, sd ``1/sqrt(fan_in)``, truncated at 2 sd, bias 0
``sb18``           truncated normal, sd ``1/sqrt(fan_out)``, truncated at 2 sd, bias 0
``torch_default``  ``nn.Linear``'s default: weights and biases uniform in ``±1/sqrt(fan_in)``
``glorot_uniform`` Keras's default for ``Dense`` layers, the framework of [SB18]'s code (their
                   MNIST network uses it): weights uniform in ``±sqrt(6/(fan_in + fan_out))``
                   (Glorot & Bengio 2010), bias 0

For a convolution, fan_in is input channels x kernel area and fan_out output channels x
kernel area (PyTorch's convention).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Initialisation", "INITIALISATIONS"]


@dataclass(frozen=True)
class Initialisation:
    """One initialisation.

    Attributes
    ----------
    name : the config's name (``init: <name>``).
    description : one line, for the report's set-up table and the README.
    fill : ``fill(weight, bias, fan_in, fan_out, generator)`` fills one seed's weight (any
        shape) and bias in place, drawing from the torch ``generator``.
    """

    name: str
    description: str
    fill: Callable

    def __str__(self) -> str:  # the report prints the description
        return self.description


def _truncated_normal(by: str):
    def fill(weight, bias, fan_in, fan_out, generator):
        from torch import nn

        sd = 1.0 / math.sqrt(fan_in if by == "fan_in" else fan_out)
        nn.init.trunc_normal_(weight, 0.0, sd, -2.0 * sd, 2.0 * sd, generator=generator)
        nn.init.zeros_(bias)

    return fill


def _torch_default(weight, bias, fan_in, fan_out, generator):
    from torch import nn

    bound = 1.0 / math.sqrt(fan_in)
    nn.init.uniform_(weight, -bound, bound, generator=generator)
    nn.init.uniform_(bias, -bound, bound, generator=generator)


def _glorot_uniform(weight, bias, fan_in, fan_out, generator):
    from torch import nn

    bound = math.sqrt(6.0 / (fan_in + fan_out))
    nn.init.uniform_(weight, -bound, bound, generator=generator)
    nn.init.zeros_(bias)


INITIALISATIONS: dict[str, Initialisation] = {
    i.name: i
    for i in (
        Initialisation("st17", "truncated normal, sd 1/sqrt(fan_in) [ST17]", _truncated_normal("fan_in")),
        Initialisation("sb18", "truncated normal, sd 1/sqrt(fan_out) [SB18]", _truncated_normal("fan_out")),
        Initialisation("torch_default", "uniform ±1/sqrt(fan_in) (PyTorch default)", _torch_default),
        Initialisation("glorot_uniform", "uniform ±sqrt(6/(fan_in + fan_out)) (Keras default, [SB18]'s MNIST network)",
                       _glorot_uniform),
    )
}  # fmt: skip
