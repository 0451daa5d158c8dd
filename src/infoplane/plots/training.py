"""Training figures from the training table (:mod:`infoplane.tables`): gradient statistics and
learning curves, means over seeds (shaded bands: ± one standard deviation)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, layer_colours, layer_label, save_figure, symlog_epochs

__all__ = ["gradients", "learning_curves"]


#: Written in the SNR panel when no epoch has more than one mini-batch.
SNR_UNDEFINED_FULL_BATCH = "SNR undefined: one mini-batch per epoch (full-batch gradient descent)"


def _positive(series: pd.Series) -> pd.Series:
    """The finite, positive values of a series (what a log axis can draw)."""
    values = series.replace([np.inf, -np.inf], np.nan)
    return values[values > 0]


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", wrap=True,
            bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.6"})


def gradients(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """Gradient statistics per layer against epoch on log-log axes ([ST17] Fig. 4).

    Left: the norm of the mean over an epoch's mini-batches of dLoss/dW_l (solid) and the norm of
    their standard deviation (dashed). Right: their ratio, the gradient SNR. ``table`` is a
    training table; epoch 0 (no gradients) is left out. Curves are means over the seeds with a
    finite value (diverged seeds drop out); only finite, positive means are drawn (log axes). A
    panel with nothing to draw keeps linear axes and says why: with one mini-batch per epoch
    (full-batch gradient descent) the spread, and so the SNR, is undefined
    (:data:`SNR_UNDEFINED_FULL_BATCH`).
    """
    data = table[(table["layer"].notna()) & (table["epoch"] > 0)]
    data = data.assign(value=data["value"].replace([np.inf, -np.inf], np.nan))
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.7), layout="constrained")
    ax_norm, ax_snr = fig.subplots(1, 2, sharex=True)
    output_layer = int(table["layer"].max())
    colours = layer_colours(output_layer)
    drawn = {ax_norm: 0, ax_snr: 0}
    for layer in range(1, output_layer + 1):
        layer_data = data[data["layer"] == layer]
        for quantity, ax, style in (
            ("gradient_mean_norm", ax_norm, "-"),
            ("gradient_std_norm", ax_norm, "--"),
            ("gradient_snr", ax_snr, "-"),
        ):
            s = _positive(layer_data[layer_data["quantity"] == quantity].groupby("epoch")["value"].mean())
            if s.empty:
                continue
            label = layer_label(layer, output_layer) if style == "-" else None
            ax.plot(s.index, s.values, style, color=colours[layer - 1], label=label, linewidth=1.0)
            drawn[ax] += 1
    std = data.loc[data["quantity"] == "gradient_std_norm", "value"]
    mean = data.loc[data["quantity"] == "gradient_mean_norm", "value"]
    full_batch = std.isna().all() and mean.notna().any()
    for ax in (ax_norm, ax_snr):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3, which="both")
        if drawn[ax]:
            ax.set_xscale("log")
            ax.set_yscale("log")
    if not drawn[ax_norm]:
        _note(ax_norm, "no finite, positive gradient norms (every seed diverged, or no epoch recorded)")
    elif full_batch:
        ax_norm.text(0.02, 0.02, "no sd: one mini-batch per epoch", transform=ax_norm.transAxes)
    if not drawn[ax_snr]:
        _note(ax_snr, SNR_UNDEFINED_FULL_BATCH if full_batch else "SNR undefined: no finite, positive values")
    ax_norm.set_ylabel("gradient norm (solid: mean, dashed: sd)")
    ax_snr.set_ylabel("gradient SNR = |mean| / sd")
    legend_ax = ax_snr if drawn[ax_snr] else ax_norm
    if drawn[legend_ax]:
        legend_ax.legend()
    fig.suptitle(title or f"{table['experiment'].iloc[0]}: gradient statistics")
    return save_figure(fig, stem)


def learning_curves(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """Train and test loss (nats) and accuracy against epoch, mean ± sd over the seeds with a
    finite value (a diverged seed drops out from its divergence on; the title says how many)."""
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.5), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2, sharex=True)
    table = table.assign(value=table["value"].replace([np.inf, -np.inf], np.nan))
    for ax, kind, label in ((ax_loss, "loss", "cross-entropy [nats]"), (ax_acc, "accuracy", "accuracy")):
        drawn = False
        for split, colour in (("train", "C0"), ("test", "C1")):
            s = table[table["quantity"] == f"{split}_{kind}"].groupby("epoch")["value"].agg(["mean", "std"])
            if s["mean"].isna().all():
                continue
            ax.plot(s.index, s["mean"], color=colour, label=split)
            ax.fill_between(s.index, s["mean"] - s["std"].fillna(0), s["mean"] + s["std"].fillna(0),
                            color=colour, alpha=0.2, linewidth=0)
            drawn = True
        symlog_epochs(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if drawn:
            ax.legend()
        else:
            _note(ax, "no finite values (every seed diverged)")
    loss = table[(table["quantity"] == "train_loss") & (table["epoch"] > 0)]
    seeds = loss["seed"].nunique()
    diverged = loss.groupby("seed")["value"].apply(lambda v: v.isna().any()).sum() if seeds else 0
    suffix = f" ({diverged} of {seeds} seeds diverged: means over the finite ones)" if diverged else ""
    fig.suptitle((title or f"{table['experiment'].iloc[0]}: learning curves") + suffix)
    return save_figure(fig, stem)
