"""Training figures from the training table (:mod:`infoplane.tables`): gradient statistics and
learning curves, means over seeds (shaded bands: ± one standard deviation)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import layer_colours, layer_label, save_figure, symlog_epochs

__all__ = ["gradients", "learning_curves"]


def gradients(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """Gradient statistics per layer against epoch on log-log axes ([ST17] Fig. 4).

    Left: the norm of the mean over an epoch's mini-batches of dLoss/dW_l (solid) and the norm of
    their standard deviation (dashed). Right: their ratio, the gradient SNR. ``table`` is a
    training table; epoch 0 (no gradients) is left out.
    """
    data = table[(table["layer"].notna()) & (table["epoch"] > 0)]
    # an epoch with one mini-batch has no spread: SNR = inf, left out of the mean
    data = data.assign(value=data["value"].replace([np.inf, -np.inf], np.nan))
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    ax_norm, ax_snr = fig.subplots(1, 2, sharex=True)
    output_layer = int(data["layer"].max())
    colours = layer_colours(output_layer)
    for layer in range(1, output_layer + 1):
        layer_data = data[data["layer"] == layer]
        for quantity, ax, style in (
            ("gradient_mean_norm", ax_norm, "-"),
            ("gradient_std_norm", ax_norm, "--"),
            ("gradient_snr", ax_snr, "-"),
        ):
            s = layer_data[layer_data["quantity"] == quantity].groupby("epoch")["value"].mean()
            label = layer_label(layer, output_layer) if style == "-" and ax is ax_snr else None
            ax.plot(s.index, s.values, style, color=colours[layer - 1], label=label, linewidth=1.0)
    for ax in (ax_norm, ax_snr):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3, which="both")
    ax_norm.set_ylabel("gradient norm (solid: mean, dashed: sd)")
    ax_snr.set_ylabel("gradient SNR = |mean| / sd")
    ax_snr.legend(fontsize=7)
    fig.suptitle(title or f"{table['experiment'].iloc[0]}: gradient statistics", fontsize=10)
    return save_figure(fig, stem)


def learning_curves(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """Train and test loss (nats) and accuracy against epoch, mean ± sd over seeds."""
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2, sharex=True)
    for ax, kind, label in ((ax_loss, "loss", "cross-entropy [nats]"), (ax_acc, "accuracy", "accuracy")):
        for split, colour in (("train", "C0"), ("test", "C1")):
            s = table[table["quantity"] == f"{split}_{kind}"].groupby("epoch")["value"].agg(["mean", "std"])
            if s["mean"].isna().all():
                continue
            ax.plot(s.index, s["mean"], color=colour, label=split)
            ax.fill_between(s.index, s["mean"] - s["std"].fillna(0), s["mean"] + s["std"].fillna(0),
                            color=colour, alpha=0.2, linewidth=0)
        symlog_epochs(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or f"{table['experiment'].iloc[0]}: learning curves", fontsize=10)
    return save_figure(fig, stem)
