"""Epoch skipping (seed 003, section "Skipping epochs"): measure the information plane only at
some epochs, chosen while measuring, and say what that costs in error.

:mod:`~infoplane.skipping.selection` holds the selection methods, each a function of an oracle
``measure(epoch) -> values`` (one epoch's I(X;T) and I(T;Y) per layer, float [L, 2]) over the
epochs that can be measured:

* ``simple``: every n-th epoch (and the last);
* ``delta_exact``: the skip grows by ``multiplier`` while consecutive measured epochs stay within
  a distance ``delta``; where they do not, the gap is bisected (seed 003's Figures 9-10) until
  every pair of consecutive measured epochs is within ``delta`` or adjacent;
* ``delta_approximate``: the same without bisecting (Figure 12);
* ``delta_exact_parallel``: ``delta_exact``'s epochs, measured in rounds: the next section's end
  and the bisection of every open gap together (seed 003: "backtracking and the next section in
  parallel").

The distance between two epochs (seed 003, eqs. 23-24, with the absolute change as issue 17
asks) is the largest change of any layer's I(X;T) or I(T;Y), optionally each divided by H(X)
resp. H(Y). :func:`~infoplane.skipping.selection.interpolation_error` measures a selection
against every epoch's values (the ground truth).
"""

from collections.abc import Mapping

from ..params import Parameter, check
from .selection import (METHODS, Selection, delta_approximate, delta_exact, delta_exact_parallel, distance,
                        interpolation_error, simple)  # fmt: skip

__all__ = ["Selection", "distance", "simple", "delta_exact", "delta_approximate", "delta_exact_parallel",
           "interpolation_error", "METHODS", "SETTINGS", "check_skip", "skip_schema", "STUDY_SETTINGS", "study_schema",
           "is_skipping_study", "study_problems"]  # fmt: skip

#: An estimator entry's ``skip`` mapping (its ``method`` one of :data:`METHODS`).
SETTINGS = (
    Parameter("n", "integer", None, "simple: measure every n-th epoch (and the last)", "seed 003, Simple Skip", minimum=1),
    Parameter("delta", "number", None, "delta methods: the largest distance between consecutive measured epochs, bits "
              "(with normalise: a fraction of H(X) resp. H(Y))", "seed 003, eqs. 23-24", exclusive_minimum=0.0),
    Parameter("multiplier", "integer", 2, "delta methods: the skip's growth factor after a pass", "seed 003, Figure 9",
              minimum=2),
    Parameter("normalise", "boolean", False, "delta methods: divide each change by H(X) = log2 P resp. H(Y) of the "
              "probe (eq. 24)", "seed 003, eq. 24"),
    Parameter("workers", "integer", 1, "delta_exact_parallel: estimator calls run at once per round", minimum=1),
)  # fmt: skip
_NEEDS = {"simple": ("n",), "delta_exact": ("delta",), "delta_approximate": ("delta",), "delta_exact_parallel": ("delta",)}


def check_skip(spec: Mapping) -> dict:
    """An entry's ``skip`` checked and completed: ``method`` and its parameters (defaults
    filled in; ``n`` only for simple, ``delta`` for the delta methods).

    Raises
    ------
    ValueError
        Naming the key: an unknown method, a missing or foreign parameter, a bad value.
    """
    spec = dict(spec or {})
    method = spec.pop("method", None)
    if method not in METHODS:
        raise ValueError(f"method: {method!r}; expected one of {list(METHODS)}")
    out = check(SETTINGS, spec)
    for name in _NEEDS[method]:
        if out.get(name) is None:
            raise ValueError(f"{name}: required by method {method!r}")
    foreign = [p.name for p in SETTINGS if p.name in spec and p.name not in _NEEDS[method]
               and not (method.startswith("delta") and p.name in ("multiplier", "normalise"))
               and not (method == "delta_exact_parallel" and p.name == "workers")]  # fmt: skip
    if foreign:
        raise ValueError(f"{foreign[0]}: not a parameter of method {method!r}")
    keep = set(_NEEDS[method]) | ({"multiplier", "normalise"} if method.startswith("delta") else set())
    keep |= {"workers"} if method == "delta_exact_parallel" else set()
    return {"method": method, **{k: v for k, v in out.items() if k in keep}}


def skip_schema() -> dict:
    """JSON schema of an entry's ``skip`` (the values are checked by :func:`check_skip`)."""
    properties = {p.name: {"description": p.description, **p.schema()} for p in SETTINGS}
    properties["method"] = {"description": "simple, delta_exact, delta_approximate or delta_exact_parallel (seed 003)",
                            "enum": list(METHODS)}  # fmt: skip
    return {"description": "measure only some epochs (seed 003's epoch skipping, infoplane.skipping); needs "
                           "record.keep_weights or records the curve only at the recorded epochs",
            "type": "object", "additionalProperties": False, "required": ["method"], "properties": properties}  # fmt: skip


#: The skipping study's section (``skipping`` in a config): its scalar settings.
STUDY_SETTINGS = (
    Parameter("multiplier", "integer", 2, "the delta methods' skip growth factor", "seed 003, Figure 9", minimum=2),
    Parameter("normalise", "boolean", False, "the delta methods' distance over H(X), H(Y) (eq. 24)", "seed 003, eq. 24"),
    Parameter("workers", "integer", 2, "cores the parallel method's rounds run on (its wall seconds)", minimum=1),
    Parameter("resamples", "integer", 2000, "bootstrap resamples of the seeds", minimum=100),
    Parameter("confidence", "number", 0.95, "level of the intervals", exclusive_minimum=0.0, maximum=0.999),
    Parameter("bootstrap_seed", "integer", 0, "seed of the bootstrap", minimum=0),
)  # fmt: skip


def study_schema() -> dict:
    """JSON schema of the config's ``skipping`` section (the epoch-skipping study)."""
    properties = {p.name: {"description": p.description, **p.schema()} for p in STUDY_SETTINGS}
    listed = {"type": "array", "minItems": 1, "uniqueItems": True}
    properties["estimators"] = {"description": "entries of `estimators` measured at every epoch (the truth) and "
                                               "skipped", **listed, "items": {"type": "string"}}  # fmt: skip
    properties["methods"] = {
        "description": "the variants: simple with a list of n, each delta method with a list of delta (bits)",
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "properties": {
            "simple": {"type": "object", "additionalProperties": False, "required": ["n"],
                       "properties": {"n": {**listed, "items": {"type": "integer", "minimum": 1}}}},
            **{m: {"type": "object", "additionalProperties": False, "required": ["delta"],
                   "properties": {"delta": {**listed, "items": {"type": "number", "exclusiveMinimum": 0}}}}
               for m in METHODS if m != "simple"},
        },
    }  # fmt: skip
    return {"description": "seed 003's epoch skipping against every epoch (infoplane.skipping.study)", "type": "object",
            "additionalProperties": False, "required": ["estimators", "methods"], "properties": properties}


def is_skipping_study(config: Mapping) -> bool:
    """Whether the config declares the epoch-skipping study."""
    return bool(config.get("skipping"))


def study_problems(config: dict, settings_of) -> list[str]:
    """The section checked and completed in place; its estimators defined, one instance each,
    not pooling, without their own ``skip`` or ``stride``; every experiment keeping its weights;
    no other study section. Returns ``key: message`` problems."""
    from .. import estimators
    from ..instances import expand_instances

    if not is_skipping_study(config):
        return []
    section = config["skipping"]
    try:
        section.update(check(STUDY_SETTINGS, {k: v for k, v in section.items() if k not in ("estimators", "methods")}))
    except ValueError as error:
        return [f"skipping.{error}"]
    problems = [f"{other}: a skipping study cannot also be a {other} study; give each its own config"
                for other in ("generalisation", "stopping", "gan") if config.get(other) is not None]  # fmt: skip
    instances = expand_instances(config["estimators"])
    for name in section["estimators"]:
        entry = config["estimators"].get(name)
        if entry is None:
            problems.append(f"skipping.estimators: {name!r} is not defined under estimators")
            continue
        if name not in instances:
            problems.append(f"skipping.estimators: {name!r} sweeps a parameter; give each value an entry of its own")
            continue
        if entry.get("skip") or int(entry.get("stride", 1)) != 1:
            problems.append(f"estimators.{name}: the study measures it at every epoch itself; remove its skip and stride")
        if getattr(estimators.get(instances[name].method), "POOLS", None):
            problems.append(f"skipping.estimators: {name!r} pools seeds or epochs; a selection follows one network's curve")
    for experiment in config["experiments"]:
        if not settings_of(experiment)["record"].get("keep_weights"):
            problems.append(f"experiments.{experiment}.record.keep_weights: the skipping study measures every epoch from "
                            "the kept weights; set keep_weights: true")
    return problems
