"""Mutual-information estimators and their registry.

Every estimator module exposes

``information_plane(activations, labels, **params) -> (I_XT, I_TY)``
    ``activations`` [..., N, d] (one layer, leading dimensions such as epochs and seeds
    computed in one batched call), ``labels`` [N]; results in bits with the leading shape.
``check_params(**params) -> dict``
    validates the parameters and fills in the literature defaults.

:data:`REGISTRY` maps the names used in the config (``estimator:`` key) to the modules.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

__all__ = ["REGISTRY", "get", "check_params", "information_plane", "source_files"]

#: Config name -> module (under infoplane.estimators).
REGISTRY: dict[str, str] = {
    "binning": "binning",
    "kde": "kde",
}


def get(name: str) -> ModuleType:
    """The estimator module registered as ``name``.

    Raises
    ------
    ValueError
        If no estimator of that name is registered.
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown estimator {name!r}; registered estimators: {sorted(REGISTRY)}")
    return importlib.import_module(f"{__name__}.{REGISTRY[name]}")


def check_params(name: str, params: dict) -> dict:
    """Validate ``params`` of estimator ``name``; returns them completed with defaults.

    Raises
    ------
    ValueError
        Naming the estimator and the unknown parameter or bad value.
    """
    module = get(name)
    try:
        return module.check_params(**params)
    except TypeError as error:  # unexpected keyword
        raise ValueError(f"estimator {name!r}: {error}".replace("check_params() ", "")) from None
    except ValueError as error:
        raise ValueError(f"estimator {name!r}: {error}") from None


def information_plane(name: str, activations, labels, **params):
    """Run estimator ``name``: ``(I_XT, I_TY)`` in bits, see the module docstring."""
    return get(name).information_plane(activations, labels, **params)


def source_files(name: str) -> list[Path]:
    """Source files whose content determines estimator ``name``'s results (for rerun hashes)."""
    here = Path(__file__).parent
    return [here / f"{REGISTRY[name]}.py", here / "_common.py", here / "__init__.py"]
