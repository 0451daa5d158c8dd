"""The report of seed 002's pairwise generalisation study: set-up, collapse map, the table in
seed 002's shape beside its own numbers, the cross-fitted rules and the verdicts, all read from
the study's tables (:mod:`infoplane.generalisation.analysis`); nothing is recomputed here."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import estimators, generalisation
from ..config import experiment
from ..generalisation import seed002
from ..generalisation.analysis import ALL
from ..generalisation.signals import FEATURES
from ..params import format_value
from .latex import front_matter, relative, software_versions
from .results import model_text, optimizer_text, regulariser_text
from .validation import estimator_sentence

__all__ = ["build_context", "percent", "interval_text"]


def percent(value) -> str:
    """``87.5\\%`` (one decimal), or ``--`` for a missing value."""
    return "--" if value is None or not np.isfinite(value) else f"{100 * value:.1f}\\%"


def interval_text(row, suffix: str = "") -> str:
    """``87.5\\% [80.0, 93.3]`` from a row with ``fraction``, ``ci_low``, ``ci_high`` (each
    name followed by ``suffix``, e.g. ``_all``)."""
    if not np.isfinite(row[f"fraction{suffix}"]):
        return "--"
    return f"{percent(row[f'fraction{suffix}'])} [{100 * row[f'ci_low{suffix}']:.1f}, {100 * row[f'ci_high{suffix}']:.1f}]"


def _level_text(settings: Mapping | None) -> str:
    if not settings:
        return "(nothing changed)"
    return ", ".join(f"{k.replace('_', ' ')} {format_value(v) if not isinstance(v, dict) else v}" for k, v in settings.items())


def build_context(
    *,
    study: str,
    config: Mapping,
    config_files: Sequence[str],
    table: pd.DataFrame,
    verdicts: pd.DataFrame,
    collapse: pd.DataFrame,
    rules: pd.DataFrame,
    pairs: pd.DataFrame,
    features: pd.DataFrame,
    chunk_infos: Mapping[str, object],
    validation_summary: pd.DataFrame,
    figures: Mapping[str, str],
    report_dir: str | os.PathLike,
) -> dict:
    """Everything ``report/generalisation.tex.j2`` needs, as plain values.

    Parameters
    ----------
    config : the validated config, its ``generalisation`` section in the grid's order.
    table, verdicts, collapse, rules, pairs, features : the study's tables
        (``results/<study>/tables/generalisation/``).
    chunk_infos : experiment -> :class:`infoplane.recording.RunInfo` of its first chunk.
    validation_summary : the feature estimator's validation summary.
    figures : ``collapse``, ``predictions``, ``validation_estimates`` -> pdf.
    """
    section = config["generalisation"]
    cells = generalisation.grid(section)
    first = {}
    for cell in cells:
        first.setdefault(cell.network, cell.name)
    any_cell = cells[0].name
    settings = experiment(config, any_cell).settings
    info = chunk_infos[any_cell]

    def rel(path) -> str:
        return relative(path, report_dir)

    networks = []
    for name, spec in section["networks"].items():
        e = experiment(config, first[name])
        networks.append({
            "name": name, "reference": (spec or {}).get("reference", ""), "model": model_text(e.settings["model"]),
            "widths": "-".join(str(w) for w in chunk_infos[first[name]].widths),
        })  # fmt: skip
    factors = [
        {"name": f, "levels": [{"name": level, "text": _level_text(values)} for level, values in levels.items()]}
        for f, levels in section["factors"].items()
    ]
    status_counts = collapse["status"].value_counts().to_dict()
    failed = collapse[collapse["status"] != "trained"]
    collapse_rows = [
        {"experiment": r.experiment, "status": r.status, "train": percent(r.train_accuracy), "test": percent(r.test_accuracy),
         "diverged": f"{r.n_diverged}/{r.n_seeds}"}
        for r in failed.itertuples(index=False)
    ]  # fmt: skip
    best = collapse.loc[collapse["test_accuracy"].idxmax()] if collapse["test_accuracy"].notna().any() else None

    table_rows = []
    for (network, factor), part in table.groupby(["network", "factor"], sort=False):
        part = part.set_index("signal")
        row = {"network": network if factor == ALL else f"{factor} pairs", "by_factor": factor != ALL}
        for signal in part.index:
            r = part.loc[signal]
            row[signal] = {"ours": interval_text(r), "every": interval_text(r, "_all"), "n_all": int(r["n_all"]), "seed002": "--" if not np.isfinite(r["seed002_percent"]) else f"{r['seed002_percent']:.1f}\\%",
                           "n": int(r["n_correct"] + r["n_wrong"]), "ties": int(r["n_ties"]),
                           "close": int(r["n_close"]), "fraction_close": percent(r["fraction_close"])}  # fmt: skip
        row["n_clear"] = int(part["n_clear"].iloc[0])
        row["n_excluded"] = int(part["n_excluded"].iloc[0])
        table_rows.append(row)
    verdict_rows = [
        {"network": r.network, "statement": r.statement, "estimate": f"{100 * r.estimate:+.1f}",
         "interval": f"[{100 * r.ci_low:+.1f}, {100 * r.ci_high:+.1f}]" if np.isfinite(r.ci_low) else "--",
         "verdict": r.verdict}
        for r in verdicts.itertuples(index=False)
    ]  # fmt: skip
    overall = verdicts[verdicts["network"] == (ALL if len(section["networks"]) > 1 else next(iter(section["networks"])))]
    feature_estimator = section["estimator"]
    instance = config["estimators"][feature_estimator]
    validation_text = (
        estimator_sentence(validation_summary, feature_estimator)
        if not validation_summary.empty and feature_estimator in set(validation_summary["estimator"]) else ""
    )
    counts = pairs["status"].value_counts().to_dict()
    feature_rows = []
    for name, part in features.groupby("feature", sort=False):
        by = part.set_index("network")
        feature_rows.append({"label": part["label"].iloc[0],
                             "values": [percent(by.at[n, "fraction_higher"]) for n in dict.fromkeys(features["network"])]})
    feature_networks = list(dict.fromkeys(features["network"]))
    return {
        **front_matter(config, study, config_files, f"Pairwise generalisation study {study}"),
        "dataset": settings["dataset"],
        "n_train": len(info.train_index), "n_test": len(info.test_index), "n_probe": len(info.probe_index),
        "probe": settings["record"]["probe"],
        "epochs": settings["epochs"], "recorded": len(info.epochs), "seeds": len(experiment(config, any_cell).seeds),
        "activation": settings["activation"], "init": settings["init"], "batch_size": settings["batch_size"],
        "optimizer_default": optimizer_text(settings), "regulariser_default": regulariser_text(settings),
        "networks": networks, "factors": factors, "n_cells": len(cells),
        "n_networks_trained": len(cells) * len(experiment(config, any_cell).seeds),
        "estimator": feature_estimator,
        "estimator_text": estimators.describe(instance["estimator"], instance.get("params") or {}),
        "features": [f.label for f in FEATURES],
        "chance_margin": percent(section["chance_margin"]),
        "resamples": section["resamples"], "confidence": percent(section["confidence"]),
        "status_counts": status_counts, "collapse_rows": collapse_rows,
        "best": None if best is None else {"experiment": best["experiment"], "test": percent(best["test_accuracy"])},
        "pair_counts": {k: int(counts.get(k, 0)) for k in ("clear", "close", "excluded")},
        "n_pairs": len(pairs),
        "table_rows": table_rows,
        "signals": [{"name": k, "label": v} for k, v in seed002.SIGNALS.items()],
        "feature_rows": feature_rows, "feature_networks": feature_networks,
        "rules": [{"unit": r.unit, "held_out": r.held_out, "rule": r.rule,
                   "on": f"{r.chosen_on_correct}/{r.chosen_on_decided}", "fraction": percent(r.chosen_on_fraction)}
                  for r in rules.itertuples(index=False)],  # fmt: skip
        "verdict_rows": verdict_rows,
        "overall": [{"statement": r.statement, "verdict": r.verdict, "estimate": f"{100 * r.estimate:+.1f}",
                     "interval": f"[{100 * r.ci_low:+.1f}, {100 * r.ci_high:+.1f}]" if np.isfinite(r.ci_low) else "--"}
                    for r in overall.itertuples(index=False)],  # fmt: skip
        "seed002_source": seed002.SOURCE,
        "validation_text": validation_text,
        "figures": {k: rel(v) for k, v in figures.items()},
        "software": software_versions(),
    }
