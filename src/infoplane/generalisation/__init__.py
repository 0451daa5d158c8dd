"""Seed 002's pairwise generalisation study: which training-set signal predicts the member of a
pair of networks that generalises better?

A study with a ``generalisation`` section declares a grid: network types (each a set of
experiment keys, e.g. a model) and factors (each a set of levels, each level a set of experiment
keys: optimiser, regulariser, ...). :func:`expand_experiments` turns the grid into one experiment
per network type x level of every factor, named ``<network>-<level>-<level>...``; every other
part of the workflow (training, recording, estimation) sees plain experiments. Two networks of
one type and one seed that differ in exactly one factor form a *pair* (:func:`pairs`); seed 002
(Stirn, Kwiatkowski and Drori, "Deep Mutual Information") asks which signal measured on the
training set predicts the pair's member with the higher test accuracy.

* :mod:`~infoplane.generalisation.signals`: the signals, declared once (training accuracy,
  training loss, and the information-plane features from which the cross-fitted MI rule is chosen);
* :mod:`~infoplane.generalisation.analysis`: the predictions table, the fraction of pairs each
  signal gets right with its bootstrap interval over seeds, the verdicts and the collapse map;
* :mod:`~infoplane.generalisation.seed002`: seed 002's own table, shown beside ours.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from ..params import Parameter, check
from . import seed002

__all__ = [
    "SETTINGS", "SEPARATOR", "GridExperiment", "settings_schema", "check_settings", "expand_experiments", "grid",
    "pairs", "is_generalisation_study", "config_problems", "grid_order", "in_grid_order",
]  # fmt: skip

#: Joins a network type and its levels into an experiment name (``fcn3-adam-dropout``).
SEPARATOR = "-"

#: Keys no network type or level may set: a pair's members must share their seeds, data, split
#: and what is recorded, or they would differ in more than the one factor (or not pair at all).
SHARED_KEYS = ("seeds", "first_seed", "chunk_size", "dataset", "train_fraction", "split_seed", "record", "estimators")

#: The section's scalar settings, declared once: the schema, the check and the report's text come from here.
SETTINGS = (
    Parameter("estimator", "string", None, "entry of `estimators` whose I(X;T) and I(T;Y) on the training probe give "
              "the information-plane features (required)"),
    Parameter("chance_margin", "number", 0.05, "a combination whose mean final training accuracy is within this of "
              "chance (fraction) stayed at chance in the collapse map", minimum=0.0, maximum=1.0),
    Parameter("resamples", "integer", 2000, "bootstrap resamples of the seeds for every interval",
              "Efron & Tibshirani 1993, ch. 13", minimum=100),
    Parameter("confidence", "number", 0.95, "level of the percentile intervals", exclusive_minimum=0.0, maximum=0.999),
    Parameter("bootstrap_seed", "integer", 0, "seed of the bootstrap's random draws", minimum=0),
)  # fmt: skip


def settings_schema() -> dict:
    """JSON schema of the config's ``generalisation`` section."""
    levels = {
        "description": "level name -> experiment keys it sets (optimizer, learning_rate, weight_decay, dropout, ...)",
        "type": "object", "minProperties": 2,
        "propertyNames": {"$ref": "#/$defs/name"},
        "additionalProperties": {"anyOf": [{"$ref": "#/$defs/settings"}, {"type": "null"}]},
    }  # fmt: skip
    network = {
        "description": "a network type: the experiment keys it sets (model, ...) and optionally `reference`, the row "
                       "of seed 002's table it corresponds to",
        "type": "object",
        "properties": {"reference": {"enum": list(seed002.TABLE)}},
    }  # fmt: skip
    properties = {p.name: {"description": p.description, **p.schema()} for p in SETTINGS}
    properties["networks"] = {
        "description": "network types by name; pairs are formed within a type", "type": "object", "minProperties": 1,
        "propertyNames": {"$ref": "#/$defs/name"}, "additionalProperties": network,
    }  # fmt: skip
    properties["factors"] = {
        "description": "factors by name (optimizer, regulariser, ...), each with two or more levels; two networks "
                       "of one type and seed that differ in exactly one factor form a pair",
        "type": "object", "minProperties": 1, "propertyNames": {"$ref": "#/$defs/name"},
        "additionalProperties": levels,
    }  # fmt: skip
    return {
        "description": "seed 002's pairwise generalisation study: a grid of network types x factor levels, expanded "
                       "into experiments (infoplane.generalisation)",
        "type": "object", "additionalProperties": False, "required": ["networks", "factors", "estimator"],
        "properties": properties,
    }  # fmt: skip


def grid_order(section: Mapping) -> list:
    """The grid's order as plain lists, ``[networks, {factor: levels}]``: a job's params carry
    it beside the section, whose keys Snakemake's canonical params sort."""
    return [list(section["networks"]), {f: list(levels) for f, levels in section["factors"].items()}]


def in_grid_order(section: dict, order: list) -> dict:
    """``section`` (in place) with its networks, factors and levels in ``order`` (:func:`grid_order`),
    which decides the pairs' orientation and the MI rules' tie-breaks."""
    networks, factors = order
    section["networks"] = {n: section["networks"][n] for n in networks}
    section["factors"] = {f: {level: section["factors"][f][level] for level in levels} for f, levels in factors.items()}
    return section


def is_generalisation_study(config: Mapping) -> bool:
    """Whether the config declares the pairwise generalisation study."""
    return bool(config.get("generalisation"))


def config_problems(config: dict, record_of) -> list[str]:
    """The section's settings checked and completed in place (defaults filled in), its estimator
    entry (:func:`infoplane.sections.single_network_instance`), every experiment's record (``record_of``:
    experiment -> its merged ``record``; the probe must be training inputs) and that the config
    is not a stopping study too. Returns ``key: message`` problems."""
    from ..sections import record_key, single_network_instance

    if not is_generalisation_study(config):
        return []
    section = config["generalisation"]
    try:
        section.update(check_settings(section))
    except ValueError as error:
        return [f"generalisation.{error}"]
    _, problem = single_network_instance(config, "generalisation", "the features", inputs=True)
    if problem:
        return [problem]
    problems = []
    for experiment in config["experiments"]:
        if record_of(experiment).get("probe") != "train":
            problems.append(f"{record_key(config, experiment)}.probe: the information-plane features are measured on "
                            "training inputs only (seed 002's training-set signals): set probe: train")
    if config.get("stopping"):
        problems.append("generalisation: a config with a generalisation section cannot also have a stopping section "
                        "(each study has one report); give each its own config")
    return problems


def check_settings(section: Mapping) -> dict:
    """The section's scalar settings checked and completed with their defaults.

    Raises
    ------
    ValueError
        Naming the bad key and value.
    """
    scalars = {k: v for k, v in section.items() if k not in ("networks", "factors")}
    return check(SETTINGS, scalars)


@dataclass(frozen=True)
class GridExperiment:
    """One cell of the grid: its experiment name, network type and level of every factor."""

    name: str
    network: str
    levels: tuple[tuple[str, str], ...]  # (factor, level), in the config's factor order

    def level(self, factor: str) -> str:
        return dict(self.levels)[factor]


def grid(section: Mapping) -> list[GridExperiment]:
    """The grid's cells, network types first, then the factors' levels in config order."""
    factors = list(section["factors"])
    cells = []
    for network in section["networks"]:
        for combo in itertools.product(*(list(section["factors"][f]) for f in factors)):
            name = SEPARATOR.join((network, *combo))
            cells.append(GridExperiment(name, network, tuple(zip(factors, combo))))
    return cells


def expand_experiments(config: dict) -> list[str]:
    """Add one experiment per grid cell to ``config["experiments"]`` (in place).

    Each experiment's keys are its network type's (without ``reference``) and its levels';
    ``model`` and ``record`` keys are merged as an experiment merges them with ``training``.

    Returns
    -------
    list of problems (``generalisation.<key>: message``); empty when the grid expanded.
    """
    section = config.get("generalisation")
    if not isinstance(section, Mapping) or not isinstance(section.get("networks"), Mapping) \
            or not isinstance(section.get("factors"), Mapping):
        return []  # the schema reports the section's shape
    problems = []
    experiments = config.setdefault("experiments", {}) or {}
    config["experiments"] = experiments
    for factor, levels in section["factors"].items():
        if not isinstance(levels, Mapping):
            return []
        keys = {}
        for level, settings in levels.items():
            for key in settings or {}:
                keys.setdefault(key, []).append(level)
        for key, owners in keys.items():
            if key == "model":
                problems.append(f"generalisation.factors.{factor}: levels set {key!r}, which the network types own; "
                                "vary the network as a network type")
        seen: dict[str, str] = {}
        for level, settings in levels.items():
            text = repr(sorted((settings or {}).items()))
            if text in seen:
                problems.append(f"generalisation.factors.{factor}.{level}: sets the same as level {seen[text]!r}; "
                                "its pairs would compare identical runs")
            seen[text] = level
    for where, block in [(f"networks.{n}", v) for n, v in section["networks"].items()] + [
        (f"factors.{f}.{level}", v) for f, levels in section["factors"].items() for level, v in levels.items()
    ]:
        for key in SHARED_KEYS:
            if key in (block or {}):
                problems.append(f"generalisation.{where}.{key}: every member of a pair shares its {key} (set it under "
                                "training); a grid key may not change it")
    names: dict[str, str] = {}
    for cell in grid(section):
        label = f"network {cell.network!r}, " + ", ".join(f"{f} {level!r}" for f, level in cell.levels)
        if cell.name in names:
            problems.append(f"generalisation: {label} and {names[cell.name]} both make the experiment name "
                            f"{cell.name!r} ({SEPARATOR!r} joins the names); rename a network type or level")
        names[cell.name] = label
    for cell in grid(section):
        settings: dict = {}
        network = dict(section["networks"][cell.network] or {})
        network.pop("reference", None)
        sources = [(f"networks.{cell.network}", network)] + [
            (f"factors.{f}.{level}", section["factors"][f][level] or {}) for f, level in cell.levels
        ]
        owner: dict[str, str] = {}
        for where, keys in sources:
            for key, value in keys.items():
                if key in owner:
                    problems.append(
                        f"generalisation.{where}.{key}: also set by generalisation.{owner[key]}; a key belongs to one "
                        "factor (or the network type), or the pairs would differ in more than one thing"
                    )
                owner[key] = where
                settings[key] = copy.deepcopy(value)
        if cell.name in experiments and experiments[cell.name] != settings:
            problems.append(f"experiments.{cell.name}: the generalisation grid names an experiment {cell.name!r} "
                            "too; rename one of them")  # fmt: skip
            continue
        experiments[cell.name] = settings
    return sorted(set(problems))


def pairs(section: Mapping) -> list[tuple[str, GridExperiment, GridExperiment]]:
    """Every pair of grid cells of one network type that differ in exactly one factor, as
    ``(factor, a, b)`` with ``a``'s level before ``b``'s in the config's order."""
    cells = grid(section)
    out = []
    for a, b in itertools.combinations(cells, 2):
        if a.network != b.network:
            continue
        differ = [f for (f, la), (_, lb) in zip(a.levels, b.levels) if la != lb]
        if len(differ) == 1:
            out.append((differ[0], a, b))
    return out
