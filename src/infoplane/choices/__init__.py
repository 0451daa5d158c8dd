"""Named choices of a network's training, each declared once: activations, initialisations,
optimisers and regularisers.

Every choice is one declaration (a dataclass instance in its module's registry). The config
schema's enums, the config check, the range checks of recorded activations, the report's set-up
table and the README's option list all come from these declarations; the training code looks
them up by name. The declarations import no torch (the report's job has none): what runs on
tensors is a function of the declaration that imports torch when it is called.

A user adds a choice by declaring it in a module of their own and registering it
(:func:`register`), then naming that module under the config's ``plugins`` key.
"""

from __future__ import annotations

from .activations import ACTIVATIONS, Activation
from .initialisations import INITIALISATIONS, Initialisation
from .optimizers import OPTIMIZERS, Optimizer
from .regularisers import REGULARISERS, Regulariser

__all__ = [
    "ACTIVATIONS", "Activation", "INITIALISATIONS", "Initialisation", "OPTIMIZERS", "Optimizer",
    "REGULARISERS", "Regulariser", "register",
]  # fmt: skip

_REGISTRIES = {
    Activation: ACTIVATIONS,
    Initialisation: INITIALISATIONS,
    Optimizer: OPTIMIZERS,
    Regulariser: REGULARISERS,
}


def register(choice) -> None:
    """Add a declared choice (an :class:`Activation`, :class:`Initialisation` or
    :class:`Optimizer`) to its registry.

    Raises
    ------
    ValueError
        If a choice of that kind and name is already registered, or ``choice`` is none of the
        declarations.
    """
    for cls, reg in _REGISTRIES.items():
        if isinstance(choice, cls):
            if choice.name in reg and reg[choice.name] is not choice:
                raise ValueError(f"a {cls.__name__.lower()} named {choice.name!r} is already registered")
            reg[choice.name] = choice
            return
    raise ValueError(f"not a declared choice: {choice!r}")
