"""Figures of the workflow, drawn from its tidy tables, one module per stage.

Each function draws one figure and writes it as ``<stem>.pdf`` (for LaTeX) and ``<stem>.png``
(for people) with :func:`save_figure`. Figures use matplotlib's object-oriented API (no pyplot),
so importing these modules does not touch the interactive backend.

* :mod:`infoplane.plots.planes`: information planes, I against epoch, estimators side by side,
  sweeps;
* :mod:`infoplane.plots.training`: gradient statistics and learning curves;
* :mod:`infoplane.plots.validation`: estimates against known truths.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..paths import FIGURE_FORMATS

__all__ = ["save_figure", "layer_colours", "layer_label", "symlog_epochs", "placeholder", "NO_FINITE_ESTIMATES"]

#: What a figure of an empty information table says (every seed-epoch was non-finite).
NO_FINITE_ESTIMATES = "no finite estimates: every seed diverged before the first recorded epoch"

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


def layer_label(layer: int, output_layer: int) -> str:
    return f"layer {layer} (output)" if layer == output_layer else f"layer {layer}"


def layer_colours(n_layers: int):
    from matplotlib import colormaps

    cmap = colormaps[LAYER_CMAP]
    return [cmap(x) for x in np.linspace(0.0, 0.9, n_layers)]


def symlog_epochs(ax) -> None:
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("epoch")
    ax.set_xlim(left=0)


def placeholder(stem: str | os.PathLike, title: str, text: str = NO_FINITE_ESTIMATES) -> list[Path]:
    """A figure that says why there is nothing to draw (written like any other figure, so the
    workflow and the report go on)."""
    fig = Figure(figsize=(6.0, 2.4), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, wrap=True)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, stem)
