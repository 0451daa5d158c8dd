"""Figures of the validation study (:mod:`infoplane.validation`): estimates against the known
truths, and the bias against the sample size N and the dimension."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, save_figure

__all__ = ["estimates_against_truth", "bias"]


def _colours(names):
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return {name: cmap(i % 20) for i, name in enumerate(names)}


def estimates_against_truth(table: pd.DataFrame, stem: str | os.PathLike) -> list[Path]:
    """Estimate against truth (bits) at the largest N, one panel per task and quantity, one
    colour per estimator; the diagonal is a perfect estimator."""
    n_max = table["n_samples"].max()
    data = table[table["n_samples"] == n_max]
    panels = list(data.groupby(["task", "quantity"], sort=False).groups)
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    fig = Figure(figsize=(TEXT_WIDTH_IN, 1.9 * rows + 0.9), layout="constrained")
    axes = np.atleast_2d(fig.subplots(rows, columns, squeeze=False))
    colours = _colours(list(dict.fromkeys(data["estimator"])))
    for ax, (task, quantity) in zip(axes.flat, panels):
        panel = data[(data["task"] == task) & (data["quantity"] == quantity)]
        for name, group in panel.groupby("estimator", sort=False):
            ax.scatter(group["truth_bits"], group["estimate_bits"], s=6, color=colours[name], label=name, alpha=0.8)
        low = min(panel["truth_bits"].min(), panel["estimate_bits"].min())
        high = max(panel["truth_bits"].max(), panel["estimate_bits"].max())
        ax.plot([low, high], [low, high], "k--", linewidth=0.8)
        ax.set_title(f"{task}, {quantity.replace('_', '(').replace('XT', 'X;T)').replace('TY', 'T;Y)')}, N = {n_max}")
        ax.set_xlabel("truth [bits]")
        ax.set_ylabel("estimate [bits]")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)), markerscale=1.5)
    return save_figure(fig, stem)


def bias(summary: pd.DataFrame, stem: str | os.PathLike) -> list[Path]:
    """Mean bias (estimate - truth, bits) of each estimator's I(X;T): left against N (mean
    over the variants of each task), right against the width d (the Gaussian tasks' dimension, the
    random layers' units) at the largest N, mean over each task's variants of that width."""
    xt = summary[summary["quantity"] == "I_XT"]
    fig = Figure(figsize=(TEXT_WIDTH_IN, 3.4), layout="constrained")
    ax_n, ax_d = fig.subplots(1, 2)
    colours = _colours(list(dict.fromkeys(xt["estimator"])))
    styles = {"gaussian": "-", "channel": "--", "deterministic": ":", "noisy": "-."}
    for (name, task), group in xt.groupby(["estimator", "task"], sort=False):
        by_n = group.groupby("n_samples")["bias_bits"].mean()
        ax_n.plot(by_n.index, by_n.values, styles.get(task, "-"), marker="o", markersize=3, color=colours[name],
                  label=name if task == "gaussian" else None)
    at_n = xt[xt["n_samples"] == xt["n_samples"].max()]
    for (name, task), group in at_n.groupby(["estimator", "task"], sort=False):
        by_d = group.groupby("dim")["bias_bits"].mean()
        ax_d.plot(by_d.index, by_d.values, styles.get(task, "-"), marker="o", markersize=3, color=colours[name])
    ax_n.set_xscale("log", base=2)
    ax_n.set_xlabel("N (samples)")
    ax_n.set_ylabel("bias of I(X;T) [bits]")
    ax_n.set_title("against N (line: solid gaussian, dashed channel,\ndotted deterministic, dash-dot noisy)")
    ax_d.set_xscale("log", base=2)
    ax_d.set_xlabel("dimension / layer width d")
    ax_d.set_ylabel("bias of I(X;T) [bits]")
    ax_d.set_title(f"against width (mean over each task's variants), N = {xt['n_samples'].max()}")
    for ax in (ax_n, ax_d):
        ax.axhline(0.0, color="k", linewidth=0.8)
        ax.grid(alpha=0.3)
    handles, labels = ax_n.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)))
    return save_figure(fig, stem)
