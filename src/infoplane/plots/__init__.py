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

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from ..paths import FIGURE_FORMATS

__all__ = [
    "TEXT_WIDTH_IN", "MIN_FONT_PT", "save_figure", "layer_colours", "layer_label", "symlog_epochs", "placeholder",
    "NO_FINITE_ESTIMATES",
]  # fmt: skip

#: The report's text width (A4, 2 cm margins: 17 cm), in inches. Figures are drawn at this width
#: (or a stated fraction of it) and included at their natural size, so that the sizes of their
#: type below are the printed sizes.
TEXT_WIDTH_IN = 17.0 / 2.54
#: The smallest type in a figure, in points at the printed size.
MIN_FONT_PT = 7.0

# Type sizes for print (points at the printed size; nothing below MIN_FONT_PT), and fonts embedded as
# TrueType (Type 42) rather than Type 3, which print and extract as text.
matplotlib.rcParams.update({
    "font.size": 8.0, "axes.titlesize": 8.0, "axes.labelsize": 8.0, "xtick.labelsize": 7.0, "ytick.labelsize": 7.0,
    "legend.fontsize": 7.0, "legend.title_fontsize": 7.0, "figure.titlesize": 9.0, "pdf.fonttype": 42,
})  # fmt: skip

#: What a figure of an empty information table says (every seed-epoch was non-finite).
NO_FINITE_ESTIMATES = "no finite estimates: every seed diverged before the first recorded epoch"

LAYER_CMAP = "viridis"


def save_figure(fig: Figure, stem: str | os.PathLike, *, tight: bool = False) -> list[Path]:
    """Write ``fig`` as ``<stem>.pdf`` and ``<stem>.png`` (150 dpi); returns the paths.

    The saved page is the figure's own size (``tight=False``), so that a figure drawn at
    :data:`TEXT_WIDTH_IN` prints at its natural size, type sizes as set; ``tight`` crops it to
    what is drawn instead."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    _plain_log_ticks(fig)
    paths = []
    for suffix in FIGURE_FORMATS:
        path = stem.with_name(stem.name + suffix)
        fig.savefig(path, dpi=150, bbox_inches="tight" if tight else None)
        paths.append(path)
    return paths


def _plain_log_ticks(fig: Figure) -> None:
    """Tick labels of logarithmic axes (colour bars included) as plain numbers (``1000``,
    ``1e-05``) instead of powers of ten, whose exponents would print below :data:`MIN_FONT_PT`."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() in ("log", "symlog"):
                axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
                axis.set_minor_formatter(NullFormatter())


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


def placeholder(
    stem: str | os.PathLike, title: str, text: str = NO_FINITE_ESTIMATES, *, width_in: float = TEXT_WIDTH_IN
) -> list[Path]:
    """A figure that says why there is nothing to draw (written like any other figure, so the
    workflow and the report go on), ``width_in`` wide: the figure it stands for."""
    fig = Figure(figsize=(width_in, 1.4), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True)
    fig.suptitle(title)
    return save_figure(fig, stem)
