"""The tidy training table built from the chunk recordings (the information tables of the
estimators are made by :mod:`infoplane.estimation`).

Training table (one row per seed x epoch x layer x quantity; :func:`training_table`): columns
``experiment, seed, epoch, layer, quantity, value``; ``layer`` is empty for the whole-network
quantities ``train_loss, test_loss`` (nats), ``train_accuracy, test_accuracy`` (fraction) and
1 … L for ``gradient_mean_norm, gradient_std_norm, gradient_snr, weight_norm``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .recording import METRICS, read_info, read_statistics

__all__ = ["training_table"]


def training_table(chunk_paths: Sequence[str | os.PathLike], *, experiment: str) -> pd.DataFrame:
    """Loss, accuracy, gradient statistics and weight norms of an experiment, tidy.

    Returns a DataFrame with columns ``experiment, seed, epoch, layer, quantity, value`` (see
    the module docstring); ``layer`` is a nullable integer.
    """
    frames = []
    for path in chunk_paths:
        info = read_info(path)
        stats = read_statistics(path)
        e_grid, s_grid = np.meshgrid(info.epochs, info.seeds, indexing="ij")
        for name in METRICS:
            frames.append(pd.DataFrame({
                "seed": s_grid.ravel(), "epoch": e_grid.ravel(), "layer": pd.NA,
                "quantity": name, "value": stats[name].astype(np.float64).ravel(),
            }))  # fmt: skip
        layers = np.arange(1, info.n_layers + 1)
        e3, s3, l3 = np.meshgrid(info.epochs, info.seeds, layers, indexing="ij")
        for name in ("gradient_mean_norm", "gradient_std_norm", "gradient_snr", "weight_norm"):
            frames.append(pd.DataFrame({
                "seed": s3.ravel(), "epoch": e3.ravel(), "layer": l3.ravel(),
                "quantity": name, "value": stats[name].ravel(),
            }))  # fmt: skip
    table = pd.concat(frames, ignore_index=True)
    table["layer"] = table["layer"].astype("Int64")
    table.insert(0, "experiment", experiment)
    return table.sort_values(["quantity", "seed", "epoch", "layer"], kind="stable").reset_index(drop=True)
