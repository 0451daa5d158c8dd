"""Checks shared by the study sections that name one estimator entry and constrain every
experiment's record (``generalisation``, ``stopping``): the entry must be one instance of an
estimator that measures one network at one epoch, and problems name the key a user wrote."""

from __future__ import annotations

from collections.abc import Mapping

from . import estimators
from .instances import Instance, expand_instances

__all__ = ["single_network_instance", "record_key"]


def single_network_instance(
    config: Mapping, section: str, purpose: str, *, inputs: bool = False
) -> tuple[Instance | None, str | None]:
    """The instance that ``config[section]["estimator"]`` names, or a problem
    (``<section>.estimator: ...``) when the entry is undefined, sweeps a parameter, pools seeds
    or epochs, or (unless ``inputs``: the section's estimates come from the estimation jobs,
    which pass the inputs) reads the inputs. ``purpose`` says what the section measures with it."""
    name = config[section]["estimator"]
    where = f"{section}.estimator: {name!r}"
    if name not in config["estimators"]:
        return None, f"{where} is not defined under estimators (defined: {sorted(config['estimators'])})"
    instances = expand_instances(config["estimators"])
    if name not in instances:
        return None, f"{where} sweeps a parameter; {purpose} need(s) one estimator instance (give the value an entry of its own)"
    instance = instances[name]
    module = estimators.get(instance.method)
    if getattr(module, "POOLS", None) or (getattr(module, "USES_INPUTS", False) and not inputs):
        return None, (f"{where} ({instance.method}) pools seeds or epochs{'' if inputs else ' or reads the inputs'}; "
                      f"{purpose} need(s) one network's layer at one epoch (binning, adaptive_binning, kde, noisy"
                      f"{', knn' if inputs else ''})")
    return instance, None


def record_key(config: Mapping, experiment: str) -> str:
    """Where an experiment's ``record`` is written: ``experiments.<name>.record`` when it sets
    its own, else ``training.record``."""
    own = "record" in (config["experiments"][experiment] or {})
    return f"experiments.{experiment}.record" if own else "training.record"
