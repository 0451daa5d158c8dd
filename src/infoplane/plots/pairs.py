"""Figures of seed 002's pairwise generalisation study (:mod:`infoplane.generalisation`).

* :func:`collapse_map`: every combination of network type and factor levels at a glance, its
  mean final test accuracy as colour and its status (trained, at chance, diverged) as text;
* :func:`predictions`: per network type, the fraction of clear pairs each signal predicts
  correctly with its bootstrap interval, beside seed 002's percentages and chance.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, save_figure

__all__ = ["collapse_map", "predictions", "STATUS_MARK"]

#: How a combination's status is written in its cell.
STATUS_MARK = {"trained": "", "chance": "at chance", "diverged": "diverged", "partly diverged": "some diverged"}


def collapse_map(collapse: pd.DataFrame, stem: str | os.PathLike) -> list[Path]:
    """Rows: network types; columns: combinations of the factors' levels (in the grid's order).
    Each cell: mean final test accuracy (colour and number), train accuracy below it, and the
    status when the combination did not train."""
    levels = [c for c in collapse.columns if c.startswith("level_")]
    networks = list(dict.fromkeys(collapse["network"]))
    combos = list(dict.fromkeys(tuple(r) for r in collapse[levels].itertuples(index=False)))
    grid = np.full((len(networks), len(combos)), np.nan)
    text = [["" for _ in combos] for _ in networks]
    for row in collapse.itertuples(index=False):
        r = networks.index(row.network)
        c = combos.index(tuple(getattr(row, name) for name in levels))
        grid[r, c] = row.test_accuracy
        mark = STATUS_MARK[row.status]
        acc = "" if not np.isfinite(row.test_accuracy) else f"{row.test_accuracy:.2f}\n({row.train_accuracy:.2f})"
        text[r][c] = acc + (f"\n{mark}" if mark else "")
    width = TEXT_WIDTH_IN
    fig = Figure(figsize=(width, 0.5 + 0.42 * len(networks) + 0.35 * len(levels)), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    for r in range(len(networks)):
        for c in range(len(combos)):
            value = grid[r, c]
            colour = "white" if not np.isfinite(value) or value < 0.6 else "black"
            ax.text(c, r, text[r][c], ha="center", va="center", fontsize=7, color=colour)
    ax.set_yticks(range(len(networks)), networks)
    ax.set_xticks(range(len(combos)), ["\n".join(combo) for combo in combos])
    ax.set_xlabel(" / ".join(name.removeprefix("level_") for name in levels))
    fig.colorbar(image, ax=ax, label="mean final test accuracy", shrink=0.9)
    ax.set_title("each combination: mean test accuracy (train accuracy) over seeds; diverged and at-chance ones marked")
    return save_figure(fig, stem)


def predictions(table: pd.DataFrame, stem: str | os.PathLike) -> list[Path]:
    """Fraction of clear pairs predicted correctly per network type and signal (bars with the
    bootstrap interval), seed 002's percentage (crosses) and chance (dashed line); the rows of
    every factor together (the table's breakdown by factor is left to the report)."""
    if "factor" in table.columns:
        table = table[table["factor"] == "all"]
    networks = list(dict.fromkeys(table["network"]))
    signals = list(dict.fromkeys(table["signal"]))
    labels = dict(zip(table["signal"], table["label"]))
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.6), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(signals)
    for j, signal in enumerate(signals):
        part = table[table["signal"] == signal].set_index("network").reindex(networks)
        x = np.arange(len(networks)) + (j - (len(signals) - 1) / 2) * width
        y = part["fraction"].to_numpy(float)
        low = np.clip(y - part["ci_low"].to_numpy(float), 0, None)
        high = np.clip(part["ci_high"].to_numpy(float) - y, 0, None)
        ax.bar(x, y, width * 0.9, color=f"C{j}", label=labels[signal], yerr=[low, high], capsize=2,
               error_kw={"elinewidth": 0.8})  # fmt: skip
        ref = part["seed002_percent"].to_numpy(float) / 100
        ax.plot(x, ref, "x", color="black", markersize=4, label="seed 002 (CIFAR-10)" if j == 0 else None)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=0.8, label="chance")
    ax.set_xticks(range(len(networks)), networks)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("fraction of clear pairs predicted")
    ax.legend(ncols=5, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return save_figure(fig, stem)
