"""An experiment's training settings, resolved from their declarations (no torch).

:func:`resolve` turns the config's ``training`` keys (merged with an experiment's) into the
settings the trainer reads: the network as ``model`` (family and the family's parameters, the
defaults filled in; a ``hidden_widths`` key beside the other settings, as configs before model
families wrote it, is the ``mlp`` family's), the optimiser's hyper-parameters completed, and each
regulariser's setting (off by default). Every check names the key and the value.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import families
from .choices import ACTIVATIONS, INITIALISATIONS, OPTIMIZERS, REGULARISERS

__all__ = ["TRAINING_KEYS", "resolve", "merge_model"]

#: Settings the trainer reads (stored in every recording's attributes).
TRAINING_KEYS = (
    "model", "activation", "init", "optimizer", "optimizer_params", "learning_rate", *REGULARISERS,
    "batch_size", "epochs", "train_fraction", "split_seed", "record",
)  # fmt: skip


def merge_model(base: Mapping | None, override: Mapping | None) -> dict | None:
    """An experiment's ``model`` over the ``training`` one: key by key when it keeps the
    family (or names none), wholly replaced when it names another family."""
    if override is None:
        return None if base is None else dict(base)
    if base is None or override.get("family", base.get("family")) != base.get("family"):
        return dict(override)
    return {**base, **override}


def resolve(settings: Mapping) -> dict:
    """A copy of ``settings`` with ``model`` checked and completed, ``optimizer_params`` and
    the regularisers completed with their defaults, and the named choices checked.

    Raises
    ------
    ValueError
        Naming the key and the bad value: an unknown family, activation, initialisation or
        optimiser, a parameter the family or optimiser does not declare or a bad value of one,
        a regulariser the family does not implement, or ``hidden_widths`` beside a model of
        another family.
    """
    out = dict(settings)
    if "hidden_widths" in out:
        widths = out.pop("hidden_widths")
        model = dict(out.get("model") or {"family": "mlp"})
        if "hidden_widths" in model:
            raise ValueError(f"hidden_widths: {widths!r} and model.hidden_widths {model['hidden_widths']!r} are both given; "
                             "give the widths once, under model")
        if model.get("family", "mlp") != "mlp":
            raise ValueError(
                f"hidden_widths: {widths!r} beside model.family {model['family']!r}: the key at this level "
                "names the mlp family's layers; put the widths under model"
            )
        out["model"] = {**model, "family": "mlp", "hidden_widths": widths}
    if "model" not in out:
        raise ValueError("the settings lack model (family and its parameters) or hidden_widths (the mlp family)")
    try:
        out["model"] = families.check_model(out["model"])
    except ValueError as error:
        raise ValueError(f"model: {error}") from None
    for key, registry in (("activation", ACTIVATIONS), ("init", INITIALISATIONS), ("optimizer", OPTIMIZERS)):
        if key in out and out[key] not in registry:
            raise ValueError(f"{key}: unknown {'optimizer' if key == 'optimizer' else key} {out[key]!r}; "
                             f"expected one of {list(registry)}")
    if "optimizer" in out:
        try:
            out["optimizer_params"] = OPTIMIZERS[out["optimizer"]].check_params(out.get("optimizer_params"))
        except ValueError as error:
            raise ValueError(f"optimizer_params ({out['optimizer']}): {error}") from None
    family = families.get(out["model"]["family"])
    for name, regulariser in REGULARISERS.items():
        try:
            out[name] = regulariser.parameter.check(out.get(name, regulariser.parameter.default))
        except ValueError as error:
            raise ValueError(f"{error}") from None
        if regulariser.acts_in == "network" and regulariser.active(out[name]) and name not in family.REGULARISERS:
            raise ValueError(f"{name}: {out[name]!r}, but the {out['model']['family']} family does not implement it "
                             f"(it implements {list(family.REGULARISERS) or 'none'})")  # fmt: skip
    return out
