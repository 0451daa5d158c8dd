"""Activation functions of the hidden layers, declared once.

Each :class:`Activation` says what values it can produce (the range checks of recorded
activations in :mod:`infoplane.recording` come from it), whether it saturates on both sides
(the [SB18] comparison of double-saturating against single-sided nonlinearities,
:mod:`infoplane.claims.study`), and how it acts on a tensor.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

__all__ = ["Activation", "ACTIVATIONS", "SATURATIONS", "resolve"]

#: How an activation saturates: on both sides (tanh), on one (ReLU), not at all (linear).
SATURATIONS = ("double", "single", "none")


@functools.lru_cache(maxsize=None)
def resolve(path: str):
    """The function at dotted ``path`` (``torch.tanh``), imported when first used: the
    declarations import no torch, the report's job reads them without it."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes
    ----------
    name : the config's name (``activation: <name>``).
    low, high : the values it can produce, None for unbounded (``relu``: 0, None).
    saturation : one of :data:`SATURATIONS`.
    function : dotted path of the elementwise torch function (``torch.tanh``), or ``""`` for
        the identity; :meth:`apply` calls it.
    description : one line, for the report and the README.
    """

    name: str
    low: float | None
    high: float | None
    saturation: str
    function: str
    description: str

    def __post_init__(self):
        if self.saturation not in SATURATIONS:
            raise ValueError(f"activation {self.name}: saturation must be one of {SATURATIONS}, got {self.saturation!r}")

    @property
    def range(self) -> tuple[float | None, float | None]:
        return self.low, self.high

    def apply(self, x):
        """The activation of tensor ``x`` (any shape), elementwise."""
        return resolve(self.function)(x) if self.function else x


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", -1.0, 1.0, "double", "infoplane.choices._tanh.tanh", "tanh, in (-1, 1), saturates on both sides"),
        Activation("relu", 0.0, None, "single", "torch.relu", "ReLU max(0, x), saturates below"),
        Activation("sigmoid", 0.0, 1.0, "double", "torch.sigmoid", "logistic 1/(1 + e^-x), in (0, 1)"),
        Activation("softsign", -1.0, 1.0, "double", "torch.nn.functional.softsign", "x/(1 + |x|), in (-1, 1)"),
        Activation("softplus", 0.0, None, "single", "torch.nn.functional.softplus", "log(1 + e^x), smooth ReLU"),
        Activation("linear", None, None, "none", "", "identity (a linear network)"),
        Activation("leaky_relu", None, None, "none", "infoplane.choices._leaky.leaky_relu",
                   "leaky ReLU max(x, 0.2x), the GAN discriminators' (Radford et al. 2016), does not saturate"),
    )
}
