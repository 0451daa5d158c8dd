"""The epoch-skipping study's figure: each method's error against its cost."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, save_figure

__all__ = ["error_vs_cost"]

_STYLE = {"simple": ("o", "C0"), "delta_exact": ("s", "C1"), "delta_approximate": ("^", "C2"),
          "delta_exact_parallel": ("D", "C3")}  # fmt: skip


def error_vs_cost(summary: pd.DataFrame, stem: str | os.PathLike) -> list[Path]:
    """One panel per (experiment, estimator): the mean over seeds of each variant's largest
    interpolation error (bits, bootstrap interval) against its share of the epochs measured;
    the parallel method at its share of rounds (its wall cost) as open markers."""
    keys = list(dict.fromkeys(zip(summary["experiment"], summary["estimator"])))
    columns = min(len(keys), 3) or 1
    rows = -(-len(keys) // columns) or 1
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.3 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, (experiment, estimator) in zip(axes, keys):
        part = summary[(summary["experiment"] == experiment) & (summary["estimator"] == estimator)]
        for method, group in part.groupby("method", sort=False):
            marker, colour = _STYLE.get(method, ("x", "k"))
            group = group.sort_values("call_fraction")
            ax.errorbar(group["call_fraction"], group["max_error_bits"],
                        yerr=[group["max_error_bits"] - group["max_error_bits_low"],
                              group["max_error_bits_high"] - group["max_error_bits"]],
                        marker=marker, color=colour, markersize=3.5, linewidth=0.8, capsize=1.5, label=method)  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_ylim(bottom=0)
        ax.set_title(f"{experiment}, {estimator}", fontsize=8)
        ax.set_xlabel("share of epochs measured")
        ax.set_ylabel("largest error, bits")
        ax.grid(True, linewidth=0.3, alpha=0.5)
    for ax in axes[len(keys):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=6, loc="upper left")
    return save_figure(fig, stem)
