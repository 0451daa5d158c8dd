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

from dataclasses import dataclass

from .activations import resolve

__all__ = ["Initialisation", "INITIALISATIONS"]


@dataclass(frozen=True)
class Initialisation:
    """One initialisation.

    Attributes
    ----------
    name : the config's name (``init: <name>``).
    description : one line, for the report's set-up table and the README.
    fill : dotted path of ``fill(weight, bias, fan_in, fan_out, generator)``, which fills one
        seed's weight (any shape) and bias in place, drawing from the torch ``generator``
        (the built-in ones are in :mod:`infoplane.families._init`).
    """

    name: str
    description: str
    fill: str

    def __str__(self) -> str:  # the report prints the description
        return self.description

    def apply(self, weight, bias, fan_in: int, fan_out: int, generator) -> None:
        resolve(self.fill)(weight, bias, fan_in, fan_out, generator)


_FILLS = "infoplane.families._init."
INITIALISATIONS: dict[str, Initialisation] = {
    i.name: i
    for i in (
        Initialisation("st17", "truncated normal, sd 1/sqrt(fan_in) [ST17]", _FILLS + "truncated_normal_fan_in"),
        Initialisation("sb18", "truncated normal, sd 1/sqrt(fan_out) [SB18]", _FILLS + "truncated_normal_fan_out"),
        Initialisation("torch_default", "uniform ±1/sqrt(fan_in) (PyTorch default)", _FILLS + "torch_default"),
        Initialisation("glorot_uniform", "uniform ±sqrt(6/(fan_in + fan_out)) (Keras default, [SB18]'s MNIST network)",
                       _FILLS + "glorot_uniform"),
    )
}  # fmt: skip
