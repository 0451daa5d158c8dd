"""The report's set-up and results sections, rendered from the summary and training tables:
dataset facts, the set-up table, the estimators table, per-layer compression sentences, the
compact verdict grid (experiment x estimator)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .latex import bits

__all__ = [
    "INIT_TEXT", "dataset_facts", "compression_statement", "verdict", "verdict_cell", "mean_sd", "layer_rows",
    "accuracy_sentence", "min_drop_bits",
]  # fmt: skip

INIT_TEXT = {
    "st17": "truncated normal, sd 1/sqrt(fan_in) [ST17]",
    "sb18": "truncated normal, sd 1/sqrt(fan_out) [SB18]",
    "torch_default": "uniform ±1/sqrt(fan_in) (PyTorch default)",
}


def dataset_facts(inputs: np.ndarray, labels: np.ndarray) -> dict:
    """N, input width, number of classes, p(y) and H(Y) = I(X;Y) in bits (distinct inputs)."""
    counts = np.bincount(labels)
    p = counts[counts > 0] / len(labels)
    distinct = len(np.unique(inputs, axis=0))
    return {
        "n_samples": len(labels),
        "input_width": inputs.shape[1],
        "n_classes": len(counts),
        "p_y": [float(x) for x in counts / len(labels)],
        "entropy_y_bits": float(-(p * np.log2(p)).sum()),
        "distinct_inputs": distinct,
        "entropy_x_bits": float(np.log2(distinct)) if distinct == len(labels) else float("nan"),
    }


def compression_statement(row: Mapping) -> str:
    """One sentence on whether a hidden layer's I(X;T) compressed (a row of a summary table)."""
    layer = f"Layer {int(row['layer'])}"
    peak = f"I(X;T) peaked at {bits(row['peak_mean_bits'], 2)} bits at epoch {int(row['peak_epoch'])}"
    final = f"{bits(row['final_mean_bits'], 2)} bits at epoch {int(row['final_epoch'])}"
    if int(row["peak_epoch"]) == int(row["final_epoch"]):
        return f"{layer}: {peak}, the last recorded epoch: no compression."
    if row["compression"] == "undetermined":
        return f"{layer}: {peak} and ended at {final}; with a single seed (or seeds pooled) there is no spread to compare the fall with."
    fall = f"fell by {bits(row['drop_bits'])} bits to {final}"
    spread = f"the spread over seeds ({bits(row['spread_bits'])} bits)"
    if row["compression"] == "yes":
        return f"{layer}: {peak} and {fall}, more than {spread}: compression from epoch {int(row['compression_from_epoch'])}."
    if float(row["drop_bits"]) <= float(row["min_drop_bits"]):
        return f"{layer}: {peak} and was still at {final} (a fall of at most {row['min_drop_bits']:g} bits): no compression."
    return f"{layer}: {peak} and {fall}, within {spread}: no compression."


def _hidden(rows: Sequence[Mapping]) -> list[Mapping]:
    return [r for r in rows if r["quantity"] == "I_XT" and bool(r["hidden"])]


def verdict(rows: Sequence[Mapping]) -> str:
    """One sentence on one experiment and estimator: which hidden layers compressed."""
    hidden = _hidden(rows)
    if any(r["compression"] == "undetermined" for r in hidden):
        return "undetermined (no spread over seeds: a single seed, or seeds pooled)"
    yes = [r for r in hidden if r["compression"] == "yes"]
    if not yes:
        return f"no hidden layer compressed (of {len(hidden)})"
    word = "layer" if len(yes) == 1 else "layers"
    layers = ", ".join(f"{int(r['layer'])} ({bits(r['drop_bits'])} bits from epoch {int(r['peak_epoch'])})" for r in yes)
    return f"compression in hidden {word} {layers} (of {len(hidden)})"


def verdict_cell(rows: Sequence[Mapping]) -> str:
    """The verdict grid's cell: compressed layers with their fall in bits, e.g. ``L5 2.36, L2 0.019``;
    ``none``; or, without a spread over seeds, the largest fall with ``?``."""
    hidden = _hidden(rows)
    if any(r["compression"] == "undetermined" for r in hidden):
        falls = [r for r in hidden if float(r["drop_bits"]) > float(r["min_drop_bits"]) and int(r["peak_epoch"]) < int(r["final_epoch"])]
        if not falls:
            return "none (pooled)"
        top = max(falls, key=lambda r: float(r["drop_bits"]))
        return f"? L{int(top['layer'])} fell {bits(top['drop_bits'])}"
    yes = sorted((r for r in hidden if r["compression"] == "yes"), key=lambda r: -float(r["drop_bits"]))
    return ", ".join(f"L{int(r['layer'])} {bits(r['drop_bits'])}" for r in yes) or "none"


def mean_sd(mean, sd) -> str:
    """``mean ± sd`` in LaTeX (just the mean when there is no spread)."""
    if sd is None or pd.isna(sd):
        return bits(mean, 2)
    return rf"{bits(mean, 2)} $\pm$ {bits(sd, 2)}"


def layer_rows(summary: pd.DataFrame) -> list[dict]:
    """Rows of the per-layer peak/final table of one experiment and estimator."""
    table = []
    for layer, group in summary.groupby("layer"):
        xt = group[group["quantity"] == "I_XT"].iloc[0]
        ty = group[group["quantity"] == "I_TY"].iloc[0]
        table.append({
            "layer": f"{int(layer)}" + ("" if xt["hidden"] else " (out)"),
            "xt_peak": mean_sd(xt["peak_mean_bits"], xt["peak_std_bits"]),
            "xt_peak_epoch": int(xt["peak_epoch"]),
            "xt_final": mean_sd(xt["final_mean_bits"], xt["final_std_bits"]),
            "compression": xt["compression"] if isinstance(xt["compression"], str) and xt["compression"] else "--",
            "ty_peak": mean_sd(ty["peak_mean_bits"], ty["peak_std_bits"]),
            "ty_peak_epoch": int(ty["peak_epoch"]),
            "ty_final": mean_sd(ty["final_mean_bits"], ty["final_std_bits"]),
        })  # fmt: skip
    return table


def accuracy_sentence(training: pd.DataFrame, n_seeds: int, activation: str, epochs: int) -> str:
    """Train and test accuracy at the last epoch, mean ± sd over seeds, as a sentence."""
    last = training[training["epoch"] == training["epoch"].max()]
    acc = {q: last.loc[last["quantity"] == q, "value"] for q in ("train_accuracy", "test_accuracy")}
    spread = lambda values: values.std(ddof=1) if n_seeds > 1 else 0.0  # noqa: E731
    sentence = (f"{n_seeds} networks ({activation}) trained for {epochs} epochs reach a train accuracy of "
                f"{acc['train_accuracy'].mean():.3f} ± {spread(acc['train_accuracy']):.3f}")  # fmt: skip
    if acc["test_accuracy"].notna().any():
        sentence += f" and a test accuracy of {acc['test_accuracy'].mean():.3f} ± {spread(acc['test_accuracy']):.3f}"
    return sentence + " (mean ± sd over seeds, last epoch)."


def min_drop_bits(summaries) -> float:
    """The one ``min_drop_bits`` all summaries were made with.

    Raises
    ------
    ValueError
        If they differ.
    """
    values = {float(v) for table in summaries for v in table["min_drop_bits"]}
    if len(values) != 1:
        raise ValueError(f"summaries were made with different min_drop_bits: {sorted(values)}")
    return values.pop()
