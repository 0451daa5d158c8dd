"""The report's validation section, rendered from the validation summary table
(:func:`infoplane.validation.summarise_validation`): the bias of every estimator per task at
the largest N with its spread over repeats, and one sentence per estimator on where it is within
0.1 bit of the truth and where it fails."""

from __future__ import annotations

import pandas as pd

from .latex import bits

__all__ = ["COLUMNS", "bias_rows", "estimator_sentence"]

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
