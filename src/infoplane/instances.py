"""Estimator instances and estimation jobs, resolved from a validated config.

An entry of the config's ``estimators`` section is one *instance* of a registered estimator, or,
when some of its parameters are lists, a *sweep*: one instance per combination of values, named
``<entry>-<parameter>-<value>`` (e.g. ``binning_sb18-bin_size-0.07``), so that a sweep is one
line of config::

    estimators:
      binning_sb18:
        estimator: binning
        params: {bin_size: [0.01, 0.07, 0.5]}

Instances of one experiment that an estimator can compute in one pass (equal
``shared_pass(params)`` keys, e.g. the KDE upper and lower bounds with the same noise variance)
form one *job*: one ``estimate`` run and one table; the others are jobs of their own.

An entry's optional ``stride`` (default 1) estimates only every ``stride``-th recorded epoch (and
the last): a cost control for slow estimators such as k-NN on large layers. Its optional ``skip``
(:mod:`infoplane.skipping`) measures only the epochs a selection method of seed 003 picks while
measuring; such an instance is a job of its own.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import estimators
from .params import format_value

__all__ = ["Instance", "Job", "expand_instances", "estimation_jobs", "sweeps"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


@dataclass(frozen=True)
class Instance:
    """One estimator instance: its name, method (registered estimator), complete parameters,
    the config entry it comes from and, for a sweep, the swept parameters' values."""

    name: str
    method: str
    params: dict
    entry: str
    swept: dict = field(default_factory=dict)
    stride: int = 1
    skip: dict | None = None


@dataclass(frozen=True)
class Job:
    """Instances of one method computed together (one ``estimate`` run, one table), on every
    ``stride``-th recorded epoch."""

    name: str
    method: str
    instances: tuple[str, ...]
    stride: int = 1
    skip: dict | None = None


def expand_instances(entries: Mapping[str, Mapping]) -> dict[str, Instance]:
    """Instances of the config's ``estimators`` section, sweeps expanded, parameters checked.

    Raises
    ------
    ValueError
        Naming the entry, for a bad parameter or a name that two instances would share.
    """
    from . import skipping

    out: dict[str, Instance] = {}
    for entry, spec in entries.items():
        method = spec["estimator"]
        skip = None
        if spec.get("skip") is not None:
            try:
                skip = skipping.check_skip(spec["skip"])
            except ValueError as error:
                raise ValueError(f"estimators.{entry}.skip.{error}") from None
            if int(spec.get("stride", 1)) != 1:
                raise ValueError(f"estimators.{entry}: give skip or stride, not both (skip chooses the epochs itself)")
            if getattr(estimators.get(method), "POOLS", None):
                raise ValueError(f"estimators.{entry}.skip: estimator {method!r} pools seeds or epochs; a selection "
                                 "follows one network's curve (binning, adaptive_binning, kde, noisy, knn)")
        raw = dict(spec.get("params") or {})
        swept = [key for key, value in raw.items() if isinstance(value, list)]
        for values in itertools.product(*(raw[key] for key in swept)):
            chosen = dict(zip(swept, values))
            try:
                params = estimators.check_params(method, {**raw, **chosen})
            except ValueError as error:
                where = "".join(f" with {k} = {format_value(v)}" for k, v in chosen.items())
                raise ValueError(f"estimators.{entry}.params{where}: {error}") from None
            name = entry + "".join(f"-{key}-{format_value(value)}" for key, value in chosen.items())
            if not _NAME.match(name):
                raise ValueError(f"estimators.{entry}: instance name {name!r} has characters other than letters, digits and _.+-")
            if name in out:
                raise ValueError(f"estimators.{entry}: instance name {name!r} is used twice")
            out[name] = Instance(name, method, params, entry, chosen, int(spec.get("stride", 1)), skip)
    return out


def sweeps(instances: Mapping[str, Instance]) -> dict[str, list[Instance]]:
    """Config entries that sweep a parameter -> their instances, in config order."""
    groups: dict[str, list[Instance]] = {}
    for instance in instances.values():
        if instance.swept:
            groups.setdefault(instance.entry, []).append(instance)
    return groups


def _job_name(names: Sequence[str]) -> str:
    name = "+".join(names)
    if len(name) <= 100:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{names[0]}+{len(names) - 1}-more-{digest}"


def estimation_jobs(instances: Mapping[str, Instance], names: Sequence[str]) -> list[Job]:
    """Jobs computing the instances ``names`` (of one experiment), in their order.

    Instances of a method that defines ``shared_pass(params)`` with equal, non-None keys share
    a job; every other instance is a job of its own, named like the instance.
    """
    jobs: list[list[str]] = []
    keys: dict[tuple, int] = {}
    for name in names:
        instance = instances[name]
        module = estimators.get(instance.method)
        key = module.shared_pass(instance.params) if hasattr(module, "shared_pass") else None
        if key is not None and instance.skip is None:  # a selection follows its own instance's curve
            key = (instance.method, instance.stride, key)
            if key in keys:
                jobs[keys[key]].append(name)
                continue
            keys[key] = len(jobs)
        jobs.append([name])
    jobs = [sorted(members) for members in jobs]  # names independent of the config's key order
    return [Job(_job_name(m), instances[m[0]].method, tuple(m), instances[m[0]].stride, instances[m[0]].skip) for m in jobs]
