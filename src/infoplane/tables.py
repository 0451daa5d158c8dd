"""Tidy tables built from the chunk recordings, and their summaries.

Information table (one row per seed x epoch x layer; :func:`information_table`):

=================  ===========================================================================
``experiment``     experiment name
``estimator``      estimator instance name (config key)
``method``         registered estimator (``binning``, ``kde``)
``seed``           network seed
``epoch``          recorded epoch (0 = initialisation)
``layer``          1 … L, layer L being the softmax output
``I_XT_bits``      I(X;T) in bits
``I_TY_bits``      I(T;Y) in bits
parameters         one column per estimator parameter (``n_bins``, ``bin_size``,
                   ``noise_variance``, ``bound``)
=================  ===========================================================================

Training table (one row per seed x epoch x layer x quantity; :func:`training_table`): columns
``experiment, seed, epoch, layer, quantity, value``; ``layer`` is empty for the whole-network
quantities ``train_loss, test_loss`` (nats), ``train_accuracy, test_accuracy`` (fraction) and
1 … L for ``gradient_mean_norm, gradient_std_norm, gradient_snr, weight_norm``.

Summaries of an information table are in :mod:`infoplane.summary`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import estimators as estimator_registry
from .recording import METRICS, read_activations, read_info, read_statistics

__all__ = ["information_table", "training_table"]

log = logging.getLogger(__name__)

_READ_BUDGET = 256 * 2**20  # bytes of activations read at once


def information_table(
    chunk_paths: Sequence[str | os.PathLike],
    method: str,
    params: dict,
    *,
    experiment: str,
    estimator: str,
    device: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Estimate I(X;T), I(T;Y) for every layer, epoch and seed of an experiment's chunks.

    Parameters
    ----------
    chunk_paths : the experiment's HDF5 chunk files (layout in :mod:`infoplane.recording`).
    method : registered estimator name; ``params`` its parameters.
    experiment, estimator : names written into the table.
    device : torch device for the estimator.
    progress : show a tqdm progress bar over chunks x layers (``None``: only on a terminal).

    Returns
    -------
    pandas.DataFrame with the information-table columns (module docstring).

    Raises
    ------
    ValueError
        If the chunks disagree on epochs, widths or labels, or the estimator rejects its input.
    """
    module = estimator_registry.get(method)
    params = module.check_params(**params)
    infos = [read_info(p) for p in chunk_paths]
    if not infos:
        raise ValueError("no chunk files given")
    first = infos[0]
    for info in infos[1:]:
        for field in ("epochs", "widths", "labels"):
            if not np.array_equal(getattr(info, field), getattr(first, field)):
                raise ValueError(f"{info.path} and {first.path} disagree on {field}")
    from tqdm.auto import tqdm

    bar = tqdm(total=len(infos) * first.n_layers, desc=f"{estimator} on {experiment}", unit="layer",
               disable=None if progress is None else not progress)
    frames = []
    for info in infos:
        n_epochs, n_seeds, n = len(info.epochs), len(info.seeds), len(info.labels)
        for layer in range(1, info.n_layers + 1):
            width = int(info.widths[layer])
            step = max(1, _READ_BUDGET // (4 * n_seeds * n * width))
            for start in range(0, n_epochs, step):
                part = slice(start, min(n_epochs, start + step))
                values = read_activations(info.path, layer, part)  # [E', S, N, d]
                i_xt, i_ty = module.information_plane(values, info.labels, **params, device=device)
                epochs = np.repeat(info.epochs[part], n_seeds)
                frames.append(pd.DataFrame({
                    "seed": np.tile(info.seeds, len(epochs) // n_seeds),
                    "epoch": epochs,
                    "layer": layer,
                    "I_XT_bits": i_xt.reshape(-1),
                    "I_TY_bits": i_ty.reshape(-1),
                }))  # fmt: skip
            log.info("%s %s: layer %d of %s done", experiment, estimator, layer, info.path.name)
            bar.update(1)
    bar.close()
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "experiment", experiment)
    table.insert(1, "estimator", estimator)
    table.insert(2, "method", method)
    for key, value in params.items():
        table[key] = value
    return table.sort_values(["seed", "epoch", "layer"], kind="stable").reset_index(drop=True)


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
