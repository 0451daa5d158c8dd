"""Figures of the recurrent study (:mod:`infoplane.rnn`), drawn from its tables.

* :func:`series_figure`: each experiment's hourly series with its train/test split;
* :func:`training_figure`: test error over training against the baselines, and the gradient SNR;
* :func:`neuron_figure`: I(h;X) and I(h;Y) of the neurons by role over training, trained
  networks against their shuffled controls;
* :func:`flow_figure`: the flow graph of one seed at a few epochs, neurons placed by trophic level;
* :func:`plane_figure`: the information plane of the whole state and of each trophic-level group.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, layer_colours, save_figure, symlog_epochs

__all__ = ["series_figure", "training_figure", "neuron_figure", "flow_figure", "plane_figure", "ROLE_COLOURS"]

ROLE_COLOURS = {"input": "tab:blue", "hidden": "tab:grey", "output": "tab:red", "input+output": "tab:purple"}


def series_figure(series: Sequence[tuple[str, np.ndarray, np.ndarray, np.datetime64]], stem: str | os.PathLike) -> list[Path]:
    """One panel per experiment: (name, times [H], temperatures [H], first test target's time)."""
    fig = Figure(figsize=(TEXT_WIDTH_IN, 1.6 * len(series) + 0.4))
    axes = fig.subplots(len(series), 1, squeeze=False)[:, 0]
    for ax, (name, times, temps, split) in zip(axes, series):
        ax.plot(times, temps, lw=0.4, color="tab:blue")
        ax.axvline(split, color="black", lw=0.8, ls="--")
        ax.text(split, ax.get_ylim()[1], " test", va="top", ha="left")
        ax.set_ylabel("temperature (°F)")
        ax.set_title(name)
    fig.tight_layout()
    return save_figure(fig, stem)


def _band(ax, part: pd.DataFrame, label: str, colour, ls="-", log: bool = False):
    part = part.sort_values("epoch")
    x = part["epoch"].to_numpy()
    ax.plot(x, part["mean"], color=colour, ls=ls, lw=1.0, label=label)
    ax.fill_between(x, part["ci_low"], part["ci_high"], color=colour, alpha=0.2, lw=0)


def training_figure(curves: pd.DataFrame, performance: pd.DataFrame, experiments: Sequence[str],
                    stem: str | os.PathLike) -> list[Path]:  # fmt: skip
    """Per experiment (columns): test and training MSE with intervals over seeds and the
    baselines' test MSE (log scale); below, the mean log10 gradient SNR of the recurrent matrix."""
    fig = Figure(figsize=(TEXT_WIDTH_IN, 4.2))
    axes = fig.subplots(2, len(experiments), squeeze=False)
    for col, experiment in enumerate(experiments):
        mine = curves[(curves["experiment"] == experiment) & (curves["variant"] == "training")]
        ax = axes[0, col]
        for quantity, colour in (("test_mse", "tab:red"), ("train_mse", "tab:blue")):
            _band(ax, mine[mine["quantity"] == quantity], quantity.replace("_mse", " MSE (network)"), colour)
        baselines = performance[(performance["experiment"] == experiment) & (performance["model"] != "rnn")]
        for row, ls in zip(baselines.itertuples(index=False), ("--", ":")):
            ax.axhline(row.estimate, color="black", ls=ls, lw=0.8, label=f"{row.model.replace('_', ' ')} (test)")
        ax.set_yscale("log")
        symlog_epochs(ax)
        ax.set_ylabel("MSE (°F²)")
        ax.set_title(experiment)
        ax.legend(loc="upper right")
        ax = axes[1, col]
        _band(ax, mine[mine["quantity"] == "log10_snr"], "recurrent matrix", "tab:green")
        symlog_epochs(ax)
        ax.set_ylabel("log10 gradient SNR")
    fig.tight_layout()
    return save_figure(fig, stem)


def neuron_figure(curves: pd.DataFrame, experiment: str, stem: str | os.PathLike) -> list[Path]:
    """I(h;X) and I(h;Y) (means over the role's neurons, then over seeds) by role over training,
    solid trained, dashed shuffled control; and the mean I(h_i;h_j) over pairs of neurons."""
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.6))
    axes = fig.subplots(1, 3)
    mine = curves[(curves["experiment"] == experiment) & curves["subject"].str.startswith("role ")]
    for ax, quantity, label in zip(axes, ("I_hX_bits", "I_hY_bits"), ("I(h;X) (bits)", "I(h;Y) (bits)")):
        for subject in sorted(mine["subject"].unique()):
            role = subject.removeprefix("role ")
            for variant, ls in (("trained", "-"), ("shuffled", "--")):
                part = mine[(mine["subject"] == subject) & (mine["variant"] == variant) & (mine["quantity"] == quantity)]
                if len(part):
                    _band(ax, part, f"{role} ({variant})", ROLE_COLOURS.get(role, "black"), ls)
        symlog_epochs(ax)
        ax.set_ylabel(label)
    pairs = curves[(curves["experiment"] == experiment) & (curves["subject"] == "pairs")]
    if len(pairs):
        _band(axes[2], pairs, "trained", "tab:green")
    symlog_epochs(axes[2])
    axes[2].set_ylabel("mean I(h_i;h_j) over pairs (bits)")
    axes[0].legend(loc="best", ncol=1)
    fig.suptitle(f"{experiment}: neurons by role (mean over the role's neurons and the seeds)")
    fig.tight_layout()
    return save_figure(fig, stem)


def _positions(nodes: pd.DataFrame) -> dict[int, tuple[float, float]]:
    """Neurons placed by trophic level (x) and spread vertically, in order of level."""
    level = nodes.set_index("neuron")["trophic_level"].sort_values()
    ys = np.linspace(0, 1, len(level) + 2)[1:-1]
    return {int(neuron): (float(x), float(y)) for (neuron, x), y in zip(level.items(), ys)}


def flow_figure(edges: pd.DataFrame, nodes: pd.DataFrame, experiment: str, stem: str | os.PathLike,
                max_panels: int = 3) -> list[Path]:  # fmt: skip
    """The significant flows of the first seed at up to ``max_panels`` flow epochs (trained),
    and of its shuffled control at the last; x is the trophic level, colour the role, arrow
    width the transfer entropy."""
    from matplotlib.patches import FancyArrowPatch

    seed = int(nodes["seed"].min()) if len(nodes) else 0
    epochs = sorted(nodes.loc[nodes["variant"] == "trained", "epoch"].unique())
    if len(epochs) > max_panels:
        epochs = [epochs[int(i)] for i in np.unique(np.round(np.linspace(0, len(epochs) - 1, max_panels)))]
    panels = [("trained", e) for e in epochs] + ([("shuffled", max(epochs))] if epochs else [])
    fig = Figure(figsize=(TEXT_WIDTH_IN, 2.4))
    axes = fig.subplots(1, max(1, len(panels)), squeeze=False)[0]
    for ax, (variant, epoch) in zip(axes, panels):
        mine = nodes[(nodes["variant"] == variant) & (nodes["epoch"] == epoch) & (nodes["seed"] == seed)]
        flows = edges[(edges["variant"] == variant) & (edges["epoch"] == epoch) & (edges["seed"] == seed) & edges["significant"]]
        where = _positions(mine)
        top = flows["te_bits"].max() if len(flows) else 1.0
        for row in flows.itertuples(index=False):
            ax.add_patch(FancyArrowPatch(where[int(row.source)], where[int(row.target)], arrowstyle="-|>", mutation_scale=6,
                                         lw=0.3 + 1.5 * max(row.te_bits, 0) / max(top, 1e-12), color="0.4", alpha=0.6,
                                         connectionstyle="arc3,rad=0.15", shrinkA=4, shrinkB=4))  # fmt: skip
        for row in mine.itertuples(index=False):
            x, y = where[int(row.neuron)]
            ax.scatter([x], [y], s=40, color=ROLE_COLOURS.get(row.role, "black"), zorder=3)
            ax.text(x, y, str(int(row.neuron)), fontsize=7, ha="center", va="center", color="white", zorder=4)
        incoherence = mine["incoherence"].iloc[0] if len(mine) else float("nan")
        ax.set_title(f"{variant}, epoch {int(epoch)}\n{len(flows)} flows, F0 = {incoherence:.2f}")
        ax.set_xlabel("trophic level")
        ax.set_yticks([])
        ax.set_xlim(-0.3, max([p[0] for p in where.values()], default=0) + 0.3)
        ax.set_ylim(-0.05, 1.05)
    fig.suptitle(f"{experiment}, seed {seed}: significant transfer entropy (blue input, red output neurons)")
    fig.tight_layout()
    return save_figure(fig, stem)


def plane_figure(curves: pd.DataFrame, experiment: str, stem: str | os.PathLike) -> list[Path]:
    """I(X;H) against I(H;Y), means over seeds with intervals, for the whole state and each
    trophic-level group of the trained networks (and the whole state of the shuffled controls,
    dashed); markers at the first and last recorded epochs."""
    mine = curves[(curves["experiment"] == experiment) & curves["variant"].isin(["trained", "shuffled"])]
    mine = mine[~mine["subject"].str.startswith("role ")]
    groups = [("trained", "all")] + [("trained", g) for g in sorted(mine["subject"].unique()) if g != "all"] + [("shuffled", "all")]
    colours = layer_colours(len(groups))
    fig = Figure(figsize=(TEXT_WIDTH_IN * 0.6, 3.0))
    ax = fig.subplots()
    for (variant, group), colour in zip(groups, colours):
        part = mine[(mine["variant"] == variant) & (mine["subject"] == group)]
        x = part[part["quantity"] == "I_XH_bits"].sort_values("epoch")
        y = part[part["quantity"] == "I_HY_bits"].sort_values("epoch")
        if x.empty or y.empty:
            continue
        label = ("whole state" if group == "all" else group) + (" (shuffled)" if variant == "shuffled" else "")
        ax.plot(x["mean"], y["mean"], color=colour, ls="--" if variant == "shuffled" else "-", lw=1.0, label=label)
        ax.errorbar(x["mean"], y["mean"], xerr=[x["mean"] - x["ci_low"], x["ci_high"] - x["mean"]],
                    yerr=[y["mean"] - y["ci_low"], y["ci_high"] - y["mean"]], fmt="none", ecolor=colour, alpha=0.3, lw=0.6)  # fmt: skip
        ax.scatter(x["mean"].iloc[[0]], y["mean"].iloc[[0]], marker="o", color=colour, s=14)
        ax.scatter(x["mean"].iloc[[-1]], y["mean"].iloc[[-1]], marker="s", color=colour, s=14)
    ax.set_xlabel("I(X;H) (bits, KDE upper bound)")
    ax.set_ylabel("I(H;Y) (bits, k-NN)")
    ax.set_title(f"{experiment}: circle first, square last recorded epoch")
    ax.legend(loc="best")
    fig.tight_layout()
    return save_figure(fig, stem)
