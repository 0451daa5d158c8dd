"""Mutual-information estimators and their registry.

Every estimator is one module of this package that declares what it is and exposes one
function; the registry below maps the names used in the config (``estimator:`` key) to them.

Required in a module
--------------------
``PARAMETERS``
    tuple of :class:`~infoplane.params.Parameter`: names, types, defaults and
    literature sources. The config schema (:func:`config_schema`), the parameter check and
    the report's description all come from it.
``SOURCE``
    the literature reference of the estimator.
``check_params(**params) -> dict``
    validates the parameters against ``PARAMETERS`` (plus any cross-check) and completes them.
``describe(params) -> str``
    a LaTeX phrase that defines an instance, for the report.
``information_plane(activations, labels, **params, device=None) -> (I_XT, I_TY)``
    ``activations`` [..., N, d] (one layer, leading dimensions such as epochs and seeds
    computed in one batched call), ``labels`` [N]; results in bits with the leading shape.

Optional
--------
``POOLS = "seeds" | "epochs"``
    a pooled estimator: ``activations`` [..., S, N, d] are S samples of p(t|x) (seeds of an
    experiment, or a window of epochs), ``BASES`` lists the estimators it can pool with, and
    ``params`` hold ``base`` and the base's own parameters.
``USES_INPUTS = True``
    ``information_plane`` takes ``inputs`` [N, d_x], the network's inputs X.
``NOISE_MODEL = True``
    the estimator reads T as T + Z, Z ~ N(0, noise_variance I): validation hands it the
    noise-free layer and the task's noise variance.
``STANDARD_ERRORS = True``
    ``information_plane(..., return_standard_error=True)`` also returns the Monte Carlo
    standard errors of I_XT and I_TY.
``shared_pass(params) -> key | None`` and ``information_planes(activations, labels, params_list, ...)``
    instances whose keys are equal (and not None) are computed in one pass, in one job.
``data_problems(params, *, n_samples, n_epochs) -> list[str]``
    what the recorded data of an experiment (``n_samples`` probe rows, None when unknown before
    the data are built; ``n_epochs`` recorded epochs) cannot give these parameters, each said
    with the value; checked with the config at start-up (:func:`data_problems`).
``PARALLEL = True``
    the estimator keeps more than one core busy (torch's intra-op threads): a workflow job
    running it gets the config's ``threads.estimate``, any other job one thread
    (:func:`uses_threads`; a pooled estimator follows its base).
``width_problems(params, *, widths, input_width) -> list[str]``
    the layers (``widths``: units of every recorded layer, the flattened T, output last) and
    inputs (``input_width`` values per input X) at which the estimator no longer means
    anything or cannot run, each said with the value and the reason; checked with the config
    at start-up (:func:`width_problems`), for a pooled estimator's base too.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType

from ..params import params_schema

__all__ = [
    "REGISTRY",
    "get",
    "check_params",
    "describe",
    "config_schema",
    "information_plane",
    "module_names",
    "data_problems",
    "width_problems",
    "uses_threads",
]

#: Config name -> module (under infoplane.estimators).
REGISTRY: dict[str, str] = {
    "binning": "binning",
    "adaptive_binning": "adaptive_binning",
    "kde": "kde",
    "noisy": "noisy",
    "knn": "knn",
    "ensemble": "ensemble",
    "air": "air",
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


def check_params(name: str, params: Mapping) -> dict:
    """Validate ``params`` of estimator ``name``; returns them completed with defaults.

    Raises
    ------
    ValueError
        Naming the estimator and the unknown parameter or bad value.
    """
    module = get(name)
    try:
        return module.check_params(**params)
    except (TypeError, ValueError) as error:
        raise ValueError(f"estimator {name!r}: {error}") from None


def describe(name: str, params: Mapping) -> str:
    """LaTeX phrase defining an instance of estimator ``name`` with (checked) ``params``."""
    return get(name).describe(dict(params))


def data_problems(name: str, params: Mapping, *, n_samples: int | None, n_epochs: int, stride: int = 1) -> list[str]:
    """What an experiment's recorded data (``n_samples`` probe rows, None when unknown; ``n_epochs``
    recorded epochs) cannot give estimator ``name`` with ``params``: its module's
    ``data_problems``, if it declares one; empty otherwise."""
    check = getattr(get(name), "data_problems", None)
    return list(check(dict(params), n_samples=n_samples, n_epochs=n_epochs)) if check else []


def width_problems(name: str, params: Mapping, *, widths, input_width: int) -> list[str]:
    """What estimator ``name`` with ``params`` (and its base, for a pooled estimator) cannot
    measure on an experiment whose recorded layers have ``widths`` units (output last) and whose
    inputs have ``input_width`` values: the modules' ``width_problems``, where declared."""
    problems = []
    for module_name in module_names(name, params):
        check = getattr(importlib.import_module(module_name), "width_problems", None)
        if check:
            problems.extend(check(dict(params), widths=list(widths), input_width=int(input_width)))
    return problems


def uses_threads(name: str, params: Mapping | None = None) -> bool:
    """Whether estimator ``name`` (or, pooled, its base) declares ``PARALLEL``: it uses more
    than one thread, so that a job computing it is given more than one."""
    return any(getattr(importlib.import_module(m), "PARALLEL", False) for m in module_names(name, params))


def information_plane(name: str, activations, labels, **params):
    """Run estimator ``name``: ``(I_XT, I_TY)`` in bits, see the module docstring."""
    return get(name).information_plane(activations, labels, **params)


def module_names(name: str, params: Mapping | None = None) -> list[str]:
    """Modules whose code computes estimator ``name`` (with its base, for a pooled estimator):
    the roots of the import closure that decides when its results are recomputed."""
    modules = [f"{__name__}.{REGISTRY[name]}"]
    base = (params or {}).get("base")
    if base is not None:
        modules.append(f"{__name__}.{REGISTRY[base]}")
    return modules


def _params_schema(name: str) -> dict:
    module = get(name)
    bases = getattr(module, "BASES", ())
    if not bases:
        return params_schema(module.PARAMETERS)
    default = next(p.default for p in module.PARAMETERS if p.name == "base")
    branches = []
    for base in bases:
        chosen = {"properties": {"base": {"const": base}}, "required": ["base"]}
        if base == default:
            chosen = {"anyOf": [{"not": {"required": ["base"]}}, chosen]}
        branches.append({"if": chosen, "then": params_schema(module.PARAMETERS + get(base).PARAMETERS)})
    return {"type": "object", "allOf": branches}


def _skip_schema() -> dict:
    from ..skipping import skip_schema

    return skip_schema()


def config_schema() -> dict:
    """JSON schema of one entry of the config's ``estimators`` section, generated from the
    declared parameters of every registered estimator (each parameter may be a list: a sweep)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["estimator"],
        "properties": {
            "estimator": {"description": "a registered estimator (infoplane.estimators.REGISTRY)",
                          "enum": list(REGISTRY)},
            "params": {"type": "object"},
            "stride": {"description": "estimate every stride-th recorded epoch (and the last); default 1",
                       "type": "integer", "minimum": 1},
            "skip": _skip_schema(),
        },
        "allOf": [
            {"if": {"properties": {"estimator": {"const": name}}, "required": ["estimator"]},
             "then": {"properties": {"params": _params_schema(name)}}}
            for name in REGISTRY
        ],
    }  # fmt: skip
