"""Seed 001's MI stopping criterion, against validation-loss early stopping and a fixed budget.

Seed 001 (section 2.6) proposes to stop training when the output layer's information-bottleneck
objective ``I(X;Ŷ) - β I(Ŷ;Y)`` stops improving (decreasing), checked every few epochs because
the estimators are slow. A study with a ``stopping`` section compares, per seed, three kinds of
rule on the same training runs:

* ``fixed``: the whole budget (``epochs``);
* ``validation_loss``: the cross-entropy on held-out validation rows, checked at every
  ``every``-th recorded epoch, stopping after ``patience`` checks without a decrease of more than ``min_delta``;
* ``mi_beta_<β>``: the objective on the training rows of the probe, by the study's
  ``stopping.estimator``, for every β of ``betas``, with the same checks and patience.

Evaluation is on the *recorded* runs (:mod:`infoplane.stopping.analysis`): training a seed
stops only its own updates, and seeds train independently in the batched ensemble
(``tests/test_training.py``: a seed's numbers do not depend on its chunk), so the network a rule
stops at is the recorded one at that epoch. Each rule's cost is measured, not modelled: the
training job's wall seconds per epoch (``epoch_seconds`` of the chunk file, divided by its
seeds) up to the stop, plus the checks' own measured seconds (the estimator's calls, timed in
the stopping job; the validation loss's). The record must hold the output layer of every row
(``record.probe: all``), recorded at evenly spaced epochs (``schedule: every``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..params import Parameter, check

__all__ = ["SETTINGS", "FIXED", "VALIDATION", "settings_schema", "check_settings", "rule_names", "beta_rule",
           "is_stopping_study", "config_problems"]  # fmt: skip

#: The rules' names (an MI rule is ``mi_beta_<β>``, :func:`beta_rule`).
FIXED, VALIDATION = "fixed", "validation_loss"

SETTINGS = (
    Parameter("estimator", "string", None, "entry of `estimators` that measures I(X;Ŷ) and I(Ŷ;Y) of the output layer "
              "on the probe's training rows (required; not a pooling estimator)"),
    Parameter("every", "integer", 1, "k: the criteria are checked at every k-th recorded epoch from epoch 0, and at the "
              "last (recorded with schedule: every, step s: every k s epochs)", "seed 001, section 2.6", minimum=1),
    Parameter("patience", "integer", 3, "checks without improvement after which a rule stops", minimum=1),
    Parameter("min_delta", "number", 0.0, "a decrease smaller than this (bits of the objective, nats of the loss) is "
              "no improvement", minimum=0.0),
    Parameter("validation_fraction", "number", 0.5, "share of the held-out rows that is the validation set of the "
              "validation-loss rule; the rest is the test set every rule is scored on",
              exclusive_minimum=0.0, maximum=0.9),
    Parameter("split_seed", "integer", 0, "seed of the validation/test split of the held-out rows (and of the "
              "criterion's subset of training rows)", minimum=0),
    Parameter("criterion_rows", "integer", None, "a seeded subset of this many training rows for the MI criterion "
              "(default all: the estimator's cost grows with them, e.g. the KDE's as their square)", minimum=2),
    Parameter("restore_best", "boolean", True, "a stopped rule returns the network of its best check (else the one "
              "at its stop)"),
    Parameter("resamples", "integer", 2000, "bootstrap resamples of the seeds for every interval",
              "Efron & Tibshirani 1993, ch. 13", minimum=100),
    Parameter("confidence", "number", 0.95, "level of the percentile intervals", exclusive_minimum=0.0, maximum=0.999),
    Parameter("bootstrap_seed", "integer", 0, "seed of the bootstrap's random draws", minimum=0),
)  # fmt: skip


def settings_schema() -> dict:
    """JSON schema of the config's ``stopping`` section."""
    properties = {p.name: {"description": p.description, **p.schema()} for p in SETTINGS}
    properties["betas"] = {
        "description": "the β of each MI rule, I(X;Ŷ) - β I(Ŷ;Y) (seed 001); one rule per value",
        "type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "number", "exclusiveMinimum": 0},
    }  # fmt: skip
    return {
        "description": "seed 001's MI stopping criterion against validation-loss stopping and a fixed budget "
                       "(infoplane.stopping)",
        "type": "object", "additionalProperties": False, "required": ["estimator", "betas"], "properties": properties,
    }  # fmt: skip


def is_stopping_study(config: Mapping) -> bool:
    """Whether the config declares the stopping-criterion study."""
    return bool(config.get("stopping"))


def config_problems(config: dict, settings_of: Callable[[str], Mapping]) -> list[str]:
    """The section's settings checked and completed in place, its estimator entry (defined, one
    instance, measuring one network at one epoch) and every experiment (``settings_of``:
    experiment -> its merged settings): the output layer of every row at evenly spaced epochs,
    and more checks than ``patience`` (else no rule could stop before the budget's end).
    Returns ``key: message`` problems."""
    from ..schedules import recording_epochs
    from ..sections import record_key, single_network_instance

    if not is_stopping_study(config):
        return []
    section = config["stopping"]
    try:
        section.update(check_settings(section))
    except ValueError as error:
        return [f"stopping.{error}"]
    _, problem = single_network_instance(config, "stopping", "the criterion")
    if problem:
        return [problem]
    problems = []
    for experiment in config["experiments"]:
        settings = settings_of(experiment)
        record = settings["record"]
        where = record_key(config, experiment)
        if record.get("probe") != "all" or "probe_size" in record:
            problems.append(f"{where}: the stopping rules need the output layer of every row (training rows for the "
                            "criterion, held-out rows for validation and test): set probe: all, no probe_size")
        if record.get("schedule") != "every" or record.get("tail"):
            problems.append(f"{where}: the stopping rules check every {section['every']}-th recorded epoch "
                            "(stopping.every): record evenly spaced epochs, schedule: every (no tail)")
            continue
        recorded = len(recording_epochs(int(settings["epochs"]), "every", step=int(record.get("step", 1))))
        checks = len(set(range(0, recorded, int(section["every"]))) | {recorded - 1})
        if checks <= int(section["patience"]) + 1:
            problems.append(f"stopping.patience: {section['patience']} checks without improvement, but experiment "
                            f"{experiment!r} has {checks} checks in all ({recorded} recorded epochs, stopping.every "
                            f"{section['every']}): no rule could stop before the budget's end; record more "
                            "epochs or lower the patience")
    return problems


def check_settings(section: Mapping) -> dict:
    """The section checked and completed with its defaults (``betas`` kept, sorted).

    Raises
    ------
    ValueError
        Naming the bad key and value.
    """
    out = check(SETTINGS, {k: v for k, v in section.items() if k != "betas"})
    out["betas"] = sorted(float(b) for b in section["betas"])
    return out


def beta_rule(beta: float) -> str:
    """``mi_beta_2`` for β = 2, ``mi_beta_0.5`` for 0.5."""
    return f"mi_beta_{beta:g}"


def rule_names(section: Mapping) -> list[str]:
    """Every rule of the study, in report order."""
    return [FIXED, VALIDATION] + [beta_rule(b) for b in section["betas"]]
