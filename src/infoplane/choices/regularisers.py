"""Regularisers, declared once: each is a key of an experiment's settings.

``weight_decay`` is an L2 penalty ``weight_decay/2 * ||w||^2`` added to every seed's loss (the
optimiser's coupled weight decay, so with Adam it is L2, not AdamW); ``dropout`` and
``batch_norm`` act inside a network and each model family says whether it supports them
(``REGULARISERS`` of its module).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..params import Parameter

__all__ = ["Regulariser", "REGULARISERS"]


@dataclass(frozen=True)
class Regulariser:
    """One regulariser: its setting (a :class:`~infoplane.params.Parameter` whose default
    switches it off) and where it acts (``"optimizer"`` or ``"network"``)."""

    parameter: Parameter
    acts_in: str

    @property
    def name(self) -> str:
        return self.parameter.name

    def active(self, value) -> bool:
        return value is not None and value != self.parameter.default


REGULARISERS: dict[str, Regulariser] = {
    r.name: r
    for r in (
        Regulariser(Parameter("weight_decay", "number", 0.0, "L2 penalty coefficient (the optimiser's weight decay)",
                              "Krogh & Hertz 1992", minimum=0.0), "optimizer"),
        Regulariser(Parameter("dropout", "number", 0.0, "probability of dropping a hidden unit in training "
                              "(each seed its own masks); off when recording", "Srivastava et al. 2014",
                              minimum=0.0, maximum=0.95), "network"),
        Regulariser(Parameter("batch_norm", "boolean", False, "batch normalisation before each hidden "
                              "activation (each seed its own batch statistics; running averages when recording)",
                              "Ioffe & Szegedy 2015"), "network"),
    )
}  # fmt: skip
