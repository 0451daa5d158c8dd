"""All figures of the workflow, drawn from the tidy tables of :mod:`infoplane.tables`.

Each function draws one figure and writes it as ``<stem>.pdf`` (for LaTeX) and ``<stem>.png``
(for people). Curves are means over seeds; shaded bands are ± one standard deviation over seeds.
Figures use matplotlib's object-oriented API (no pyplot), so importing this module does not
touch the interactive backend.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .paths import FIGURE_FORMATS

__all__ = [
    "save_figure",
    "information_plane",
    "information_vs_epoch",
    "gradients",
    "learning_curves",
    "information_plane_overview",
]

EPOCH_CMAP = "gnuplot"  # the colour map of [ST17]'s information planes
LAYER_CMAP = "viridis"


def save_figure(fig: Figure, stem: str | os.PathLike) -> list[Path]:
    """Write ``fig`` as ``<stem>.pdf`` and ``<stem>.png`` (150 dpi); returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix in FIGURE_FORMATS:
        path = stem.with_name(stem.name + suffix)
        fig.savefig(path, dpi=150, bbox_inches="tight")
        paths.append(path)
    return paths


def _layer_label(layer: int, output_layer: int) -> str:
    return f"layer {layer} (output)" if layer == output_layer else f"layer {layer}"


def _layer_colours(n_layers: int):
    from matplotlib import colormaps

    cmap = colormaps[LAYER_CMAP]
    return [cmap(x) for x in np.linspace(0.0, 0.9, n_layers)]


def _symlog_epochs(ax) -> None:
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("epoch")
    ax.set_xlim(left=0)


def _draw_plane(ax, table: pd.DataFrame, norm: LogNorm):
    """Information plane on ``ax``: mean over seeds per (epoch, layer), coloured by epoch."""
    from matplotlib import colormaps

    cmap = colormaps[EPOCH_CMAP]
    means = table.groupby(["epoch", "layer"])[["I_XT_bits", "I_TY_bits"]].mean().reset_index()
    for epoch, group in means.groupby("epoch"):
        group = group.sort_values("layer")
        colour = cmap(norm(max(epoch, 1)))
        ax.plot(group["I_XT_bits"], group["I_TY_bits"], "-", color=colour, linewidth=0.6, alpha=0.35)
    points = ax.scatter(
        means["I_XT_bits"], means["I_TY_bits"], c=np.maximum(means["epoch"], 1), cmap=cmap, norm=norm,
        s=18, edgecolors="none", zorder=3,
    )  # fmt: skip
    final = means[means["epoch"] == means["epoch"].max()]
    for _, row in final.iterrows():
        ax.annotate(f"L{int(row['layer'])}", (row["I_XT_bits"], row["I_TY_bits"]), xytext=(4, -8),
                    textcoords="offset points", fontsize=7)
    ax.set_xlabel("I(X;T) [bits]")
    ax.set_ylabel("I(T;Y) [bits]")
    ax.grid(alpha=0.3)
    return points


def _epoch_norm(tables: Sequence[pd.DataFrame]) -> LogNorm:
    last = max(int(t["epoch"].max()) for t in tables)
    return LogNorm(vmin=1, vmax=max(last, 2))


def information_plane(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """The information plane of one experiment and estimator ([ST17] Fig. 1 style).

    Each point is one layer at one recorded epoch, at (I(X;T), I(T;Y)) averaged over seeds, its
    colour the epoch on a logarithmic colour bar (epoch 0 drawn with epoch 1's colour); the
    layers of one epoch are joined by a line. ``table`` is an information table.
    """
    fig = Figure(figsize=(5.6, 4.2), layout="constrained")
    ax = fig.subplots()
    norm = _epoch_norm([table])
    points = _draw_plane(ax, table, norm)
    fig.colorbar(points, ax=ax, label="epoch")
    ax.set_title(title or f"{table['experiment'].iloc[0]}, {table['estimator'].iloc[0]}", fontsize=10)
    return save_figure(fig, stem)


def information_vs_epoch(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """I(X;T) and I(T;Y) of each layer against epoch, mean ± sd over seeds."""
    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    output_layer = int(table["layer"].max())
    colours = _layer_colours(output_layer)
    stats = table.groupby(["layer", "epoch"])[["I_XT_bits", "I_TY_bits"]].agg(["mean", "std"])
    for ax, column, label in zip(axes, ("I_XT_bits", "I_TY_bits"), ("I(X;T) [bits]", "I(T;Y) [bits]")):
        for layer in range(1, output_layer + 1):
            s = stats.loc[layer, column]
            ax.plot(s.index, s["mean"], color=colours[layer - 1], label=_layer_label(layer, output_layer))
            ax.fill_between(s.index, s["mean"] - s["std"].fillna(0), s["mean"] + s["std"].fillna(0),
                            color=colours[layer - 1], alpha=0.2, linewidth=0)
        _symlog_epochs(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=7, loc="lower right")
    fig.suptitle(title or f"{table['experiment'].iloc[0]}, {table['estimator'].iloc[0]}", fontsize=10)
    return save_figure(fig, stem)


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
    colours = _layer_colours(output_layer)
    for layer in range(1, output_layer + 1):
        layer_data = data[data["layer"] == layer]
        for quantity, ax, style in (
            ("gradient_mean_norm", ax_norm, "-"),
            ("gradient_std_norm", ax_norm, "--"),
            ("gradient_snr", ax_snr, "-"),
        ):
            s = layer_data[layer_data["quantity"] == quantity].groupby("epoch")["value"].mean()
            label = _layer_label(layer, output_layer) if style == "-" and ax is ax_snr else None
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
        _symlog_epochs(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title or f"{table['experiment'].iloc[0]}: learning curves", fontsize=10)
    return save_figure(fig, stem)


def information_plane_overview(tables: Sequence[pd.DataFrame], stem: str | os.PathLike) -> list[Path]:
    """A grid of information planes, experiments in rows and estimators in columns, one colour bar.

    ``tables`` are information tables, each of one experiment and estimator.
    """
    experiments = list(dict.fromkeys(t["experiment"].iloc[0] for t in tables))
    estimators = list(dict.fromkeys(t["estimator"].iloc[0] for t in tables))
    fig = Figure(figsize=(3.2 * len(estimators) + 0.8, 2.8 * len(experiments)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(experiments), len(estimators), squeeze=False))
    norm = _epoch_norm(tables)
    points = None
    for t in tables:
        ax = axes[experiments.index(t["experiment"].iloc[0]), estimators.index(t["estimator"].iloc[0])]
        points = _draw_plane(ax, t, norm)
        ax.set_title(f"{t['experiment'].iloc[0]}, {t['estimator'].iloc[0]}", fontsize=9)
    for ax in axes.flat:
        if not ax.has_data():
            ax.set_axis_off()
    fig.colorbar(points, ax=axes, label="epoch", shrink=0.8)
    return save_figure(fig, stem)
