"""The report of the GAN study: set-up, the discriminators' and generators' course over
training, the claim that the discriminator compresses (per estimator and layer, with
intervals), the planes and the sample grids, read from the study's tables; nothing is
recomputed here."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .. import estimators, families
from ..config import experiment
from ..gan.analysis import CLAIM, STATISTICS
from .latex import front_matter, relative, software_versions
from .results import optimizer_text

__all__ = ["build_context", "value_text"]

_WORDS = {
    "I_XT_fall_bits": "I(X;T) fall", "I_XT_rise_bits": "I(X;T) rise", "I_TY_rise_bits": "I(T;Y) rise",
    "I_TY_fall_bits": "I(T;Y) fall", "I_XT_peak_epoch": "peak epoch",
}  # fmt: skip


def value_text(estimate: float, low: float, high: float, digits: int = 2) -> str:
    """``0.41 [0.30, 0.52]``; ``--`` for a missing estimate; the interval left out when NaN."""
    if not np.isfinite(estimate):
        return "--"

    def number(x: float) -> str:
        return f"{0.0 if round(x, digits) == 0 else x:.{digits}f}"  # no "-0.00"

    if not (np.isfinite(low) and np.isfinite(high)):
        return number(estimate)
    return f"{number(estimate)} [{number(low)}, {number(high)}]"


def _claim_tables(claims: pd.DataFrame, experiments: Sequence[str]) -> list[dict]:
    tables = []
    for name in experiments:
        part = claims[(claims["experiment"] == name) & (claims["claim"] == CLAIM)]
        for estimator in dict.fromkeys(part["estimator"]):
            rows = part[part["estimator"] == estimator]
            hidden = rows[rows["layer"].astype(str) == "hidden"].iloc[0]
            layers = []
            for layer in sorted({int(x) for x in rows["layer"].astype(str) if x != "hidden"}):
                by = rows[rows["layer"].astype(str) == str(layer)].set_index("statistic")
                cells = {s: value_text(by.at[s, "estimate"], by.at[s, "ci_low"], by.at[s, "ci_high"],
                                       0 if s.endswith("_epoch") else 2) for s in STATISTICS}  # fmt: skip
                layers.append({"layer": layer, "cells": [cells[s] for s in STATISTICS], "verdict": by.iloc[0]["verdict"]})
            tables.append({
                "experiment": name, "estimator": estimator, "layers": layers, "verdict": hidden["verdict"],
                "n_seeds": hidden["n_seeds"], "rule": hidden["rule"],
                "value": value_text(hidden["estimate"], hidden["ci_low"], hidden["ci_high"]),
                "confidence": hidden["confidence"],
            })  # fmt: skip
    return tables


def _final(training: pd.DataFrame, name: str) -> dict:
    part = training[training["experiment"] == name]
    out = {}
    for quantity in ("real_train_accuracy", "real_test_accuracy", "generated_accuracy", "train_accuracy", "generator_loss"):
        rows = part[part["quantity"] == quantity].sort_values("epoch")
        out[quantity] = "--" if rows.empty else value_text(*rows.iloc[-1][["mean", "ci_low", "ci_high"]].astype(float), 3)
    return out


def build_context(*, study: str, config: Mapping, config_files: Sequence[str], experiments: Sequence[str],
                  claims: pd.DataFrame, training: pd.DataFrame, seeds: pd.DataFrame, chunk_infos: Mapping[str, object],
                  figures: Mapping[str, object], report_dir: str | os.PathLike) -> dict:  # fmt: skip
    """Everything ``report/gan.tex.j2`` needs, as plain values (``figures``: ``discriminator``
    a path; ``samples`` and ``planes`` experiment -> path)."""
    section = config["gan"]

    def rel(path) -> str:
        return relative(path, report_dir)

    setups = []
    for name in experiments:
        e = experiment(config, name)
        info = chunk_infos[name]
        n_real = int((info.labels == 1).sum())
        setups.append({
            "name": name, "dataset": e.dataset, "discriminator": families.describe(e.settings["model"]),
            "activation": e.settings["activation"], "optimizer": optimizer_text(e.settings), "epochs": e.settings["epochs"],
            "batch": e.settings["batch_size"], "seeds": len(e.seeds), "probe": f"{n_real} + {len(info.labels) - n_real}",
            # the index arrays hold the real rows and as many generated slots (infoplane.gan.training)
            "n_train": int(info.train_index.size // 2), "n_held": int(info.test_index.size // 2),
            "recorded": len(info.epochs), "final": _final(training, name),
            "left_out": [f"seed {int(r.seed)}: {r.reason}" for r in seeds[(seeds["experiment"] == name) & ~seeds["kept"]].itertuples()],
        })  # fmt: skip
    used = list(dict.fromkeys(claims["estimator"]))
    return {
        **front_matter(config, study, config_files, f"GAN discriminators in the information plane, study {study}"),
        "generator": families.describe(section["generator"]), "generator_activation": section["generator_activation"],
        "latent_dim": section["latent_dim"], "samples": section["samples"],
        "estimators": [{"name": n, "text": estimators.describe(config["estimators"][n]["estimator"],
                                                                config["estimators"][n].get("params") or {})}
                       for n in used if n in config["estimators"]],  # fmt: skip
        "claims_settings": {k: config["claims"][k] for k in ("confidence", "resamples", "min_effect_bits")},
        "statistics": [_WORDS[s] for s in STATISTICS],
        "setups": setups, "tables": _claim_tables(claims, experiments),
        "figures": {"discriminator": rel(figures["discriminator"]),
                    "samples": {k: rel(v) for k, v in figures["samples"].items()},
                    "planes": {k: rel(v) for k, v in figures["planes"].items()}},  # fmt: skip
        "software": software_versions(),
    }
