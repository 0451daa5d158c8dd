"""The report's claims: the opening verdict table, the seeds left out, from the claims tables."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..claims import CLAIMS

__all__ = ["measurement", "verdict_sections", "excluded_seeds", "claim_counts"]

_UNITS = (("_bits", " bits"), ("_epoch", ""), ("fraction_", ""), ("log10_", ""), ("spearman_", ""), ("_difference", ""))


def _number(value: float, statistic: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    if statistic.endswith("_epoch"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def measurement(row) -> str:
    """``L5: 1.23 [0.80, 1.61] bits`` for a claims row (layer from the rule of an aggregate row)."""
    statistic = str(row["statistic"])
    unit = " bits" if statistic.endswith("_bits") else ""
    layer = str(row["layer"])
    if layer == "hidden":
        match = re.search(r"shown: layer (\d+)", str(row["rule"]))
        layer = match.group(1) if match else "?"
    value = f"{_number(row['estimate'], statistic)} [{_number(row['ci_low'], statistic)}, {_number(row['ci_high'], statistic)}]{unit}"
    prefix = {"spearman_fall_vs_test_accuracy": "pooled ", "spearman_within_experiments": "within "}.get(statistic, "")
    return f"{prefix}L{layer}: {value}"


_WHAT = {
    "st17_fitting_then_compression": "fall of I(X;T) from its peak to the last epoch",
    "st17_compression_most_of_training": "fraction of the epochs after the I(X;T) peak",
    "st17_snr_transition": "log10(SNR change-point / compression start)",
    "st17_more_data_more_compression": "fall of I(X;T), larger minus smaller training set",
    "sb18_activation": "fall of I(X;T), saturating minus other activation",
    "sb18_full_batch": "fall of I(X;T) under full-batch gradient descent",
    "sb18_generalisation": "Spearman rho of each seed's fall with its test accuracy, over all seeds pooled and within each experiment",
}


def verdict_sections(claims: pd.DataFrame) -> list[dict]:
    """One section per declared claim that the study tested: its statement and source, and one
    row per (experiment, estimator) with the measurement over hidden layers, its interval and
    the verdict."""
    sections = []
    hidden = claims[claims["layer"] == "hidden"]
    for claim in CLAIMS:
        rows = hidden[hidden["claim"] == claim.name]
        if rows.empty:
            continue
        sections.append({
            "name": claim.name, "source": claim.source, "statement": claim.statement, "measures": _WHAT[claim.name],
            "rows": [{"experiment": r["experiment"], "estimator": r["estimator"], "measurement": measurement(r),
                      "n_seeds": r["n_seeds"], "verdict": r["verdict"]} for _, r in rows.iterrows()],
            "counts": {v: int((rows["verdict"] == v).sum()) for v in ("confirmed", "refuted", "inconclusive")},
        })  # fmt: skip
    return sections


def claim_counts(claims: pd.DataFrame) -> dict:
    """Number of verdicts of each kind among the claims decided over the hidden layers
    (rows with ``layer == "hidden"``): ``{"confirmed": n, "refuted": n, "inconclusive": n}``."""
    hidden = claims[claims["layer"] == "hidden"]
    return {v: int((hidden["verdict"] == v).sum()) for v in ("confirmed", "refuted", "inconclusive")}


def excluded_seeds(qualified: Sequence[pd.DataFrame]) -> list[dict]:
    """Seeds the claims left out (diverged, or ended at or near chance), with the reason."""
    out = []
    for table in qualified:
        for _, row in table[~table["qualifies"].astype(bool)].iterrows():
            out.append({"experiment": row["experiment"], "seed": int(row["seed"]), "reason": row["reason"]})
    return out
