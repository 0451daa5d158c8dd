"""The report's claims: the opening verdict table, the seeds left out, from the claims tables."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..claims import CLAIMS

__all__ = ["measurement", "verdict_sections", "excluded_seeds", "claim_counts", "claim_answers", "label"]

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
    "gan_discriminator_compression": "fall of the discriminator's I(X;T) from its peak to the last epoch",
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
            "name": claim.name, "label": claim.label, "table": f"tab:claim-{label(claim.name)}",
            "source": claim.source, "statement": claim.statement, "measures": _WHAT[claim.name],
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


_VERDICTS = ("confirmed", "refuted", "inconclusive")
_STATISTIC_WORD = {"spearman_fall_vs_test_accuracy": "pooled", "spearman_within_experiments": "within experiments"}
#: The figure that carries each claim's measurements, per experiment (a pair: both experiments').
_FIGURE_OF = {
    "st17_fitting_then_compression": "intervals", "st17_compression_most_of_training": "intervals",
    "st17_snr_transition": "snr", "st17_more_data_more_compression": "intervals", "sb18_activation": "intervals",
    "sb18_full_batch": "intervals", "sb18_generalisation": "generalisation",
}  # fmt: skip


def label(name: str) -> str:
    """A LaTeX label made of ``name`` (letters, digits and - only)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", name)


def _figure_labels(claim: str, group: str, experiments) -> list[str]:
    kind = _FIGURE_OF.get(claim, "intervals")
    if kind == "generalisation":
        return ["fig:generalisation"]
    names = [group] if group in experiments else [part for part in group.split(" vs ") if part in experiments]
    return [f"fig:{kind}-{label(name)}" for name in names]


def claim_answers(claims: pd.DataFrame, experiments: Sequence[str]) -> dict:
    """The report's answer, from the claims table's aggregate rows (``layer == "hidden"``): the
    verdict counts overall, and per declared claim and per experiment (or pair) that tests it,
    the counts over estimators with the clearest measurement of the most common decided verdict
    (the largest estimate in magnitude), and the labels of the figures and the appendix table
    that carry it.

    Returns
    -------
    ``{"counts": {verdict: n}, "n_estimators": k, "claims": [{"name", "label", "source",
    "statement", "table", "figures", "groups": [{"experiment", "counts", "n", "lead"}]}]}``,
    ``lead`` being None or ``{"verdict", "estimator", "measurement"}``.
    """
    hidden = claims[claims["layer"].astype(str) == "hidden"]
    out = []
    for claim in CLAIMS:
        rows = hidden[hidden["claim"] == claim.name]
        if rows.empty:
            continue
        groups, figures = [], []
        order = {name: i for i, name in enumerate(experiments)}
        keys = sorted(dict.fromkeys(zip(rows["experiment"], rows["statistic"])), key=lambda k: order.get(k[0], len(order)))
        several = len({statistic for _, statistic in keys}) > 1
        for experiment, statistic in keys:
            part = rows[(rows["experiment"] == experiment) & (rows["statistic"] == statistic)]
            counts = {v: int((part["verdict"] == v).sum()) for v in _VERDICTS}
            decided = [v for v in ("confirmed", "refuted") if counts[v]]
            lead = None
            if decided:
                verdict = max(decided, key=lambda v: (counts[v], v == "confirmed"))
                chosen = part[part["verdict"] == verdict]
                best = chosen.loc[chosen["estimate"].abs().fillna(-1).idxmax()]
                lead = {"verdict": verdict, "estimator": best["estimator"], "measurement": measurement(best)}
            note = f" ({_STATISTIC_WORD.get(statistic, statistic)})" if several else ""
            groups.append({"experiment": "all experiments" if experiment == "all" else experiment, "note": note,
                           "counts": counts, "n": int(len(part)), "lead": lead})  # fmt: skip
            figures += [f for f in _figure_labels(claim.name, experiment, experiments) if f not in figures]
        out.append({"name": claim.name, "label": claim.label, "source": claim.source, "statement": claim.statement,
                    "table": f"tab:claim-{label(claim.name)}", "figures": figures, "groups": groups})  # fmt: skip
    return {
        "counts": {v: int((hidden["verdict"] == v).sum()) for v in _VERDICTS},
        "n_estimators": int(hidden["estimator"].nunique()),
        "claims": out,
    }
