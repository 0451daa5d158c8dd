"""The report of the recurrent study (seed 004): data, set-up, the networks' errors against the
baselines, neuron information, flow graphs, planes, and the five questions with their
statistics, intervals and verdicts, read from the study's tables; nothing is recomputed."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import datasets, families, tasks
from ..config import experiment
from ..rnn.answers import QUESTIONS
from .gan import value_text
from .latex import front_matter, relative, software_versions
from .results import optimizer_text

__all__ = ["build_context", "STATISTIC_WORDS"]

#: How the report names each statistic of the answers table.
STATISTIC_WORDS = {
    "input_to_output_te_asymmetry_bits": "TE(input to output) minus TE(output to input), bits",
    "rank_correlation_depth_I_hX": "Spearman rho of depth and I(h;X)",
    "rank_correlation_depth_I_hY": "Spearman rho of depth and I(h;Y)",
    "rank_correlation_trophic_level_I_hX": "Spearman rho of trophic level and I(h;X)",
    "rank_correlation_trophic_level_I_hY": "Spearman rho of trophic level and I(h;Y)",
    "trophic_incoherence": "trophic incoherence F0 of the flow graph (0 directed, 1 no direction)",
    "output_minus_input_trophic_level": "output neurons' mean trophic level minus the input neurons'",
    "verdict": "both correlations, against the control",
    "I_XT_fall_bits": "I(X;H) fall after its peak, bits",
    "I_XT_rise_bits": "I(X;H) rise to its peak, bits",
    "I_TY_rise_bits": "I(H;Y) rise to that epoch, bits",
    "I_TY_fall_bits": "I(H;Y) fall after it, bits",
    "I_XT_peak_epoch": "epoch of the I(X;H) peak",
    "rank_correlation_with_test_mse": "Spearman rho with the test MSE over epochs",
    "snr_drop_decades": "fall of log10 SNR at the change-point, decades",
    "snr_change_epoch": "epoch of the change-point",
}


def _digits(statistic: str) -> int:
    return 0 if statistic.endswith("_epoch") else 3


def _answers(answers: pd.DataFrame, experiments: Sequence[str]) -> list[dict]:
    out = []
    for key, question in QUESTIONS.items():
        blocks = []
        for name in experiments:
            part = answers[(answers["question"] == key) & (answers["experiment"] == name)]
            if part.empty:
                continue
            rows = [{"subject": r.subject, "statistic": STATISTIC_WORDS.get(r.statistic, r.statistic),
                     "value": value_text(r.estimate, r.ci_low, r.ci_high, _digits(r.statistic)),
                     "n": int(r.n_seeds) if np.isfinite(r.n_seeds) else 0,
                     "verdict": r.verdict if isinstance(r.verdict, str) else ""} for r in part.itertuples(index=False)]  # fmt: skip
            decided = part[part["verdict"].fillna("").astype(str) != ""]
            headline = decided.iloc[0] if len(decided) else None
            blocks.append({"experiment": name, "rows": rows,
                           "verdict": headline["verdict"] if headline is not None else "",
                           "rules": list(dict.fromkeys(str(r) for r in decided["rule"] if isinstance(r, str)))})  # fmt: skip
        out.append({"key": key, "question": question, "blocks": blocks})
    return out


def build_context(*, study: str, config: Mapping, config_files: Sequence[str], experiments: Sequence[str],
                  answers: pd.DataFrame, performance: pd.DataFrame, nodes: Mapping[str, pd.DataFrame],
                  edges: Mapping[str, pd.DataFrame], figures: Mapping[str, object],
                  report_dir: str | os.PathLike) -> dict:  # fmt: skip
    """Everything ``report/rnn.tex.j2`` needs, as plain values (``figures``: ``data`` and
    ``training`` paths; ``neurons``, ``flow``, ``planes`` experiment -> path)."""
    section = config["rnn"]

    def rel(path) -> str:
        return relative(path, report_dir)

    setups, errors, flows = [], [], []
    for name in experiments:
        e = experiment(config, name)
        spec = config["datasets"][e.dataset]
        setups.append({
            "name": name, "data": datasets.source_of(spec).describe(spec), "network": families.describe(e.settings["model"]),
            "activation": e.settings["activation"], "optimizer": optimizer_text(e.settings), "epochs": e.settings["epochs"],
            "batch": e.settings["batch_size"], "seeds": len(e.seeds), "probe": e.settings["record"]["probe_size"],
            "train_fraction": e.settings["train_fraction"],
        })  # fmt: skip
        part = performance[performance["experiment"] == name].set_index(["model", "quantity"])
        network = part.loc[("rnn", "test_mse")]
        errors.append({
            "name": name, "test": value_text(network["estimate"], network["ci_low"], network["ci_high"], 3),
            "train": value_text(*part.loc[("rnn", "train_mse"), ["estimate", "ci_low", "ci_high"]].astype(float), 3),
            "persistence": f"{part.loc[('persistence', 'test_mse'), 'estimate']:.3f}",
            "mean": f"{part.loc[('training_mean', 'test_mse'), 'estimate']:.2f}",
            "seeds": int(network["n_seeds"]),
        })  # fmt: skip
        table = edges[name]
        per = table.groupby(["variant", "epoch", "seed"])["significant"].sum().groupby(["variant", "epoch"]).mean()
        pairs = table.groupby(["variant", "epoch", "seed"]).size().max() if len(table) else 0
        flows.append({"name": name, "pairs": int(pairs),
                      "rows": [{"variant": v, "epoch": int(ep), "mean_edges": f"{m:.1f}"} for (v, ep), m in per.items()]})  # fmt: skip
    verdicts = [{"question": q, "cells": []} for q in QUESTIONS]
    table = _answers(answers, experiments)
    for row, entry in zip(verdicts, table):
        row["cells"] = [next((b["verdict"] for b in entry["blocks"] if b["experiment"] == name), "") for name in experiments]
    return {
        **front_matter(config, study, config_files, f"A fully recurrent network in the information plane, study {study}"),
        "section": dict(section), "claims_settings": {k: config["claims"][k] for k in
                                                      ("confidence", "resamples", "min_effect_bits", "min_rank_correlation",
                                                       "min_snr_drop_decades", "label_tolerance_bits")},
        "baselines": list(tasks.BASELINES.values()),
        "setups": setups, "errors": errors, "flows": flows, "answers": table, "verdicts": verdicts,
        "questions": list(QUESTIONS.values()), "experiments": list(experiments),
        "figures": {"data": rel(figures["data"]), "training": rel(figures["training"]),
                    **{k: {n: rel(p) for n, p in figures[k].items()} for k in ("neurons", "flow", "planes")}},  # fmt: skip
        "software": software_versions(),
    }
