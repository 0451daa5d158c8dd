"""Figures of the claims (:mod:`infoplane.claims`), drawn from the claims tables: the
information plane of the mean over seeds with bootstrap intervals ([ST17] Fig. 2 style), the
gradient SNR with its detected change-point against the compression start ([ST17] Fig. 4), and
each seed's test accuracy against its fall of I(X;T) ([SB18]'s generalisation claim)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, layer_colours, save_figure

__all__ = ["plane_intervals", "snr_transition", "generalisation"]


def _grid(n: int, height: float = 1.9, columns: int = 4):
    """A figure at the text width with ``n`` panels of ``height`` inches in rows of ``columns``."""
    cols = min(n, columns)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(TEXT_WIDTH_IN, height * rows + 0.35), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def plane_intervals(curves: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """One information plane per estimator: each layer's mean over seeds at every recorded epoch,
    coloured by epoch, with the bootstrap interval of the mean as error bars on both axes.

    ``curves`` : the curves table of one experiment (:func:`infoplane.claims.experiment.mean_curves`).
    """
    from matplotlib import colormaps

    data = curves[curves["quantity"].isin(["I_XT", "I_TY"])]
    estimators = list(dict.fromkeys(data["estimator"]))
    fig, axes = _grid(max(len(estimators), 1))
    if not estimators:
        _note(axes[0], "no estimator with qualifying seeds")
        return save_figure(fig, stem)
    cmap = colormaps["gnuplot"]
    norm = LogNorm(vmin=1, vmax=max(int(data["epoch"].max()), 2))
    for ax, estimator in zip(axes, estimators):
        part = data[data["estimator"] == estimator]
        wide = part.pivot_table(index=["layer", "epoch"], columns="quantity",
                                values=["mean_bits", "ci_low_bits", "ci_high_bits"], dropna=False).reset_index()  # fmt: skip
        for layer, group in wide.groupby("layer"):
            x, y = group[("mean_bits", "I_XT")], group[("mean_bits", "I_TY")]
            xerr = np.vstack([x - group[("ci_low_bits", "I_XT")], group[("ci_high_bits", "I_XT")] - x])
            yerr = np.vstack([y - group[("ci_low_bits", "I_TY")], group[("ci_high_bits", "I_TY")] - y])
            colours = cmap(norm(np.maximum(group["epoch"].to_numpy(), 1)))
            ax.plot(x, y, "-", color="0.6", linewidth=0.6, zorder=1)
            xv, yv = x.to_numpy(), y.to_numpy()
            ok = np.isfinite(xerr).all(axis=0) & np.isfinite(yerr).all(axis=0)
            bars = [((a - e[0], b), (a + e[1], b)) for a, b, e in zip(xv[ok], yv[ok], xerr.T[ok])]
            bars += [((a, b - e[0]), (a, b + e[1])) for a, b, e in zip(xv[ok], yv[ok], yerr.T[ok])]
            ax.add_collection(LineCollection(bars, colors=np.vstack([colours[ok], colours[ok]]), linewidths=0.6, zorder=2))
            ax.scatter(x, y, c=colours, s=6, zorder=3, edgecolors="none")
            ax.annotate(f"L{int(layer)}", (x.iloc[-1], y.iloc[-1]), xytext=(3, -8), textcoords="offset points", fontsize=7)
        n_seeds = int(part["n_seeds"].iloc[0])
        ax.set_title(f"{estimator}\n{n_seeds} seeds", fontsize=7)
        ax.set_xlabel("I(X;T) [bits]")
        ax.set_ylabel("I(T;Y) [bits]")
        ax.grid(alpha=0.3)
    mappable = axes[0].collections[-1] if axes[0].collections else None
    if mappable is not None:
        from matplotlib.cm import ScalarMappable

        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=list(axes), label="epoch", shrink=0.6, pad=0.01)
    confidence = float(data["confidence"].iloc[0])
    fig.suptitle(title or f"{data['experiment'].iloc[0]}: mean over seeds, {confidence:.0%} bootstrap intervals")
    return save_figure(fig, stem)


def snr_transition(curves: pd.DataFrame, claims: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """Mean log10 gradient SNR per layer against epoch with its bootstrap band; per hidden layer
    the detected change-point (vertical line, its interval shaded) and the compression start
    (the I(X;T) peak of the first tested estimator, dotted), from the claims table."""
    snr = curves[curves["quantity"] == "log10_snr"]
    experiment = str(curves["experiment"].iloc[0]) if len(curves) else ""
    rows = claims[(claims["claim"] == "st17_snr_transition") & (claims["layer"] != "hidden")]
    estimator = rows["estimator"].iloc[0] if len(rows) else None
    layers = sorted(int(l) for l in snr["layer"].unique())
    hidden = sorted(int(l) for l in rows["layer"].unique()) if len(rows) else layers
    fig, axes = _grid(max(len(hidden), 1), height=1.8, columns=3)
    if snr.empty:
        reason = rows["rule"].iloc[0] if len(rows) else "no gradient SNR recorded"
        _note(axes[0], "gradient SNR undefined:\n" + reason.replace("gradient SNR undefined: ", ""))
        fig.suptitle(title or f"{experiment}: gradient SNR")
        return save_figure(fig, stem)
    colours = layer_colours(max(layers))
    for ax, layer in zip(axes, hidden):
        part = snr[snr["layer"] == layer]
        ax.plot(part["epoch"], part["mean_bits"], color=colours[layer - 1])
        ax.fill_between(part["epoch"], part["ci_low_bits"], part["ci_high_bits"], color=colours[layer - 1], alpha=0.25,
                        linewidth=0)
        if estimator is not None:
            mine = rows[(rows["layer"] == str(layer)) & (rows["estimator"] == estimator)].set_index("statistic")
            if "snr_change_epoch" in mine.index and np.isfinite(mine.loc["snr_change_epoch", "estimate"]):
                change = mine.loc["snr_change_epoch"]
                ax.axvline(change["estimate"], color="k", linewidth=1.0, label="SNR change-point")
                ax.axvspan(change["ci_low"], change["ci_high"], color="k", alpha=0.1, linewidth=0)
            if "I_XT_peak_epoch" in mine.index:
                ax.axvline(max(mine.loc["I_XT_peak_epoch", "estimate"], 1), color="C3", linestyle=":",
                           label=f"I(X;T) peak ({estimator})")
            if "log10_change_over_compression_start" in mine.index:
                ax.set_title(f"layer {layer}: {mine.loc['log10_change_over_compression_start', 'verdict']}")
        ax.set_xscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("log10 SNR")
        ax.grid(alpha=0.3, which="both")
    axes[0].legend()
    fig.suptitle(title or f"{experiment}: gradient SNR, change-point and compression start")
    return save_figure(fig, stem)


def generalisation(per_seed: pd.DataFrame, claims: pd.DataFrame, stem: str | os.PathLike, *, title: str = "") -> list[Path]:
    """Each qualifying seed's final test accuracy against its fall of I(X;T) in the last hidden
    layer, one panel per estimator, experiments coloured; Spearman's correlation over all seeds
    pooled and within experiments, with their intervals, from the claims table in each title."""
    data = per_seed[np.isfinite(per_seed["final_test_accuracy"])] if len(per_seed) else per_seed
    estimators = list(dict.fromkeys(data["estimator"])) if len(data) else []
    fig, axes = _grid(max(len(estimators), 1), height=2.1, columns=3)
    if not estimators:
        _note(axes[0], "no qualifying seeds with a test accuracy")
        return save_figure(fig, stem)
    experiments = list(dict.fromkeys(data["experiment"]))
    rows = claims[(claims["claim"] == "sb18_generalisation")]
    for ax, estimator in zip(axes, estimators):
        part = data[data["estimator"] == estimator]
        layer = int(part["layer"].max())
        part = part[part["layer"] == layer]
        for i, experiment in enumerate(experiments):
            mine = part[part["experiment"] == experiment]
            ax.scatter(mine["fall_bits"], mine["final_test_accuracy"], s=7, color=f"C{i}", label=experiment)
        mine = rows[(rows["estimator"] == estimator) & (rows["layer"] == str(layer))].set_index("statistic")
        label = f"{estimator}, layer {layer}"
        for statistic, word in (("spearman_fall_vs_test_accuracy", "pooled"), ("spearman_within_experiments", "within")):
            if statistic in mine.index:
                r = mine.loc[statistic]
                label += f"\n{word} rho = {r['estimate']:.2f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}]: {r['verdict']}"
        ax.set_title(label, fontsize=7, loc="left")
        ax.set_xlabel("fall of I(X;T) [bits]")
        ax.set_ylabel("test accuracy")
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.suptitle(title or "test accuracy against compression, per seed")
    return save_figure(fig, stem)
