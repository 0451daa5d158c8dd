"""Model families and their registry: every network the workflow trains is one family module.

A family module declares, once:

``PARAMETERS``
    tuple of :class:`~infoplane.params.Parameter`: the family's own settings (the keys beside
    ``family`` under the config's ``model``). The config schema, the config check, the report's
    set-up table and the README's option list come from it.
``SOURCE``, ``DESCRIPTION``, ``RECORDED``
    where the architecture comes from; what it is, in a few words; what a recorded layer's T
    is (a sentence of the report's set-up).
``REGULARISERS``
    the regularisers acting inside the network that it implements (``dropout``,
    ``batch_norm``: the regularisers declared to act in the network).
``INPUT_RANK``
    the rank of one input it needs (3 for images [C, H, W]) or None for any (it flattens).
``layer_shapes(input_shape, n_outputs, params) -> list[tuple]``
    the shape of every recorded layer's T per input, the output layer last (raises ValueError
    for an input it cannot take). Recording, the disk budget and the cost model use it.
``cost(input_shape, n_outputs, params) -> {"parameters": int, "flops": int, ...}``
    per seed: parameters, and FLOPs of one input's forward pass; optionally ``conv_flops`` (the
    part of ``flops`` in convolutions, which run at another rate than matrix products) and
    ``elements`` (values per input that elementwise work touches besides the matrix products:
    a convolution's output map before pooling, through batch norm, activation and pooling).
    The cost model (:mod:`infoplane.resources`) prices each at its own measured rate.
``build(seeds, input_shape, n_outputs, params, *, activation, init, dropout, batch_norm)``
    S seeded copies as one ``nn.Module`` (the ensemble protocol below).
``single(seed, input_shape, n_outputs, params, *, ...)``
    one plain ``nn.Module`` with seed ``seed``'s initial weights (benchmarks, tests).

The ensemble ``build`` returns has ``seeds``, ``n_layers``, ``weights`` (one stacked [S, ...]
tensor per layer with weights: gradient statistics and weight norms), every parameter and
buffer with the seeds first, ``train()``/``eval()`` (dropout and batch norm), and

* ``layer_outputs(x)``: x [B, *input_shape] (shared) or [S, B, *input_shape] -> ``n_layers``
  tensors [S, B, d_l], every recorded layer's T flattened, the output layer's raw outputs last
  (from the forward pass itself, not hooks);
* ``training_inputs(x)``: all N inputs [N, *input_shape] stored as the family gathers them;
* ``training_outputs(stored, index)``: outputs [S, n_outputs, B] of rows ``index`` [S, B].

Nothing here assumes classification: the outputs are raw; the task (loss, output function) is
the trainer's. Seed s's initial weights, data order and dropout masks depend on s only.

A user adds a family by writing such a module and calling :func:`register` in it, then naming
the file under the config's ``plugins`` key (README, "Adding a model family").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import ModuleType

from .. import registry
from ..params import check, describe_values

__all__ = ["REGISTRY", "get", "register", "check_model", "layer_widths", "describe", "config_schema"]

#: Family name -> module (importable name).
REGISTRY: dict[str, str] = {
    "mlp": "infoplane.families.mlp",
    "cnn": "infoplane.families.cnn",
    "rnn": "infoplane.families.rnn",
}

_REQUIRED = ("PARAMETERS", "SOURCE", "DESCRIPTION", "RECORDED", "REGULARISERS", "INPUT_RANK", "layer_shapes", "cost", "build", "single")


def get(name: str) -> ModuleType:
    """The family module registered as ``name``.

    Raises
    ------
    ValueError
        For an unregistered name (naming the registered ones).
    """
    return registry.lookup(REGISTRY, "model family", name)


def register(name: str, module: str | ModuleType) -> None:
    """Register family ``name`` as ``module`` (an importable name, or the module itself).

    Raises
    ------
    ValueError
        If ``name`` is taken by another module, or the module lacks a declaration of the
        protocol above (naming it).
    """
    registry.add(REGISTRY, "model family", name, module, _REQUIRED)


def check_model(model: Mapping) -> dict:
    """``model`` (``family`` and the family's parameters) checked and completed with defaults.

    Raises
    ------
    ValueError
        Naming the unknown family, an undeclared parameter or a bad value.
    """
    if not isinstance(model, Mapping) or "family" not in model:
        raise ValueError(f"model must be a mapping with a 'family' (one of {sorted(REGISTRY)}), got {model!r}")
    family = get(model["family"])
    params = {k: v for k, v in model.items() if k != "family"}
    return {"family": model["family"], **check(family.PARAMETERS, params)}


def _params(model: Mapping) -> dict:
    return {k: v for k, v in model.items() if k != "family"}


def layer_shapes(model: Mapping, input_shape: Sequence[int], n_outputs: int) -> list[tuple[int, ...]]:
    """Shapes of the recorded layers' T per input for a checked ``model``."""
    return get(model["family"]).layer_shapes(tuple(input_shape), int(n_outputs), _params(model))


def layer_widths(model: Mapping, input_shape: Sequence[int], n_outputs: int) -> list[int]:
    """Units of every recorded layer (the flattened T), the output layer last."""
    return [math.prod(shape) for shape in layer_shapes(model, input_shape, n_outputs)]


def cost(model: Mapping, input_shape: Sequence[int], n_outputs: int) -> dict:
    """Per seed: parameters and forward FLOPs per input (the family's ``cost``)."""
    return get(model["family"]).cost(tuple(input_shape), int(n_outputs), _params(model))


def describe(model: Mapping) -> str:
    """``fully connected network (hidden_widths = 10-7-5-4-3)``: plain text for the report."""
    family = get(model["family"])
    return f"{family.DESCRIPTION} ({describe_values(family.PARAMETERS, _params(model))})"


def build(model: Mapping, seeds, input_shape, n_outputs, **choices):
    """The ensemble of ``seeds`` of a checked ``model`` (``choices``: activation, init,
    dropout, batch_norm)."""
    return get(model["family"]).build(seeds, tuple(input_shape), int(n_outputs), _params(model), **choices)


def single(model: Mapping, seed, input_shape, n_outputs, **choices):
    """One plain ``nn.Module`` with seed ``seed``'s initial weights."""
    return get(model["family"]).single(seed, tuple(input_shape), int(n_outputs), _params(model), **choices)


def config_schema() -> dict:
    """JSON schema of the config's ``model``: ``family`` (an enum of the registered families)
    and any keys; each family's own keys are checked by :func:`check_model` with the family's
    declarations (the message names the key)."""
    families = {name: get(name) for name in REGISTRY}
    lines = "; ".join(f"{name}: {m.DESCRIPTION}, keys {[p.name for p in m.PARAMETERS]}" for name, m in families.items())
    return {
        "description": f"the network: its family and the family's parameters ({lines})",
        "type": "object",
        "properties": {"family": {"enum": sorted(REGISTRY)}},
        "additionalProperties": True,
    }
