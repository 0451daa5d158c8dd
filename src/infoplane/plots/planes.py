"""Information planes and information against epoch, from information tables
(:mod:`infoplane.estimation`); estimators side by side; the compression of a sweep.

Curves are means over seeds; shaded bands are ± one standard deviation over seeds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, layer_colours, layer_label, save_figure, symlog_epochs

__all__ = ["information_plane", "information_vs_epoch", "estimator_planes", "sweep_compression"]

EPOCH_CMAP = "gnuplot"  # the colour map of [ST17]'s information planes
#: One estimator's information plane and its curves against epoch print side by side at the text
#: width (the report's appendix); each other figure takes the whole width.
PLANE_WIDTH_IN = 0.40 * TEXT_WIDTH_IN
EPOCHS_WIDTH_IN = 0.59 * TEXT_WIDTH_IN


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
        s=9, edgecolors="none", zorder=3,
    )  # fmt: skip
    final = means[means["epoch"] == means["epoch"].max()]
    for _, row in final.iterrows():
        ax.annotate(f"L{int(row['layer'])}", (row["I_XT_bits"], row["I_TY_bits"]), xytext=(4, -8),
                    textcoords="offset points", fontsize=7)
    ax.set_xlabel("I(X;T) [bits]")
    ax.set_ylabel("I(T;Y) [bits]")
    ax.grid(alpha=0.3)
    return points


def _wrapped(name: str, width: int = 22) -> str:
    """An instance name over two lines (after a ``-``) when it is too long for a panel's title."""
    if len(name) <= width or "-" not in name:
        return name
    cut = name.rfind("-", 0, width) + 1 or name.find("-") + 1
    return name[:cut] + "\n" + name[cut:]


def _epoch_norm(tables: Sequence[pd.DataFrame]) -> LogNorm:
    last = max(int(t["epoch"].max()) for t in tables)
    return LogNorm(vmin=1, vmax=max(last, 2))


def information_plane(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """The information plane of one experiment and estimator ([ST17] Fig. 1 style).

    Each point is one layer at one recorded epoch, at (I(X;T), I(T;Y)) averaged over seeds, its
    colour the epoch on a logarithmic colour bar (epoch 0 drawn with epoch 1's colour); the
    layers of one epoch are joined by a line. ``table`` is an information table.
    """
    fig = Figure(figsize=(PLANE_WIDTH_IN, 2.2), layout="constrained")
    ax = fig.subplots()
    norm = _epoch_norm([table])
    points = _draw_plane(ax, table, norm)
    fig.colorbar(points, ax=ax, label="epoch", pad=0.02)
    ax.set_title(title or f"{table['experiment'].iloc[0]}, {table['estimator'].iloc[0]}")
    return save_figure(fig, stem)


def information_vs_epoch(table: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """I(X;T) and I(T;Y) of each layer against epoch, mean ± sd over seeds."""
    fig = Figure(figsize=(EPOCHS_WIDTH_IN, 2.2), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    output_layer = int(table["layer"].max())
    colours = layer_colours(output_layer)
    stats = table.groupby(["layer", "epoch"])[["I_XT_bits", "I_TY_bits"]].agg(["mean", "std"])
    for ax, column, label in zip(axes, ("I_XT_bits", "I_TY_bits"), ("I(X;T) [bits]", "I(T;Y) [bits]")):
        for layer in range(1, output_layer + 1):
            s = stats.loc[layer, column]
            ax.plot(s.index, s["mean"], color=colours[layer - 1], label=layer_label(layer, output_layer))
            ax.fill_between(s.index, s["mean"] - s["std"].fillna(0), s["mean"] + s["std"].fillna(0),
                            color=colours[layer - 1], alpha=0.2, linewidth=0)
        symlog_epochs(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3), handlelength=1.2,
               columnspacing=1.0, labelspacing=0.2)  # fmt: skip
    fig.suptitle(title or f"{table['experiment'].iloc[0]}, {table['estimator'].iloc[0]}")
    return save_figure(fig, stem)


def estimator_planes(tables: Sequence[pd.DataFrame], stem: str | os.PathLike, *, columns: int = 4) -> list[Path]:
    """The information planes of every estimator instance of one experiment, side by side, from
    the same activation dumps; one colour bar (epoch). ``tables`` are information tables, one
    per instance, in the order to draw."""
    count = len(tables)
    columns = min(columns, count)
    rows = -(-count // columns)
    fig = Figure(figsize=(TEXT_WIDTH_IN, 1.75 * rows + 0.35), layout="constrained")
    axes = np.atleast_2d(fig.subplots(rows, columns, squeeze=False))
    norm = _epoch_norm(tables)
    points = None
    for ax, table in zip(axes.flat, tables):
        points = _draw_plane(ax, table, norm)
        ax.set_title(_wrapped(str(table["estimator"].iloc[0])), fontsize=7)
    for ax in list(axes.flat)[count:]:
        ax.set_axis_off()
    fig.colorbar(points, ax=axes, label="epoch", shrink=0.8, pad=0.01)
    fig.suptitle(f"{tables[0]['experiment'].iloc[0]}: every estimator on the same activations (mean over seeds)")
    return save_figure(fig, stem)


def sweep_compression(summaries: Sequence[pd.DataFrame], swept: Sequence[dict], stem: str | os.PathLike) -> list[Path]:
    """Each hidden layer's fall of I(X;T) after its peak (bits, mean over seeds) against the swept
    parameter value, one line per layer.

    ``summaries`` are summary tables (:mod:`infoplane.summary`) of a sweep's instances, and
    ``swept`` their swept values ({parameter: value}, one parameter or several). Numeric values
    of one parameter go on a logarithmic axis when they span more than a factor of 10.
    """
    fig = Figure(figsize=(0.6 * TEXT_WIDTH_IN, 2.6), layout="constrained")
    ax = fig.subplots()
    keys = list(swept[0])
    numeric = len(keys) == 1 and all(isinstance(s[keys[0]], (int, float)) for s in swept)
    labels = [", ".join(f"{k}={v}" for k, v in s.items()) for s in swept]
    x = np.array([s[keys[0]] for s in swept], dtype=float) if numeric else np.arange(len(swept))
    hidden = [t[(t["quantity"] == "I_XT") & t["hidden"].astype(bool)] for t in summaries]
    layers = sorted({int(layer) for t in hidden for layer in t["layer"]})
    colours = layer_colours(max(layers) + 1)
    for layer in layers:
        drops = [float(t.loc[t["layer"] == layer, "drop_bits"].iloc[0]) if (t["layer"] == layer).any() else np.nan for t in hidden]
        order = np.argsort(x)
        ax.plot(x[order], np.array(drops)[order], "o-", color=colours[layer - 1], label=f"layer {layer}")
    if numeric:
        positive = x[x > 0]
        if len(positive) == len(x) and x.max() / x.min() > 10:
            ax.set_xscale("log")
        ax.set_xlabel(keys[0])
    else:
        ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylabel("fall of I(X;T) after its peak [bits]")
    ax.grid(alpha=0.3)
    ax.legend()
    first = summaries[0]
    ax.set_title(f"{first['experiment'].iloc[0]}: compression against {', '.join(keys)}")
    return save_figure(fig, stem)
