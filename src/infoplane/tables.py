"""The tidy training table built from the chunk recordings (the information tables of the
estimators are made by :mod:`infoplane.estimation`).

Training table (one row per seed x epoch x layer x quantity; :func:`training_table`): columns
``experiment, seed, epoch, layer, quantity, value``; ``layer`` is empty for the whole-network
quantities ``train_loss, test_loss`` (nats), ``train_accuracy, test_accuracy`` (fraction) and
1 … L for ``gradient_mean_norm, gradient_std_norm, gradient_snr, weight_norm``. Values are NaN
where undefined: every quantity of a diverged seed from its divergence epoch on, the gradients at
epoch 0, and ``gradient_std_norm`` and ``gradient_snr`` with one mini-batch per epoch
(full-batch gradient descent).

Seeds table (one row per seed; :func:`seeds_table`), what became of each network:

========================  =====================================================================
``experiment``            experiment name
``seed``                  network seed
``diverged_epoch``        epoch (1 … epochs) whose training made the seed's loss, parameters or
                          activations non-finite; empty when the seed never diverged
``divergence_cause``      e.g. ``non-finite training loss``; empty when it never diverged
``final_epoch``           the last recorded epoch
``final_train_loss``      cross-entropy (nats) at ``final_epoch``; NaN for a diverged seed
``final_train_accuracy``  fraction correct on the training split at ``final_epoch``; NaN for a
                          diverged seed
``final_test_accuracy``   on the test split (NaN also when the test split is empty)
``chance_accuracy``       the majority class's fraction of the training labels: the training
                          accuracy of the best constant classifier
``n_batches_per_epoch``   ceil(n_train / batch_size); 1 is full-batch gradient descent, whose
                          gradient SNR is undefined
========================  =====================================================================

Whether a seed is at or near chance (and so whether it qualifies for a claim) is not decided
here: compare ``final_train_accuracy`` with ``chance_accuracy`` under a stated margin.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .recording import METRICS, NEVER_DIVERGED, read_info, read_statistics, read_status

__all__ = ["training_table", "seeds_table", "SEEDS_COLUMNS"]

#: Columns of :func:`seeds_table`, in order.
SEEDS_COLUMNS = (
    "experiment", "seed", "diverged_epoch", "divergence_cause", "final_epoch", "final_train_loss",
    "final_train_accuracy", "final_test_accuracy", "chance_accuracy", "n_batches_per_epoch",
)  # fmt: skip


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


def seeds_table(chunk_paths: Sequence[str | os.PathLike], *, experiment: str) -> pd.DataFrame:
    """One row per seed: divergence, final loss and accuracies, chance accuracy, batches per epoch.

    Returns a DataFrame with the columns :data:`SEEDS_COLUMNS` (see the module docstring),
    sorted by seed; ``diverged_epoch`` is a nullable integer (NA: never diverged).
    """
    rows = []
    for path in chunk_paths:
        info = read_info(path)
        stats = read_statistics(path)
        status = read_status(path)
        counts = status["train_class_counts"]
        chance = float(counts.max() / counts.sum()) if counts.sum() else np.nan
        n_batches = -(-len(info.train_index) // int(info.settings["batch_size"]))
        for s, seed in enumerate(info.seeds):
            diverged = int(status["diverged_epoch"][s])
            rows.append({
                "experiment": experiment, "seed": int(seed),
                "diverged_epoch": pd.NA if diverged == NEVER_DIVERGED else diverged,
                "divergence_cause": status["divergence_cause"][s],
                "final_epoch": int(info.epochs[-1]),
                "final_train_loss": float(stats["train_loss"][-1, s]),
                "final_train_accuracy": float(stats["train_accuracy"][-1, s]),
                "final_test_accuracy": float(stats["test_accuracy"][-1, s]),
                "chance_accuracy": chance, "n_batches_per_epoch": n_batches,
            })  # fmt: skip
    table = pd.DataFrame(rows, columns=list(SEEDS_COLUMNS))
    table["diverged_epoch"] = table["diverged_epoch"].astype("Int64")
    return table.sort_values("seed", kind="stable").reset_index(drop=True)
