"""An estimator instance with ``skip``: each seed's information curve measured only where its
selection method (:mod:`infoplane.skipping.selection`) says, written as the usual information
table (:mod:`infoplane.estimation`) with the measured epochs marked.

The epochs a selection may measure are every epoch 0 … epochs when the chunk kept its weights
(``record.keep_weights``: each epoch's activations recomputed by :class:`infoplane.replay.Replay`),
else the recorded epochs. One measurement is the instance's I(X;T) and I(T;Y) of every layer of
one seed at one epoch. The table has a row for every recorded epoch of every seed, as the
workflow's figures and claims expect: the measured values where the epoch was measured, else the
values interpolated linearly between the seed's measured epochs around it. Extra columns:

``measured``         whether the row's epoch was measured (False: interpolated)
``selection_calls``  how many epochs the seed's selection measured in all (its cost in estimator
                     calls per layer), including measured epochs that were not recorded

A seed is measured only before its divergence epoch (``/status``); afterwards it has no rows, as
in the plain table.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .. import estimators as registry
from ..estimation import _estimate, tidy_table
from ..recording import read_activations, read_info, read_status
from . import selection as methods

__all__ = ["skipped_table"]

log = logging.getLogger(__name__)

#: Bytes of every seed's activations of one epoch kept in memory for the next seed's selection.
CACHE_BYTES = 512 * 2**20


class _Epochs:
    """Every layer's activations [S, P, d] of any available epoch of one chunk, recent ones cached."""

    def __init__(self, path, shaped_inputs, device):
        self.info = info = read_info(path)
        self.replay = None
        if shaped_inputs is not None:
            from ..replay import Replay

            try:
                self.replay = Replay(path, shaped_inputs, device or "cpu")
            except KeyError:  # no kept weights: the recorded epochs only
                self.replay = None
        if self.replay is not None:
            self.available = list(range(int(info.settings["epochs"]) + 1))
        else:
            self.available = [int(e) for e in info.epochs]
        self._index = {int(e): i for i, e in enumerate(info.epochs)}
        self._cache: OrderedDict[int, list[np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()  # one replay at a time: it loads the epoch's state into one model

    def __call__(self, epoch: int) -> list[np.ndarray]:
        with self._lock:
            return self._get(epoch)

    def _get(self, epoch: int) -> list[np.ndarray]:
        if epoch in self._cache:
            self._cache.move_to_end(epoch)
            return self._cache[epoch]
        if self.replay is not None:
            values = self.replay.activations(epoch)
        else:
            index = self._index[epoch]
            values = [read_activations(self.info.path, layer, [index])[0] for layer in range(1, self.info.n_layers + 1)]
        self._cache[epoch] = values
        size = sum(v.nbytes for v in values)
        while len(self._cache) > 1 and size * len(self._cache) > CACHE_BYTES:
            self._cache.popitem(last=False)
        return values


class _NonFinite(Exception):
    """A seed's activations at ``epoch`` are not finite: its curve ends before that epoch."""

    def __init__(self, epoch: int):
        super().__init__(epoch)
        self.epoch = epoch


def _entropies(labels: np.ndarray) -> tuple[float, float]:
    """H(X) = log2 P (X uniform over the P probe rows) and H(Y) of the probe's labels, bits."""
    counts = np.bincount(labels).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(np.log2(len(labels))), float(-(p * np.log2(p)).sum())


def skipped_table(
    chunk_paths: Sequence[str | os.PathLike],
    method: str,
    instances: Mapping[str, Mapping],
    skip: Mapping,
    *,
    experiment: str,
    inputs: np.ndarray | None = None,
    shaped_inputs: np.ndarray | None = None,
    device: str | None = None,
) -> pd.DataFrame:
    """The information table of one estimator instance with ``skip`` (module docstring).

    Parameters
    ----------
    chunk_paths : the experiment's chunk files; method, instances : the registered estimator and
        its one instance (name -> parameters); skip : the instance's checked ``skip``
        (:func:`infoplane.skipping.check_skip`).
    inputs : the dataset's inputs [N, d] for estimators that read them (``knn``);
        shaped_inputs : the same as the training job shaped them ([N, *input_shape]), to
        recompute activations from kept weights (None: the recorded epochs only).

    Raises
    ------
    ValueError
        For more than one instance, or what the estimator raises.
    """
    if len(instances) != 1:
        raise ValueError(f"a skipping job estimates one instance, got {list(instances)}")
    module = registry.get(method)
    (name, raw), = instances.items()
    params = registry.check_params(method, raw)
    frames = []
    probe_size = None
    for path in chunk_paths:
        epochs = _Epochs(path, shaped_inputs, device)
        info = epochs.info
        probe_size = len(info.labels)
        extra = {"device": device}
        if getattr(module, "USES_INPUTS", False):
            if inputs is None:
                raise ValueError(f"estimator {method!r} needs the dataset's inputs")
            extra["inputs"] = np.asarray(inputs)[info.probe_index]
        entropies = _entropies(info.labels) if skip.get("normalise") else None
        diverged = read_status(path)["diverged_epoch"]
        for s, seed in enumerate(int(x) for x in info.seeds):
            limit = int(diverged[s]) if diverged[s] >= 0 else None
            available = [e for e in epochs.available if limit is None or e < limit]

            def measure(epoch: int, s=s) -> np.ndarray:
                acts = epochs(int(epoch))
                if not all(np.isfinite(layer[s]).all() for layer in acts):
                    raise _NonFinite(int(epoch))
                out = []
                for layer in acts:
                    result = _estimate(module, layer[s][None, None], info.labels, [params], extra)[0]
                    out.append([float(np.asarray(result["I_XT_bits"]).reshape(-1)[0]),
                                float(np.asarray(result["I_TY_bits"]).reshape(-1)[0])])  # fmt: skip
                return np.asarray(out)

            while True:  # a seed non-finite before its recorded divergence (e.g. between recorded epochs): cut there
                if not available:
                    break
                try:
                    chosen = _select(skip, measure, available, entropies)
                    break
                except _NonFinite as stop:
                    available = [e for e in available if e < stop.epoch]
            if not available:
                log.warning("%s %s seed %d: no finite epoch to measure", experiment, name, seed)
                continue
            recorded = [int(e) for e in info.epochs if e <= available[-1]]
            frames.append(_rows(chosen, recorded, seed, name))
            log.info("%s %s seed %d: %d of %d epochs measured", experiment, name, seed, chosen.calls, len(available))
    return tidy_table(frames, module=module, method=method, names=[name], params_list=[params], experiment=experiment,
                      probe_size=probe_size or 0)  # fmt: skip


def _select(skip: Mapping, measure, available: list[int], entropies) -> methods.Selection:
    """:func:`~infoplane.skipping.selection.select`, the parallel method's rounds on a pool of
    ``skip["workers"]`` threads."""
    if skip["method"] != "delta_exact_parallel":
        return methods.select(skip, measure, available, entropies=entropies)
    with ThreadPoolExecutor(max_workers=int(skip.get("workers", 1))) as pool:
        return methods.select(skip, measure, available, entropies=entropies, measure_many=lambda es: list(pool.map(measure, es)))


def _rows(chosen: methods.Selection, recorded: list[int], seed: int, name: str) -> pd.DataFrame:
    """One seed's rows at the recorded epochs: measured values, or interpolated between the
    measured epochs around them."""
    measured = np.asarray(chosen.epochs, dtype=np.float64)
    values = np.stack([chosen.values[e] for e in chosen.epochs])  # [M, L, 2]
    n_layers = values.shape[1]
    frames = []
    for layer in range(n_layers):
        xt = np.interp(recorded, measured, values[:, layer, 0])
        ty = np.interp(recorded, measured, values[:, layer, 1])
        frames.append(pd.DataFrame({
            "seed": pd.array([seed] * len(recorded), dtype="Int64"), "epoch": np.asarray(recorded, dtype=np.int64),
            "estimator": name, "layer": layer + 1, "I_XT_bits": xt, "I_TY_bits": ty,
            "measured": [e in chosen.values for e in recorded], "selection_calls": chosen.calls,
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)
