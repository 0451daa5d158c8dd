"""Activation functions of the hidden layers, declared once.

Each :class:`Activation` says what values it can produce (the range checks of recorded
activations in :mod:`infoplane.recording` come from it), whether it saturates on both sides
(the [SB18] comparison of double-saturating against single-sided nonlinearities,
:mod:`infoplane.claims.study`), and how it acts on a tensor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Activation", "ACTIVATIONS", "SATURATIONS"]

#: How an activation saturates: on both sides (tanh), on one (ReLU), not at all (linear).
SATURATIONS = ("double", "single", "none")


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes
    ----------
    name : the config's name (``activation: <name>``).
    low, high : the values it can produce, None for unbounded (``relu``: 0, None).
    saturation : one of :data:`SATURATIONS`.
    apply : tensor -> tensor, elementwise (any shape).
    description : one line, for the report and the README.
    """

    name: str
    low: float | None
    high: float | None
    saturation: str
    apply: Callable
    description: str

    def __post_init__(self):
        if self.saturation not in SATURATIONS:
            raise ValueError(f"activation {self.name}: saturation must be one of {SATURATIONS}, got {self.saturation!r}")

    @property
    def range(self) -> tuple[float | None, float | None]:
        return self.low, self.high


def _softsign(x):
    from torch.nn import functional as F

    return F.softsign(x)


def _softplus(x):
    from torch.nn import functional as F

    return F.softplus(x)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", -1.0, 1.0, "double", lambda x: x.tanh(), "tanh, in (-1, 1), saturates on both sides"),
        Activation("relu", 0.0, None, "single", lambda x: x.relu(), "ReLU max(0, x), saturates below"),
        Activation("sigmoid", 0.0, 1.0, "double", lambda x: x.sigmoid(), "logistic 1/(1 + e^-x), in (0, 1)"),
        Activation("softsign", -1.0, 1.0, "double", _softsign, "x/(1 + |x|), in (-1, 1)"),
        Activation("softplus", 0.0, None, "single", _softplus, "log(1 + e^x), smooth ReLU"),
        Activation("linear", None, None, "none", lambda x: x, "identity (a linear network)"),
    )
}
