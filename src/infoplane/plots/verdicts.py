"""The verdicts at a glance: the claims table (:mod:`infoplane.claims`) as a grid of claims
(columns, grouped by experiment or pair of experiments) under each estimator (rows), each cell
coloured by its verdict and carrying the measured statistic of the deciding layer with its
bootstrap interval. Drawn at the report's text width with 7-point type, so that it prints legibly
at its natural size; wide studies wrap into several blocks of columns."""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ..claims import CLAIMS, claim
from . import TEXT_WIDTH_IN, save_figure

__all__ = ["VERDICT_COLOURS", "verdict_grid", "grid_columns", "cell_text"]

#: Cell colours: confirmed green, refuted red, inconclusive grey (legible in greyscale too: light, dark, mid).
VERDICT_COLOURS = {"confirmed": "#9fd59a", "refuted": "#ee8f86", "inconclusive": "#dddddd"}
_STATISTIC_NOTE = {"spearman_fall_vs_test_accuracy": " (pooled)", "spearman_within_experiments": " (within)"}
_ORDER = {c.name: i for i, c in enumerate(CLAIMS)}
FONT_PT = 7.0
_PAD_IN = 0.03  # white space inside a cell, both sides together
_ROW_IN = 0.27
_LINE_IN = FONT_PT * 1.25 / 72


def _number(value: float, statistic: str, decimals: int) -> str:
    if not np.isfinite(value):
        return "n/a"
    places = 0 if statistic.endswith("_epoch") or abs(value) >= 100 else max(decimals - 1, 0) if abs(value) >= 10 else decimals
    return f"{0.0 if round(value, places) == 0 else value:.{places}f}"  # no "-0.0"


def cell_text(row, decimals: int = 2) -> str:
    """Two lines for one aggregate claims row: the deciding layer and the estimate, then the
    interval (``"L5 4.25\n[3.44, 5.09]"``), numbers to ``decimals`` places."""
    statistic = str(row["statistic"])
    match = re.search(r"shown: layer (\d+)", str(row["rule"]))
    layer = f"L{match.group(1)} " if match else ""

    def number(value):
        return _number(value, statistic, decimals)

    return f"{layer}{number(row['estimate'])}\n[{number(row['ci_low'])}, {number(row['ci_high'])}]"


def grid_columns(claims: pd.DataFrame, experiments: Sequence[str]) -> list[tuple[str, str, str]]:
    """The grid's columns, (experiment, claim, statistic) of the aggregate rows (``layer ==
    "hidden"``): each experiment's claims in ``experiments`` order, then the comparisons in the
    table's order; claims in the order they are declared."""
    hidden = claims[claims["layer"].astype(str) == "hidden"]
    keys = list(dict.fromkeys(zip(hidden["experiment"], hidden["claim"], hidden["statistic"])))
    rank = {name: i for i, name in enumerate(experiments)}
    first_seen = {k[0]: i for i, k in reversed(list(enumerate(keys)))}
    return sorted(keys, key=lambda k: (rank.get(k[0], len(rank) + first_seen[k[0]]), _ORDER.get(k[1], 99)))


def _blocks(columns: list, per_block: int) -> list[list]:
    """Columns split into blocks of at most ``per_block``, at experiment boundaries where possible."""
    blocks, current = [], []
    for key in columns:
        group = [k for k in columns if k[0] == key[0]]
        starts_group = not current or current[-1][0] != key[0]
        if current and (len(current) >= per_block or (starts_group and len(current) + len(group) > per_block)):
            blocks.append(current)
            current = []
        current.append(key)
    return blocks + [current] if current else blocks


def _text_width_in(texts: Sequence[str], **font) -> float:
    """The widest of ``texts`` at :data:`FONT_PT`, in inches, as matplotlib draws it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(1, 1), dpi=600)  # fine pixels: little hinting
    renderer = FigureCanvasAgg(fig).get_renderer()
    widths = [fig.text(0, 0, t, fontsize=FONT_PT, **font).get_window_extent(renderer).width for t in texts]
    return max(widths, default=0.0) / 600


def _wrap_name(name: str, chars: int) -> str:
    """``name`` over lines of at most ``chars`` characters, broken after its ``-`` and ``_``."""
    lines = [""]
    for part in re.split(r"(?<=[-_])", name):
        if lines[-1] and len(lines[-1]) + len(part) > chars:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


#: Where the claims' long words may break, with a hyphen, in a narrow column's header.
_BREAKS = {"compression": ("compres", "sion"), "generalise": ("genera", "lise"), "activation": ("activa", "tion"),
           "training": ("train", "ing"), "depends": ("de", "pends")}  # fmt: skip


def _fill(text: str, width_in: float) -> str:
    """``text`` over lines no wider than ``width_in`` at :data:`FONT_PT`, its long words broken
    where :data:`_BREAKS` allows (with a hyphen) when a word alone is too wide."""
    lines: list[str] = []
    for word in text.split():
        pieces = [word]
        if _text_width_in([word]) > width_in and word.strip("()") in _BREAKS:
            head, tail = _BREAKS[word.strip("()")]
            pieces = [word.replace(head + tail, head) + "-", tail + word[len(word.rstrip("()")):]]
        for piece in pieces:
            if lines and not lines[-1].endswith("-") and _text_width_in([f"{lines[-1]} {piece}"]) <= width_in:
                lines[-1] = f"{lines[-1]} {piece}"
            elif lines and lines[-1].endswith("-") and piece is pieces[-1] and len(pieces) > 1:
                lines.append(piece)
            else:
                lines.append(piece)
    return "\n".join(lines)


def _header(key) -> str:
    experiment, name, statistic = key
    return claim(name).label + _STATISTIC_NOTE.get(statistic, "") if name in _ORDER else name


def verdict_grid(
    claims: pd.DataFrame,
    stem: str | os.PathLike,
    *,
    experiments: Sequence[str] = (),
    estimators: Sequence[str] = (),
    width_in: float = TEXT_WIDTH_IN,
) -> list[Path]:
    """Draw the verdict grid of a study's claims table and write ``<stem>.pdf``/``.png``.

    Parameters
    ----------
    claims : the study's claims table (columns of :data:`infoplane.claims.COLUMNS`).
    experiments, estimators : the order of the column groups and of the rows (the config's);
        names not given follow in the table's order.
    width_in : the figure's width in inches (the report's text width).
    """
    hidden = claims[claims["layer"].astype(str) == "hidden"]
    rows = list(dict.fromkeys([e for e in estimators if e in set(hidden["estimator"])] + list(hidden["estimator"])))
    columns = grid_columns(claims, experiments)
    if not rows or not columns:
        fig = Figure(figsize=(width_in, 1.0))
        fig.text(0.5, 0.5, "no claim could be tested: no estimator with qualifying seeds", ha="center", va="center",
                 fontsize=FONT_PT + 1)
        return save_figure(fig, stem)
    cells = {(r["experiment"], r["claim"], r["statistic"], r["estimator"]): r for _, r in hidden.iterrows()}

    # the columns as narrow as their contents; row labels wrapped at their - and _, and one decimal
    # fewer, when that saves a block of columns
    words = [piece for key in columns for w in _header(key).split()
             for piece in ([f"{_BREAKS[w.strip('()')][0]}-", _BREAKS[w.strip('()')][1]] if w.strip("()") in _BREAKS else [w])]  # fmt: skip
    options = []
    for decimals in (2, 1):
        texts = [cell_text(row, decimals) for row in cells.values()]
        narrowest = max(_text_width_in(texts), _text_width_in(words)) + _PAD_IN
        for chars in sorted({max(len(r) for r in rows), 20, 16, 14, 12}, reverse=True):
            labels = {r: _wrap_name(r, chars) for r in rows}
            lines = max(label.count("\n") + 1 for label in labels.values())
            if lines > 2 and chars != max(len(r) for r in rows):
                continue  # a row holds two lines of a label
            label_in = min(0.45 * width_in, _text_width_in(list(labels.values()), family="monospace") + 0.12)
            blocks = _blocks(columns, max(1, int((width_in - label_in) // narrowest)))
            options.append(((len(blocks), -decimals, lines), decimals, labels, label_in, blocks))
    best = min(options, key=lambda option: option[0])[1:]
    decimals, labels, label_in, blocks = best
    column_in = min(1.3, (width_in - label_in) / max(len(b) for b in blocks))
    headers = {key: _fill(_header(key), column_in - _PAD_IN) for key in columns}
    def group_spans(block):
        spans, start = [], 0
        while start < len(block):
            end = start
            while end < len(block) and block[end][0] == block[start][0]:
                end += 1
            group = block[start][0]
            title = "all experiments" if group == "all" else group
            span_chars = max(6, int((end - start) * column_in * 72 / (0.62 * (FONT_PT + 0.5))))
            spans.append((start, end, textwrap.fill(title, span_chars, break_long_words=False)))
            start = end
        return spans

    layouts = []
    for block in blocks:
        spans = group_spans(block)
        group_lines = max(t.count("\n") + 1 for _, _, t in spans)
        claim_lines = max(headers[k].count("\n") + 1 for k in block)
        header_in = (group_lines + claim_lines + 0.6) * _LINE_IN + 0.12
        layouts.append((block, spans, group_lines, header_in, header_in + len(rows) * _ROW_IN))
    legend_in = 0.28
    gap_in = 0.15
    height_in = sum(layout[-1] for layout in layouts) + gap_in * (len(blocks) - 1) + legend_in
    fig = Figure(figsize=(width_in, height_in))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.set_xlim(0, width_in)
    ax.set_ylim(height_in, 0)  # inches from the top

    top = 0.0
    for block, spans, group_lines, header_in, block_height in layouts:
        rule_y = top + group_lines * _LINE_IN + 0.05
        for start, end, title in spans:  # the experiment (or comparison) above its claims
            x0, x1 = label_in + start * column_in, label_in + end * column_in
            ax.text((x0 + x1) / 2, rule_y - 0.03, title, ha="center", va="bottom", fontsize=FONT_PT + 0.5,
                    fontweight="bold", linespacing=1.05)
            ax.plot([x0 + 0.04, x1 - 0.04], [rule_y, rule_y], color="black", linewidth=0.6)
        for j, key in enumerate(block):
            ax.text(label_in + (j + 0.5) * column_in, top + header_in - 0.04, headers[key], ha="center", va="bottom",
                    fontsize=FONT_PT, linespacing=1.1)
        for i, estimator in enumerate(rows):
            y = top + header_in + i * _ROW_IN
            ax.text(label_in - 0.06, y + _ROW_IN / 2, labels[estimator], ha="right", va="center", fontsize=FONT_PT,
                    family="monospace", linespacing=1.0)
            for j, key in enumerate(block):
                x = label_in + j * column_in
                row = cells.get((*key, estimator))
                colour = VERDICT_COLOURS.get(row["verdict"], "white") if row is not None else "white"
                ax.add_patch(Rectangle((x + 0.015, y + 0.015), column_in - 0.03, _ROW_IN - 0.03, facecolor=colour,
                                       edgecolor="#888888" if row is None else "none", linewidth=0.4))
                if row is not None:
                    ax.text(x + column_in / 2, y + _ROW_IN / 2, cell_text(row, decimals), ha="center", va="center",
                            fontsize=FONT_PT, linespacing=1.05)
        top += block_height + gap_in
    handles = [Patch(facecolor=c, label=v) for v, c in VERDICT_COLOURS.items()]
    fig.legend(handles=handles, loc="lower center", ncols=3, fontsize=FONT_PT, frameon=False,
               bbox_to_anchor=(0.5, 0.0), handlelength=1.2, columnspacing=1.5)
    return save_figure(fig, stem, tight=False)
