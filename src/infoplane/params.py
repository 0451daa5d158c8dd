"""Declared parameters: the one place that says what a parameter is.

Every estimator, model family, optimiser and regulariser lists its parameters once, as a tuple
``PARAMETERS`` of :class:`Parameter`. From that declaration come

* the check of a call's parameters (:func:`check`, used by each module's ``check_params``),
* the JSON schema of the config's ``estimators.<name>.params`` (:func:`params_schema`, which
  also allows a list of values: a sweep, one estimator instance per value),
* the parameter rows of the report's estimator table (:func:`describe_values`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Parameter", "check", "params_schema", "describe_values", "format_value"]

_KINDS = ("integer", "number", "string", "boolean", "integers")


@dataclass(frozen=True)
class Parameter:
    """One parameter of an estimator.

    Attributes
    ----------
    name : keyword of ``information_plane`` and key in the config's ``params``.
    kind : ``"integer"``, ``"number"``, ``"string"``, ``"boolean"`` or ``"integers"`` (a
        non-empty list of integers, each within the bounds, e.g. layer widths).
    default : value when the parameter is not given (the literature's); ``None`` means the
        parameter is optional and unset by default (e.g. one of two alternatives).
    description : what it is, with units.
    source : where the definition and default come from (paper, section or equation).
    minimum, exclusive_minimum, maximum : bounds for numbers.
    choices : allowed values for strings.
    """

    name: str
    kind: str
    default: Any
    description: str
    source: str = ""
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    choices: tuple | None = None

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"parameter {self.name}: kind must be one of {_KINDS}, got {self.kind!r}")

    def schema(self) -> dict:
        """JSON schema of one value."""
        if self.choices is not None:
            return {"enum": list(self.choices)}
        if self.kind == "boolean":
            return {"type": "boolean"}
        if self.kind == "integers":
            item = Parameter(self.name, "integer", None, "", minimum=self.minimum, maximum=self.maximum).schema()
            return {"type": "array", "minItems": 1, "items": item}
        out: dict = {"type": self.kind}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.exclusive_minimum is not None:
            out["exclusiveMinimum"] = self.exclusive_minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out

    def check(self, value):
        """``value`` converted to the parameter's type; ``None`` stays ``None``.

        Raises
        ------
        ValueError
            Naming the parameter and the bad value.
        """
        if value is None:
            return None
        bad = f"{self.name} must be "
        if self.kind == "string":
            if self.choices is not None and value not in self.choices:
                raise ValueError(f"{bad}one of {list(self.choices)}, got {value!r}")
            if not isinstance(value, str):
                raise ValueError(f"{bad}a string, got {value!r}")
            return value
        if self.kind == "boolean":
            if not isinstance(value, bool):
                raise ValueError(f"{bad}true or false, got {value!r}")
            return value
        if self.kind == "integers":
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"{bad}a non-empty list of integers, got {value!r}")
            item = Parameter(self.name, "integer", None, "", minimum=self.minimum, maximum=self.maximum)
            return [item.check(v) for v in value]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{bad}a finite {self.kind}, got {value!r}")
        given = value
        if self.kind == "integer":
            if int(value) != value:
                raise ValueError(f"{bad}an integer, got {given!r}")
            value = int(value)
        else:
            value = float(value)
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{bad}>= {self.minimum:g}, got {given!r}")
        if self.exclusive_minimum is not None and not value > self.exclusive_minimum:
            raise ValueError(f"{bad}> {self.exclusive_minimum:g}, got {given!r}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{bad}<= {self.maximum:g}, got {given!r}")
        return value


def check(parameters: Sequence[Parameter], params: Mapping) -> dict:
    """``params`` checked against the declarations and completed with their defaults.

    Returns a dict with one entry per declared parameter, in declaration order.

    Raises
    ------
    ValueError
        For an undeclared parameter (naming it and the declared ones) or a bad value.
    """
    names = [p.name for p in parameters]
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; declared parameters: {names}")
    return {p.name: p.check(params.get(p.name, p.default)) for p in parameters}


def params_schema(parameters: Sequence[Parameter]) -> dict:
    """JSON schema of a config ``params`` mapping: each parameter a value or a list of values
    (a sweep); no other keys."""
    properties = {}
    for p in parameters:
        one = p.schema()
        properties[p.name] = {
            "description": f"{p.description} (default {p.default!r}; {p.source})".replace("(default None; ", "("),
            "anyOf": [one, {"type": "array", "minItems": 1, "uniqueItems": True, "items": one}],
        }
    return {"type": "object", "additionalProperties": False, "properties": properties}


def format_value(value) -> str:
    """A parameter value as it appears in names and figures: ``1e-03`` → ``0.001``."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "-".join(format_value(v) for v in value)
    return str(value)


def describe_values(parameters: Sequence[Parameter], params: Mapping) -> str:
    """``name = value`` for every set parameter, in declaration order (plain text)."""
    return ", ".join(f"{p.name} = {format_value(params[p.name])}" for p in parameters if params.get(p.name) is not None)
