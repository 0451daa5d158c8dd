"""The report of seed 001's stopping-criterion study: set-up, the rules compared per experiment
with their intervals, and the figures, read from the study's tables; nothing is recomputed here."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import estimators
from ..config import experiment
from .latex import front_matter, relative, software_versions
from .results import model_text, optimizer_text

__all__ = ["build_context"]


def _interval(row, name: str, scale: float = 1.0, digits: int = 3) -> str:
    value, low, high = (row[name], row[f"{name}_low"], row[f"{name}_high"])
    if not np.isfinite(value):
        return "--"
    return f"{scale * value:.{digits}f} [{scale * low:.{digits}f}, {scale * high:.{digits}f}]"


def build_context(*, study: str, config: Mapping, config_files: Sequence[str], experiments: Sequence[str],
                  summary: pd.DataFrame, chunk_infos: Mapping[str, object], figures: Mapping[str, str],
                  report_dir: str | os.PathLike) -> dict:  # fmt: skip
    """Everything ``report/stopping.tex.j2`` needs, as plain values."""
    section = config["stopping"]
    instance = config["estimators"][section["estimator"]]

    def rel(path) -> str:
        return relative(path, report_dir)

    setups = []
    for name in experiments:
        e = experiment(config, name)
        info = chunk_infos[name]
        held = int(np.isin(info.probe_index, info.test_index).sum())
        setups.append({
            "name": name, "dataset": e.dataset, "model": model_text(e.settings["model"]), "activation": e.settings["activation"],
            "optimizer": optimizer_text(e.settings), "epochs": e.settings["epochs"], "seeds": len(e.seeds),
            "n_train": int(np.isin(info.probe_index, info.train_index).sum()), "n_held": held,
            "check_every": int(e.settings["record"].get("step", 1)) * int(section["every"]),
        })  # fmt: skip
    tables = []
    for name in experiments:
        part = summary[summary["experiment"] == name]
        rows = [{
            "rule": r["rule"], "epochs": _interval(r, "stop_epoch", digits=1), "accuracy": _interval(r, "test_accuracy"),
            "wall": _interval(r, "wall_seconds", digits=2), "d_accuracy": _interval(r, "test_accuracy_vs_fixed"),
            "d_wall": _interval(r, "wall_seconds_vs_fixed", digits=2),
        } for _, r in part.iterrows()]  # fmt: skip
        n = int(part["n_seeds"].iloc[0]) if len(part) else 0
        diverged = int(part["n_diverged"].max()) if len(part) else 0
        tables.append({"experiment": name, "rows": rows, "n_seeds": n, "n_diverged": diverged})
    return {
        **front_matter(config, study, config_files, f"Stopping criteria, study {study}"),
        "section": {k: section[k] for k in ("every", "patience", "min_delta", "validation_fraction", "restore_best",
                                               "resamples", "confidence")},
        "betas": ", ".join(f"{b:g}" for b in section["betas"]),
        "estimator": section["estimator"],
        "estimator_text": estimators.describe(instance["estimator"], instance.get("params") or {}),
        "setups": setups, "tables": tables,
        "figures": {k: rel(v) for k, v in figures.items()},
        "software": software_versions(),
    }
