"""Figures of the GAN study (:mod:`infoplane.gan`).

* :func:`sample_grid`: the generated images from the fixed latent codes at each recorded epoch
  (rows), for a few seeds, so a reader sees what the generator could do at each point;
* :func:`discriminator_curves`: the discriminator's accuracy on real training, held-out real and
  generated images, and the generator's loss, means over seeds with bootstrap bands.

The discriminator's information planes with intervals are
:func:`infoplane.plots.claims.plane_intervals` of the study's mean curves.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import TEXT_WIDTH_IN, save_figure, symlog_epochs

__all__ = ["sample_grid", "discriminator_curves", "grid_epochs", "MAX_ROWS"]

#: At most this many recorded epochs (rows) in a sample grid.
MAX_ROWS = 12


def grid_epochs(n_epochs: int, rows: int = MAX_ROWS) -> np.ndarray:
    """Indices of the recorded epochs a sample grid shows: all when they fit in ``rows``, else
    ``rows`` evenly spaced ones, the first and the last among them."""
    if n_epochs <= rows:
        return np.arange(n_epochs)
    return np.unique(np.round(np.linspace(0, n_epochs - 1, rows)).astype(int))


def sample_grid(samples: np.ndarray, epochs: Sequence[int], seeds: Sequence[int], stem: str | os.PathLike, *,
                per_seed: int = 4, title: str = "") -> list[Path]:  # fmt: skip
    """A grid of generated images: one row per shown recorded epoch (:func:`grid_epochs`), in
    columns ``per_seed`` images of each seed of ``seeds`` side by side.

    Parameters
    ----------
    samples : uint8 [E, S', K, C, H, W] (C = 1 or 3) or [E, S', K, d]: the chunks' ``samples``
        series of the shown seeds (S' = len(seeds)); vectors are drawn as one row of pixels.
    epochs : the E recorded epochs.
    """
    samples = np.asarray(samples)
    if samples.ndim == 4:  # vectors: one row of pixels each
        samples = samples[:, :, :, None, None, :]
    shown = grid_epochs(len(epochs))
    k = min(per_seed, samples.shape[2])
    n_seeds = samples.shape[1]
    columns = n_seeds * k
    height, width = samples.shape[-2:]
    cell = min(TEXT_WIDTH_IN / (columns + 1), 0.45)
    fig = Figure(figsize=(cell * (columns + 1.2), cell * height / width * len(shown) + 0.6), layout="constrained")
    axes = fig.subplots(len(shown), columns, squeeze=False, gridspec_kw={"wspace": 0.02, "hspace": 0.02})
    for r, e in enumerate(shown):
        for s in range(n_seeds):
            for j in range(k):
                ax = axes[r, s * k + j]
                image = samples[e, s, j]
                if image.shape[0] == 1:
                    ax.imshow(image[0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
                else:
                    ax.imshow(np.moveaxis(image, 0, -1), interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0 and j == 0:
                    ax.set_title(f"seed {seeds[s]}", fontsize=6, loc="left")
            if s == 0:
                axes[r, 0].set_ylabel(f"{int(epochs[e])}", fontsize=6, rotation=0, ha="right", va="center")
    fig.suptitle(title or "generated images from fixed latent codes; rows: recorded epoch", fontsize=8)
    return save_figure(fig, stem)


_LABELS = {
    "real_train_accuracy": "real, training images", "real_test_accuracy": "real, held-out images",
    "generated_accuracy": "generated images", "train_accuracy": "balanced (training)",
}  # fmt: skip


def discriminator_curves(curves: pd.DataFrame, stem: str | os.PathLike) -> list[Path]:
    """Per experiment (columns): the discriminator's accuracy on each kind of image (top) and
    the generator's loss -log D(G(z)) (bottom) over epochs, means over seeds with bands.

    ``curves`` : :func:`infoplane.gan.analysis.training_curves` of every experiment."""
    experiments = list(dict.fromkeys(curves["experiment"])) or [""]
    fig = Figure(figsize=(TEXT_WIDTH_IN, 3.6), layout="constrained")
    axes = fig.subplots(2, len(experiments), squeeze=False, sharex="col")
    for c, experiment in enumerate(experiments):
        part = curves[curves["experiment"] == experiment]
        top, bottom = axes[0, c], axes[1, c]
        for name, label in _LABELS.items():
            rows = part[part["quantity"] == name]
            if rows.empty:
                continue
            line = top.plot(rows["epoch"], rows["mean"], label=label, linewidth=1.0,
                            linestyle="--" if name == "train_accuracy" else "-")[0]  # fmt: skip
            top.fill_between(rows["epoch"], rows["ci_low"], rows["ci_high"], color=line.get_color(), alpha=0.25, linewidth=0)
        top.axhline(0.5, color="0.5", linewidth=0.6, linestyle=":")
        top.set_ylim(0, 1.02)
        top.set_title(experiment, fontsize=8)
        rows = part[part["quantity"] == "generator_loss"]
        bottom.plot(rows["epoch"], rows["mean"], color="black", linewidth=1.0)
        bottom.fill_between(rows["epoch"], rows["ci_low"], rows["ci_high"], color="0.6", alpha=0.4, linewidth=0)
        bottom.axhline(np.log(2.0), color="0.5", linewidth=0.6, linestyle=":")
        bottom.set_xlabel("epoch")
        for ax in (top, bottom):
            symlog_epochs(ax)
        top.set_xlabel("")
    axes[0, 0].set_ylabel("discriminator accuracy")
    axes[1, 0].set_ylabel("generator loss, nats")
    axes[0, 0].legend(loc="lower right", fontsize=6)
    return save_figure(fig, stem)
