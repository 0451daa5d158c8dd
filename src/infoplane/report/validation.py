"""The report's validation section, rendered from the validation summary table
(:func:`infoplane.validation.summarise_validation`): the bias of every estimator per task at
the largest N with its spread over repeats, one sentence per estimator on where it is within
0.1 bit of the truth and where it fails, the same by width (dimension of the Gaussian tasks,
units of the random layers), and where an estimator returns log2 N whatever the truth."""

from __future__ import annotations

import pandas as pd

from .latex import bits

__all__ = ["COLUMNS", "bias_rows", "estimator_sentence", "width_rows", "ceiling_sentences"]

#: (task, quantity) columns of the bias table, in order.
COLUMNS = (
    ("gaussian", "I_XT"), ("channel", "I_XT"), ("deterministic", "I_XT"), ("deterministic", "I_TY"),
    ("noisy", "I_XT"), ("noisy", "I_TY"),
)  # fmt: skip


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "") + bits(value)


def bias_rows(summary: pd.DataFrame) -> tuple[int, list[dict]]:
    """The bias table at the largest N: per estimator, for each column of :data:`COLUMNS`, the
    range of the mean bias over the task's variants (``min / max``, bits; one number when they
    agree within 0.005), and the largest standard deviation over repeats of the row. Returns
    ``(N, rows)``."""
    n_max = int(summary["n_samples"].max())
    at_n = summary[summary["n_samples"] == n_max]
    rows = []
    for name, group in at_n.groupby("estimator", sort=False):
        cells = []
        for task, quantity in COLUMNS:
            part = group[(group["task"] == task) & (group["quantity"] == quantity)]
            if part.empty:
                cells.append("--")
                continue
            low, high = part["bias_bits"].min(), part["bias_bits"].max()
            cells.append(_signed(low) if abs(high - low) < 0.005 else f"{_signed(low)} / {_signed(high)}")
        rows.append({"estimator": name, "method": group["method"].iloc[0], "cells": cells,
                     "sd": bits(group["bias_sd_bits"].max())})  # fmt: skip
    return n_max, rows


def _where(rows: pd.DataFrame, of: pd.DataFrame) -> str:
    """``task I(.;.) (k of m variants)`` for the task variants in ``rows`` (out of ``of``)."""
    parts = []
    for (task, quantity), group in rows.groupby(["task", "quantity"], sort=False):
        label = "I(X;T)" if quantity == "I_XT" else "I(T;Y)"
        total = ((of["task"] == task) & (of["quantity"] == quantity)).sum()
        parts.append(f"{task} {label}" + ("" if len(group) == total else f" ({len(group)} of {total} variants)"))
    return ", ".join(parts)


def estimator_sentence(summary: pd.DataFrame, estimator: str, tolerance: float = 0.1) -> str:
    """Where one estimator is within ``tolerance`` bits of the truth at the largest N, and
    where it fails, with its largest error."""
    n_max = int(summary["n_samples"].max())
    rows = summary[(summary["estimator"] == estimator) & (summary["n_samples"] == n_max)]
    good = rows[rows["abs_bias_bits"] <= tolerance]
    bad = rows[rows["abs_bias_bits"] > tolerance]
    text = f"{estimator}: "
    if good.empty:
        text += f"never within {tolerance:g} bit of the truth. "
    elif bad.empty:
        return text + f"within {tolerance:g} bit of the truth on every task and variant."
    else:
        text += f"within {tolerance:g} bit on {_where(good, rows)}. "
    worst = bad.loc[bad["abs_bias_bits"].idxmax()]
    label = "I(X;T)" if worst["quantity"] == "I_XT" else "I(T;Y)"
    text += (f"Fails on {_where(bad, rows)}; largest error {_signed(worst['bias_bits'])} bits "
             f"({worst['task']} {label}, {worst['variant']}).")  # fmt: skip
    return text


def width_rows(summary: pd.DataFrame, tolerance: float = 0.1) -> tuple[list[int], list[dict]]:
    """Per estimator and width d (the Gaussian tasks' dimension, the random layers' units) at the
    largest N: how many of the task variants (both quantities) of that width it estimates within
    ``tolerance`` bits, and its largest error there. Returns ``(widths, rows)``, each row
    ``{"estimator", "cells"}`` with cells ``"k/m (worst)"`` in the order of ``widths``."""
    n_max = int(summary["n_samples"].max())
    at_n = summary[summary["n_samples"] == n_max]
    widths = sorted(int(d) for d in at_n["dim"].unique())
    rows = []
    for name, group in at_n.groupby("estimator", sort=False):
        cells = []
        for width in widths:
            part = group[group["dim"] == width]
            if part.empty:
                cells.append("--")
                continue
            worst = part.loc[part["abs_bias_bits"].idxmax(), "bias_bits"]
            cells.append(f"{int((part['abs_bias_bits'] <= tolerance).sum())}/{len(part)} ({_signed(worst)})")
        rows.append({"estimator": name, "cells": cells})
    return widths, rows


def ceiling_sentences(summary: pd.DataFrame) -> list[str]:
    """At the largest N: the deterministic layers whose true I(X;T) is log2 N itself (every row
    distinct), and each estimator that returns log2 N (column ``at_ceiling``) on variants whose
    truth lies more than 0.1 bit below it: there it counts the samples, not the information."""
    n_max = int(summary["n_samples"].max())
    xt = summary[(summary["n_samples"] == n_max) & (summary["quantity"] == "I_XT")]
    if xt.empty:
        return []
    ceiling = float(xt["ceiling_bits"].iloc[0])
    sentences = []
    injective = xt[(xt["task"] == "deterministic") & ((xt["truth_bits"] - ceiling).abs() <= 1e-9)]
    deterministic = xt[xt["task"] == "deterministic"]
    if not injective.empty:
        widths = sorted({int(d) for d in injective["dim"]})
        n_variants = injective["variant"].nunique()
        sentences.append(
            f"On {n_variants} of {deterministic['variant'].nunique()} deterministic layers (width{'s' if len(widths) > 1 else ''} "
            f"{', '.join(map(str, widths))}) every one of the N = {n_max} rows is distinct: their true I(X;T) is "
            f"log2 N = {bits(ceiling)} bits itself, the most any layer can carry about N equally likely inputs, and an "
            "estimator that returns it there is right but says nothing about the layer."
        )
    below = xt[xt["truth_bits"] < ceiling - 0.1]
    for name, group in below.groupby("estimator", sort=False):
        stuck = group[group["at_ceiling"]]
        if stuck.empty:
            continue
        gap = ceiling - stuck["truth_bits"]
        widths = sorted({int(d) for d in stuck["dim"]})
        sentences.append(
            f"{name} returns log2 N = {bits(ceiling)} bits on {len(stuck)} of the {len(group)} task variants whose truth "
            f"lies below it (by {bits(gap.min())} to {bits(gap.max())} bits; width{'s' if len(widths) > 1 else ''} "
            f"{', '.join(map(str, widths))}): there it tells every sample apart and counts the samples, not the information."
        )
    return sentences
