"""Optimisers, each with its hyper-parameters, declared once.

The config names one (``optimizer: <name>``) and sets its hyper-parameters under
``optimizer_params`` (each checked against the declaration, defaults filled in); the learning
rate (``learning_rate``) and the L2 weight decay (``weight_decay``, a regulariser) are keys of
their own. Every optimiser here acts elementwise, so one optimiser over the stacked parameters
of S seeds ([S, ...] tensors) keeps each seed's state to itself: it equals S separate ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..params import Parameter, check, describe_values
from .activations import resolve

__all__ = ["Optimizer", "OPTIMIZERS"]


@dataclass(frozen=True)
class Optimizer:
    """One optimiser.

    Attributes
    ----------
    name : the config's name.
    label : its name in print (``Adam``).
    source : the paper or documentation that defines it.
    parameters : its hyper-parameters (besides learning rate and weight decay).
    torch_class : dotted path of the torch optimiser (imported when one is built).
    arguments : the hyper-parameters (checked, defaults filled in) -> the torch class's keyword
        arguments besides ``lr`` and ``weight_decay``.
    """

    name: str
    label: str
    source: str
    parameters: tuple[Parameter, ...]
    torch_class: str
    arguments: Callable

    def check_params(self, params: Mapping | None) -> dict:
        """The hyper-parameters completed with their defaults; ValueError names a bad one."""
        return check(self.parameters, params or {})

    def describe(self, params: Mapping, learning_rate: float, weight_decay: float = 0.0) -> str:
        """``Adam (beta1 = 0.9, ...), lr 0.0004`` (plain text) for the report's set-up table."""
        values = describe_values(self.parameters, self.check_params(params))
        return f"{self.label}{f' ({values})' if values else ''}, lr {learning_rate:g}" + (
            f", weight decay {weight_decay:g}" if weight_decay else "")

    def build(self, tensors, learning_rate: float, weight_decay: float = 0.0, params: Mapping | None = None):
        """The torch optimiser over ``tensors``."""
        cls = resolve(self.torch_class)
        return cls(tensors, lr=float(learning_rate), weight_decay=float(weight_decay), **self.arguments(self.check_params(params)))


def _momentum(default: float) -> Parameter:
    return Parameter("momentum", "number", default, "momentum (heavy ball) coefficient", "torch.optim.SGD",
                     minimum=0.0, maximum=0.999999)  # fmt: skip


_BETAS = (
    Parameter("beta1", "number", 0.9, "decay of the first-moment average", "Kingma & Ba 2015, Alg. 1",
              minimum=0.0, maximum=0.999999),
    Parameter("beta2", "number", 0.999, "decay of the second-moment average", "Kingma & Ba 2015, Alg. 1",
              minimum=0.0, maximum=0.999999),
    Parameter("eps", "number", 1e-8, "added to the root of the second moment", "Kingma & Ba 2015, Alg. 1",
              exclusive_minimum=0.0),
)  # fmt: skip


def _no_arguments(params):
    return {}


def _sgd_momentum(nesterov: bool):
    return lambda params: {"momentum": params["momentum"], "nesterov": nesterov, "fused": True}


OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer("sgd", "SGD", "plain stochastic gradient descent", (), "torch.optim.SGD", lambda p: {"fused": True}),
        Optimizer("momentum", "SGD with momentum", "Polyak 1964", (_momentum(0.9),), "torch.optim.SGD", _sgd_momentum(False)),
        Optimizer("nesterov", "Nesterov SGD", "Sutskever et al. 2013", (_momentum(0.9),), "torch.optim.SGD",
                  _sgd_momentum(True)),
        Optimizer("adam", "Adam", "Kingma & Ba 2015", _BETAS, "torch.optim.Adam",
                  lambda p: {"betas": (p["beta1"], p["beta2"]), "eps": p["eps"], "fused": True}),
        Optimizer("rmsprop", "RMSprop", "Tieleman & Hinton 2012, lecture 6.5 (PyTorch's defaults)", (
            Parameter("alpha", "number", 0.99, "decay of the squared-gradient average", "torch.optim.RMSprop",
                      minimum=0.0, maximum=0.999999),
            Parameter("eps", "number", 1e-8, "added to the root of the average", "torch.optim.RMSprop", exclusive_minimum=0.0),
            _momentum(0.0),
        ), "torch.optim.RMSprop", lambda p: dict(p)),
    )
}  # fmt: skip
