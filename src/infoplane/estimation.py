"""Estimation: one job's estimator instances on every layer, epoch and seed of an experiment.

The information table (one row per instance x seed x epoch x layer; :func:`information_table`):

=================  ===========================================================================
``experiment``     experiment name
``estimator``      estimator instance name (config key; a sweep's instances are
                   ``<key>-<parameter>-<value>``)
``method``         registered estimator (``binning``, ``kde``, ``knn``, …)
``seed``           network seed; empty for the ensemble estimator, which pools all seeds
``epoch``          recorded epoch (0 = initialisation); for AIR the last epoch of the window
``layer``          1 … L, layer L being the softmax output
``probe_size``     P, the probe inputs the layer was recorded on (X uniform over them):
                   I(X;T) <= log2 P
``I_XT_bits``      I(X;T) in bits
``I_TY_bits``      I(T;Y) in bits
``I_XT_se_bits``   Monte Carlo standard errors, for estimators that report them (``noisy``)
``I_TY_se_bits``
parameters         one column per parameter of the instance's estimator
=================  ===========================================================================

Non-finite activations (a diverged seed, :mod:`infoplane.training`) are skipped, not estimated:
a seed-epoch whose layer holds a NaN or an infinity gets no row; the ensemble estimator pools
only the seeds that are finite at that epoch (no row when none is); AIR leaves out every window
that contains a non-finite epoch. The number skipped is logged. When nothing is finite the table
is empty, with its columns.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import estimators as registry
from .recording import read_activations, read_info

__all__ = ["information_table", "tidy_table"]

log = logging.getLogger(__name__)

_READ_BUDGET = 256 * 2**20  # bytes of activations read at once


def _check_chunks(chunk_paths):
    infos = [read_info(p) for p in chunk_paths]
    if not infos:
        raise ValueError("no chunk files given")
    first = infos[0]
    for info in infos[1:]:
        for field in ("epochs", "widths", "labels", "probe_index"):
            if not np.array_equal(getattr(info, field), getattr(first, field)):
                raise ValueError(f"{info.path} and {first.path} disagree on {field}")
    return infos


def _estimate(module, acts, labels, params_list, extra):
    """Results of every instance on ``acts``: a list of dicts of arrays (I_XT_bits, …)."""
    if len(params_list) > 1:
        pairs = module.information_planes(acts, labels, params_list, **extra)
        return [{"I_XT_bits": a, "I_TY_bits": b} for a, b in pairs]
    out = []
    for params in params_list:
        if getattr(module, "STANDARD_ERRORS", False):
            i_xt, i_ty, se_xt, se_ty = module.information_plane(acts, labels, **params, **extra, return_standard_error=True)
            out.append({"I_XT_bits": i_xt, "I_TY_bits": i_ty, "I_XT_se_bits": se_xt, "I_TY_se_bits": se_ty})
        else:
            i_xt, i_ty = module.information_plane(acts, labels, **params, **extra)
            out.append({"I_XT_bits": i_xt, "I_TY_bits": i_ty})
    return out


def _finite(acts, n_leading):
    """bool array of the first ``n_leading`` dimensions of ``acts``: every value below is finite
    (from the smallest and largest: NaN propagates through both, no array of flags is made)."""
    flat = acts.reshape(*acts.shape[:n_leading], -1)
    if flat.shape[-1] == 0:
        return np.ones(flat.shape[:-1], dtype=bool)
    return np.isfinite(flat.min(-1)) & np.isfinite(flat.max(-1))


def _scatter(results, mask):
    """Results computed on the entries ``mask`` (bool, any shape) placed into NaN arrays of its shape."""
    out = []
    for result in results:
        full = {}
        for key, value in result.items():
            array = np.full(mask.shape, np.nan)
            array[mask] = np.asarray(value, dtype=np.float64).reshape(-1)
            full[key] = array
        out.append(full)
    return out


def _estimate_finite(module, acts, finite, labels, params_list, extra):
    """Like :func:`_estimate` on ``acts`` [*finite.shape, N, d], computed only where ``finite``;
    NaN elsewhere. None when nothing is finite."""
    if finite.all():
        return _estimate(module, acts, labels, params_list, extra)
    if not finite.any():
        return None
    return _scatter(_estimate(module, acts[finite], labels, params_list, extra), finite)


def _estimate_pooled_seeds(module, acts, finite, labels, params_list, extra):
    """Seed-pooling estimators on ``acts`` [E', S, N, d]: at each epoch pool the finite seeds
    (``finite`` [E', S]); results [E'], NaN at epochs without a finite seed."""
    if finite.all():
        return _estimate(module, acts, labels, params_list, extra)
    results = [{} for _ in params_list]
    keep = finite.any(1)
    for pattern in np.unique(finite[keep], axis=0):  # epochs that share their finite seeds
        rows = np.flatnonzero((finite == pattern).all(1))
        part = _estimate(module, acts[rows][:, pattern], labels, params_list, extra)  # [len(rows)]
        for merged, new in zip(results, part):
            for key, value in new.items():
                merged.setdefault(key, np.full(len(finite), np.nan))[rows] = np.asarray(value).reshape(-1)
    return results if keep.any() else None


def _replay(path, shaped_inputs, device):
    """The chunk's :class:`~infoplane.replay.Replay` when it kept its weights and the inputs are
    given, else None."""
    if shaped_inputs is None:
        return None
    from .replay import Replay

    try:
        return Replay(path, shaped_inputs, device or "cpu")
    except KeyError:  # no kept weights
        return None


def _window_blocks(ends: np.ndarray, window: int, epochs_budget: int):
    """Consecutive runs of the window ends ``ends`` (increasing epoch indices) such that the epochs
    a run reads (its first end's window to its last end) and the windows it copies (W epochs per
    end) each stay within ``epochs_budget`` epochs; at least one end per run."""
    start = 0
    while start < len(ends):
        stop = start + 1
        while stop < len(ends) and ends[stop] - ends[start] + window <= epochs_budget and (stop + 1 - start) * window <= epochs_budget:
            stop += 1
        yield ends[start:stop]
        start = stop


def _frames(results, names, seeds, epochs, layer, keep=None):
    """Tidy rows from results shaped [E', S] (or [E'] with seeds None); only the entries where
    ``keep`` (bool, the results' shape) is true, when given."""
    frames = []
    for name, result in zip(names, results):
        shape = np.shape(result["I_XT_bits"])
        if seeds is None:
            columns = {"seed": pd.array([pd.NA] * shape[0], dtype="Int64"), "epoch": epochs}
        else:
            columns = {"seed": np.tile(seeds, shape[0]), "epoch": np.repeat(epochs, len(seeds))}
        columns.update({"estimator": name, "layer": layer})
        columns.update({key: np.asarray(value).reshape(-1) for key, value in result.items()})
        frame = pd.DataFrame(columns)
        frames.append(frame if keep is None else frame[np.asarray(keep).reshape(-1)])
    return frames


def information_table(
    chunk_paths: Sequence[str | os.PathLike],
    method: str,
    instances: Mapping[str, Mapping],
    *,
    experiment: str,
    inputs: np.ndarray | None = None,
    stride: int = 1,
    shaped_inputs: np.ndarray | None = None,
    device: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Estimate I(X;T), I(T;Y) of instances of one estimator for every layer, epoch and seed.

    Parameters
    ----------
    chunk_paths : the experiment's HDF5 chunk files (layout in :mod:`infoplane.recording`).
    method : the registered estimator; ``instances`` : instance name -> its parameters (more
        than one only for estimators with ``information_planes``, computed in one pass).
    experiment : the name written into the table.
    inputs : the dataset's inputs [N, d_x] (all N rows; the probe rows are taken), for
        estimators that use them (``knn``).
    stride : estimate every ``stride``-th recorded epoch and the last (for AIR: window ends).
    shaped_inputs : the dataset's inputs as training shaped them ([N, *input_shape]); with them,
        an estimator that pools windows of epochs (AIR) takes each window from truly consecutive
        epochs e - W + 1 … e, recomputed from the chunk's kept weights (``record.keep_weights``,
        :class:`infoplane.replay.Replay`), instead of consecutive recorded epochs.
    device : torch device for the estimator.
    progress : show a tqdm progress bar over chunks x layers (``None``: only on a terminal).

    Returns
    -------
    pandas.DataFrame with the columns in the module docstring, sorted by instance, seed,
    epoch and layer.

    Raises
    ------
    ValueError
        If the chunks disagree on epochs, widths or labels, an estimator needs inputs that are
        not given, or it rejects its input.
    """
    from tqdm.auto import tqdm

    module = registry.get(method)
    names = list(instances)
    params_list = [registry.check_params(method, instances[n]) for n in names]
    infos = _check_chunks(chunk_paths)
    first = infos[0]
    extra = {"device": device}
    if getattr(module, "USES_INPUTS", False):
        if inputs is None:
            raise ValueError(f"estimator {method!r} needs the dataset's inputs")
        if len(inputs) != first.n_inputs:
            raise ValueError(f"inputs have {len(inputs)} rows, the recordings' dataset {first.n_inputs}")
        extra["inputs"] = np.asarray(inputs)[first.probe_index]  # rows aligned with the activations
    pools = getattr(module, "POOLS", None)
    n = len(first.labels)
    kept = np.unique(np.append(np.arange(0, len(first.epochs), stride), len(first.epochs) - 1))
    frames = []
    buffer = None  # one array for every read (fresh memory is dear on this project's VMs)
    skipped = total = 0  # seed-epoch-layers with non-finite activations, and all of them
    units = first.n_layers * (1 if pools == "seeds" else len(infos))
    bar = tqdm(total=units, desc=f"{'+'.join(names)} on {experiment}", unit="layer",
               disable=None if progress is None else not progress)  # fmt: skip
    for layer in range(1, first.n_layers + 1):
        width = int(first.widths[layer])
        if pools == "seeds":  # every chunk's seeds together
            n_seeds = sum(len(info.seeds) for info in infos)
            step = max(1, _READ_BUDGET // (4 * n_seeds * n * width))
            for start in range(0, len(kept), step):
                part = kept[start : start + step]
                acts = np.concatenate([read_activations(info.path, layer, part) for info in infos], axis=1)
                finite = _finite(acts, 2)  # [E', S]
                skipped, total = skipped + int((~finite).sum()), total + finite.size
                results = _estimate_pooled_seeds(module, acts, finite, first.labels, params_list, extra)  # [E']
                if results is not None:
                    frames += _frames(results, names, None, first.epochs[part], layer, keep=finite.any(1))
            bar.update(1)
            continue
        for info in infos:
            replay = _replay(info.path, shaped_inputs, device) if pools == "epochs" else None
            if replay is not None:  # windows of truly consecutive epochs, from the kept weights
                window = params_list[0]["window"]
                ends = [int(e) for e in info.epochs[kept] if e >= window - 1]
                for end in ends:
                    acts = np.stack([replay.activations(e)[layer - 1] for e in range(end - window + 1, end + 1)])  # [W, S, N, d]
                    finite = _finite(acts, 2).all(0)  # [S]: every epoch of the window finite
                    skipped, total = skipped + int((~finite).sum()), total + finite.size
                    results = _estimate_finite(module, np.swapaxes(acts, 0, 1)[None], finite[None], info.labels,
                                               params_list, extra)  # fmt: skip
                    if results is not None:
                        results = [{k: np.asarray(v).reshape(1, -1) for k, v in r.items()} for r in results]
                        frames += _frames(results, names, info.seeds, np.array([end]), layer, keep=finite[None])
            elif pools == "epochs":  # windows of consecutive epochs of each seed, read a block of window ends at a time
                window = params_list[0]["window"]
                ends = kept[kept >= window - 1]
                per_epoch = 4 * len(info.seeds) * n * width  # bytes of one epoch, all seeds
                counted = 0  # epochs whose finiteness is counted already (blocks overlap by W - 1)
                for block in _window_blocks(ends, window, max(1, _READ_BUDGET // per_epoch)):
                    first_epoch = int(block[0]) - window + 1
                    acts = read_activations(info.path, layer, slice(first_epoch, int(block[-1]) + 1))  # [E', S, N, d]
                    finite = _finite(acts, 2)  # [E', S]
                    fresh = finite[max(0, counted - first_epoch) :]
                    skipped, total, counted = skipped + int((~fresh).sum()), total + fresh.size, int(block[-1]) + 1
                    epochs = (block - first_epoch)[:, None] + np.arange(1 - window, 1)  # [ends, W], into acts
                    samples = np.swapaxes(acts[epochs], 1, 2)  # [ends, S, W, N, d]
                    whole = finite[epochs].all(1)  # [ends, S]: every epoch of the window finite
                    results = _estimate_finite(module, samples, whole, info.labels, params_list, extra)
                    if results is not None:
                        results = [{k: np.asarray(v).reshape(whole.shape) for k, v in r.items()} for r in results]
                        frames += _frames(results, names, info.seeds, info.epochs[block], layer, keep=whole)
            else:
                step = max(1, _READ_BUDGET // (4 * len(info.seeds) * n * width))
                needed = min(step, len(kept)) * len(info.seeds) * n * width
                if buffer is None or buffer.size < needed:  # pages are taken only as reads first fill them
                    buffer = np.empty(max(needed, _READ_BUDGET // 4), dtype=np.float32)
                for start in range(0, len(kept), step):
                    part = kept[start : start + step]
                    acts = read_activations(info.path, layer, part, out=buffer)  # overwritten by the next read
                    finite = _finite(acts, 2)  # [E', S]
                    skipped, total = skipped + int((~finite).sum()), total + finite.size
                    results = _estimate_finite(module, acts, finite, info.labels, params_list, extra)
                    if results is not None:
                        frames += _frames(results, names, info.seeds, info.epochs[part], layer, keep=finite)
            log.info("%s %s: layer %d of %s done", experiment, "+".join(names), layer, info.path.name)
            bar.update(1)
    bar.close()
    if skipped:
        log.warning(
            "%s %s: skipped %d of %d seed-epoch-layers whose activations are not finite (diverged seeds)",
            experiment, "+".join(names), skipped, total,
        )  # fmt: skip
    return tidy_table(frames, module=module, method=method, names=names, params_list=params_list,
                      experiment=experiment, probe_size=n)


def tidy_table(frames, *, module, method: str, names: Sequence[str], params_list: Sequence[Mapping], experiment: str,
               probe_size: int) -> pd.DataFrame:  # fmt: skip
    """The information table (module docstring) from frames of rows ``seed, epoch, estimator,
    layer, I_XT_bits, I_TY_bits`` (and any further columns): the experiment, method, probe size
    and parameter columns added, in the table's column order and sorted; the columns without
    rows when no frame has any."""
    frames = [frame for frame in frames if len(frame)]
    if frames:
        table = pd.concat(frames, ignore_index=True)
    else:  # nothing finite: the columns, no rows
        log.warning("%s %s: no finite activations at all: the information table is empty", experiment, "+".join(names))
        columns = ["I_XT_bits", "I_TY_bits"] + (["I_XT_se_bits", "I_TY_se_bits"] if getattr(module, "STANDARD_ERRORS", False) else [])
        table = pd.DataFrame({"seed": pd.array([], dtype="Int64"), "epoch": np.array([], dtype=np.int64),
                              "estimator": np.array([], dtype=object), "layer": np.array([], dtype=np.int64),
                              **{c: np.array([], dtype=np.float64) for c in columns}})  # fmt: skip
    table.insert(0, "experiment", experiment)
    table.insert(2, "method", method)
    table["probe_size"] = probe_size
    order = ["experiment", "estimator", "method", "seed", "epoch", "layer", "probe_size", "I_XT_bits", "I_TY_bits"]
    table = table[order + [c for c in table.columns if c not in order]]
    for parameter in module.PARAMETERS + (registry.get(params_list[0]["base"]).PARAMETERS if "base" in params_list[0] else ()):
        if parameter.name in order:
            raise ValueError(f"estimator {method!r}: parameter {parameter.name!r} would overwrite the table's column")
        table[parameter.name] = table["estimator"].map({n: p.get(parameter.name) for n, p in zip(names, params_list)})
    rank = {name: i for i, name in enumerate(names)}
    table = table.sort_values(["estimator", "seed", "epoch", "layer"], key=lambda c: c.map(rank) if c.name == "estimator" else c, kind="stable")
    return table.reset_index(drop=True)
