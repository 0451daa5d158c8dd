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
    make : ``make(tensors, lr, weight_decay, **params) -> torch.optim.Optimizer``.
    """

    name: str
    label: str
    source: str
    parameters: tuple[Parameter, ...]
    make: Callable

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
        return self.make(tensors, float(learning_rate), float(weight_decay), **self.check_params(params))


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


def _sgd(tensors, lr, weight_decay):
    import torch

    return torch.optim.SGD(tensors, lr=lr, weight_decay=weight_decay, fused=True)


def _sgd_momentum(nesterov: bool):
    def make(tensors, lr, weight_decay, momentum):
        import torch

        return torch.optim.SGD(tensors, lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay, fused=True)

    return make


def _adam(tensors, lr, weight_decay, beta1, beta2, eps):
    import torch

    return torch.optim.Adam(tensors, lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, fused=True)


def _rmsprop(tensors, lr, weight_decay, alpha, eps, momentum):
    import torch

    return torch.optim.RMSprop(tensors, lr=lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay)


OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer("sgd", "SGD", "plain stochastic gradient descent (torch.optim.SGD)", (), _sgd),
        Optimizer("momentum", "SGD with momentum", "Polyak 1964 (torch.optim.SGD)", (_momentum(0.9),), _sgd_momentum(False)),
        Optimizer("nesterov", "Nesterov SGD", "Sutskever et al. 2013 (torch.optim.SGD, nesterov)", (_momentum(0.9),),
                  _sgd_momentum(True)),
        Optimizer("adam", "Adam", "Kingma & Ba 2015 (torch.optim.Adam)", _BETAS, _adam),
        Optimizer("rmsprop", "RMSprop", "Tieleman & Hinton 2012, lecture 6.5 (torch.optim.RMSprop; PyTorch's defaults)", (
            Parameter("alpha", "number", 0.99, "decay of the squared-gradient average", "torch.optim.RMSprop",
                      minimum=0.0, maximum=0.999999),
            Parameter("eps", "number", 1e-8, "added to the root of the average", "torch.optim.RMSprop", exclusive_minimum=0.0),
            _momentum(0.0),
        ), _rmsprop),
    )
}  # fmt: skip
