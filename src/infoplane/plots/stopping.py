"""Figures of the stopping-criterion study (:mod:`infoplane.stopping`).

* :func:`comparison`: per experiment, each rule's mean test accuracy against its mean wall time
  per network, both with their bootstrap intervals over seeds;
* :func:`curves`: per experiment, the mean check curves over seeds (validation loss and the MI
  objective of each β), with the mean stop epoch of each rule marked.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, save_figure

__all__ = ["comparison", "curves"]


def _rule_colour(rule: str, rules: list[str]) -> str:
    return f"C{rules.index(rule) % 10}"


def comparison(summary: pd.DataFrame, stem: str | os.PathLike) -> list[Path]:
    """Test accuracy against wall seconds per network, one panel per experiment, one point per rule."""
    experiments = list(dict.fromkeys(summary["experiment"]))
    rules = list(dict.fromkeys(summary["rule"]))
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.6), layout="constrained")
    axes = fig.subplots(1, len(experiments), squeeze=False)[0]
    for ax, experiment in zip(axes, experiments):
        part = summary[summary["experiment"] == experiment]
        for row in part.itertuples(index=False):
            x, y = row.wall_seconds, row.test_accuracy
            ax.errorbar(x, y, xerr=[[max(x - row.wall_seconds_low, 0)], [max(row.wall_seconds_high - x, 0)]],
                        yerr=[[max(y - row.test_accuracy_low, 0)], [max(row.test_accuracy_high - y, 0)]],
                        fmt="o", color=_rule_colour(row.rule, rules), label=row.rule, capsize=2, markersize=4)  # fmt: skip
        ax.set_title(experiment)
        ax.set_xlabel("wall seconds per network (training + checks)")
        ax.set_ylabel("test accuracy")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    return save_figure(fig, stem)


def curves(curves: pd.DataFrame, decided: pd.DataFrame, settings, stem: str | os.PathLike) -> list[Path]:
    """Mean validation loss and MI objective over seeds at each check (one row of panels per
    experiment), with each rule's mean stop epoch as a vertical line."""
    experiments = list(dict.fromkeys(curves["experiment"]))
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.3 * len(experiments)), layout="constrained")
    axes = fig.subplots(len(experiments), 2, squeeze=False)
    rules = list(dict.fromkeys(decided["rule"]))
    for (ax_loss, ax_mi), experiment in zip(axes, experiments):
        part = curves[(curves["experiment"] == experiment) & curves["finite"]]
        mean = part.groupby("epoch")[["validation_loss", "I_XY_bits", "I_YY_bits"]].mean()
        ax_loss.plot(mean.index, mean["validation_loss"], color="black")
        ax_loss.set_ylabel("validation loss (nats)")
        for beta in settings["betas"]:
            ax_mi.plot(mean.index, mean["I_XY_bits"] - beta * mean["I_YY_bits"], label=f"beta = {beta:g}")
        ax_mi.set_ylabel("I(X;Y^) - beta I(Y^;Y) (bits)")
        stops = decided[(decided["experiment"] == experiment) & ~decided["diverged"].astype(bool)].groupby("rule")["stop_epoch"].mean()
        for rule, epoch in stops.items():
            target = ax_loss if rule == "validation_loss" else ax_mi if rule.startswith("mi_") else None
            if target is not None and np.isfinite(epoch):
                target.axvline(epoch, color=_rule_colour(rule, rules), linestyle="--", linewidth=0.8)
        for ax in (ax_loss, ax_mi):
            ax.set_xlabel("epoch")
            ax.set_title(experiment, loc="left")
            ax.grid(alpha=0.3)
        ax_mi.legend(fontsize=7)
    return save_figure(fig, stem)
