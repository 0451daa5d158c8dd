"""The report of the epoch-skipping study: set-up, each variant's cost and error with intervals,
whether the claims' verdicts change, and the recommendations, read from the study's tables."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import estimators
from ..config import experiment
from .gan import value_text
from .latex import front_matter, relative, software_versions
from .results import model_text, optimizer_text

__all__ = ["build_context"]


def build_context(*, study: str, config: Mapping, config_files: Sequence[str], experiments: Sequence[str],
                  summary: pd.DataFrame, claims: pd.DataFrame, recommendations: pd.DataFrame,
                  chunk_infos: Mapping[str, object], figure: str, report_dir: str | os.PathLike) -> dict:  # fmt: skip
    """Everything ``report/skipping.tex.j2`` needs, as plain values."""
    section = config["skipping"]
    setups = []
    for name in experiments:
        e = experiment(config, name)
        info = chunk_infos[name]
        setups.append({"name": name, "dataset": e.dataset, "model": model_text(e.settings["model"]),
                       "activation": e.settings["activation"], "optimizer": optimizer_text(e.settings),
                       "epochs": e.settings["epochs"], "seeds": len(e.seeds), "probe": len(info.labels),
                       "recorded": len(info.epochs)})  # fmt: skip
    tables = []
    for (name, estimator), part in summary.groupby(["experiment", "estimator"], sort=False):
        rows = [{
            "variant": r["variant"], "calls": value_text(100 * r["call_fraction"], 100 * r["call_fraction_low"], 100 * r["call_fraction_high"], 1),
            "cpu": value_text(r["cpu_seconds"], r["cpu_seconds_low"], r["cpu_seconds_high"], 2),
            "wall": value_text(r["wall_seconds"], r["wall_seconds_low"], r["wall_seconds_high"], 2),
            "max_error": value_text(r["max_error_bits"], r["max_error_bits_low"], r["max_error_bits_high"], 3),
            "mean_error": value_text(r["mean_error_bits"], r["mean_error_bits_low"], r["mean_error_bits_high"], 4),
            "worst": f"{r['worst_error_bits']:.3f}",
            "guarantee": {"True": "yes", "False": "no"}.get(str(r["guarantee_held"]), "--"),
        } for _, r in part.iterrows()]  # fmt: skip
        changed = claims[(claims["experiment"] == name) & (claims["estimator"] == estimator)]
        flips = [{"variant": r["variant"], "claim": r["claim"].replace("_", " "), "truth": r["truth_verdict"],
                  "verdict": r["verdict"]} for _, r in changed[changed["changed"]].iterrows()]  # fmt: skip
        tables.append({"experiment": name, "estimator": estimator, "rows": rows, "flips": flips,
                       "n_claims": int(changed["claim"].nunique()), "n_variants": int(changed["variant"].nunique()),
                       "n_seeds": int(part["n_seeds"].max())})  # fmt: skip
    picks = [{"experiment": r["experiment"], "estimator": r["estimator"], "budget": f"{r['budget_bits']:g}",
              "variant": r["variant"], "calls": "--" if not np.isfinite(r["call_fraction"]) else f"{100 * r['call_fraction']:.1f}",
              "worst": "--" if not np.isfinite(r["worst_error_bits"]) else f"{r['worst_error_bits']:.3f}"}
             for _, r in recommendations.iterrows()]  # fmt: skip
    return {
        **front_matter(config, study, config_files, f"Epoch skipping, study {study}"), "section": section,
        "estimators": [{"name": n, "text": estimators.describe(config["estimators"][n]["estimator"],
                                                                config["estimators"][n].get("params") or {})}
                       for n in section["estimators"]],  # fmt: skip
        "setups": setups, "tables": tables, "picks": picks,
        "figure": relative(figure, report_dir),
        "software": software_versions(),
    }
