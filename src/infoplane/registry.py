"""Registries of declaration modules (model families, dataset sources): a name maps to an
importable module that declares a fixed set of things; one lookup and one registration for all."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

__all__ = ["lookup", "add"]


def lookup(registry: dict[str, str], kind: str, name: str) -> ModuleType:
    """The module registered as ``name``; ValueError naming the ``kind`` and the registered names."""
    if name not in registry:
        raise ValueError(f"unknown {kind} {name!r}; registered: {sorted(registry)}")
    return importlib.import_module(registry[name])


def add(registry: dict[str, str], kind: str, name: str, module: str | ModuleType, required: Sequence[str]) -> None:
    """Register ``module`` (an importable name or the module) as ``name``.

    Raises
    ------
    ValueError
        If the module lacks one of ``required`` (naming them) or ``name`` is taken by another module.
    """
    module_name = module if isinstance(module, str) else module.__name__
    found = importlib.import_module(module_name) if isinstance(module, str) else module
    missing = [attribute for attribute in required if not hasattr(found, attribute)]
    if missing:
        raise ValueError(f"{kind} {name!r} ({module_name}) does not declare {missing}")
    if registry.get(name, module_name) != module_name:
        raise ValueError(f"{kind} {name!r} is already registered as {registry[name]}")
    registry[name] = module_name
