"""The stopping rules evaluated on recorded runs: check curves, each rule's stop per seed, and the
study's comparison with bootstrap intervals over seeds (:mod:`infoplane.stopping`).

A rule's stop (:func:`stop_index`): the checks are visited in order; a check improves when its
value is below the best so far by more than ``min_delta``; the rule stops at the first check
that ends ``patience`` checks in a row without improvement, else at the last check (the budget).
The network it returns is the one of its best check (``restore_best``) or of its stop.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..claims.bootstrap import interval
from . import FIXED, VALIDATION, beta_rule

__all__ = ["stop_index", "held_out_split", "check_epochs", "check_curves", "decisions", "summary", "LOSS_FLOOR"]

#: Columns of :func:`decisions`.
DECISION_COLUMNS = ["seed", "rule", "beta", "diverged", "stop_epoch", "selected_epoch", "test_accuracy", "checks",
                    "training_seconds", "check_seconds", "wall_seconds"]  # fmt: skip

#: Softmax outputs are stored as float16: a probability below this is read as this in the
#: validation cross-entropy (-ln 1e-7 = 16.1 nats), so that a stored 0 is not an infinite loss.
LOSS_FLOOR = 1e-7


def stop_index(values: Sequence[float], patience: int, min_delta: float = 0.0) -> tuple[int, int]:
    """(stop, best): the index of the check a rule stops at and of its best check so far.

    ``values`` are to be minimised. Raises ValueError for an empty sequence or a non-finite value
    (a diverged seed is left out before, not stopped)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f"stop_index needs finite values, got {values}")
    best, since = 0, 0
    for i in range(1, len(values)):
        if values[i] < values[best] - min_delta:
            best, since = i, 0
        else:
            since += 1
            if since >= patience:
                return i, best
    return len(values) - 1, best


def held_out_split(n_held_out: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (0 ... n-1) of the held-out rows: (validation, test), a seeded permutation."""
    order = np.random.default_rng([seed, n_held_out]).permutation(n_held_out)
    n_validation = int(round(fraction * n_held_out))
    if not 0 < n_validation < n_held_out:
        raise ValueError(f"validation_fraction {fraction} leaves no validation or no test row of {n_held_out} held-out rows")
    return np.sort(order[:n_validation]), np.sort(order[n_validation:])


def check_epochs(recorded: Sequence[int], every: int) -> np.ndarray:
    """Indices into ``recorded`` of the checked epochs: every ``every``-th recorded epoch from the
    first (epoch 0), and the last (the budget's end)."""
    n = len(recorded)
    return np.array(sorted(set(range(0, n, every)) | {n - 1}))


def check_curves(
    info, output: np.ndarray, module, params: Mapping, settings: Mapping, *, extra: Mapping | None = None
) -> pd.DataFrame:
    """Every seed's values at every check.

    Parameters
    ----------
    info : :class:`infoplane.recording.RunInfo` of a chunk (its probe must hold training and
        held-out rows: ``record.probe: all``).
    output : float32 [C, S, P, K], the output layer (softmax) at the checked epochs.
    module, params : the estimator (:mod:`infoplane.estimators`) and its checked parameters.
    settings : the validated ``stopping`` section.

    Returns
    -------
    DataFrame, one row per seed and check: ``seed``, ``epoch``, ``I_XY_bits`` (I(X;Ŷ)) and
    ``I_YY_bits`` (I(Ŷ;Y)) on the probe's training rows (or a seeded ``criterion_rows`` of
    them), ``validation_loss`` (nats),
    ``test_accuracy``, ``estimator_seconds`` and ``loss_seconds`` (wall seconds of the check,
    per seed), ``finite`` (the seed's outputs are finite there).

    Raises
    ------
    ValueError
        If the probe lacks training or held-out rows.
    """
    train = np.isin(info.probe_index, info.train_index)
    held = np.flatnonzero(np.isin(info.probe_index, info.test_index))
    if not train.any() or held.size < 2:
        raise ValueError(f"{info.path}: the probe has {int(train.sum())} training and {held.size} held-out rows; the "
                         "stopping rules need both (record.probe: all)")
    if settings.get("criterion_rows") and settings["criterion_rows"] < train.sum():
        candidates = np.flatnonzero(train)
        keep = np.random.default_rng([int(settings["split_seed"]), candidates.size]).choice(
            candidates, int(settings["criterion_rows"]), replace=False
        )
        train = np.zeros_like(train)
        train[keep] = True
    validation, test = held_out_split(held.size, float(settings["validation_fraction"]), int(settings["split_seed"]))
    validation, test = held[validation], held[test]
    labels = np.asarray(info.labels)
    checked = check_epochs(info.epochs, int(settings["every"]))
    rows = []
    n_seeds = output.shape[1]
    for c, e in enumerate(checked):
        outputs = output[c]  # [S, P, K]
        finite = np.isfinite(outputs).reshape(n_seeds, -1).all(axis=1)
        i_xy, i_yy = np.full(n_seeds, np.nan), np.full(n_seeds, np.nan)
        started = time.perf_counter()
        if finite.any():
            a, b = module.information_plane(outputs[finite][:, train], labels[train], **params, **(extra or {}))
            i_xy[finite], i_yy[finite] = np.asarray(a, dtype=float).reshape(-1), np.asarray(b, dtype=float).reshape(-1)
        estimator_seconds = (time.perf_counter() - started) / max(int(finite.sum()), 1)
        started = time.perf_counter()
        p = np.take_along_axis(outputs[:, validation], labels[validation][None, :, None], axis=2)[..., 0]
        loss = -np.log(np.clip(p, LOSS_FLOOR, 1.0)).mean(axis=1)
        loss_seconds = (time.perf_counter() - started) / n_seeds
        accuracy = (outputs[:, test].argmax(axis=2) == labels[test][None]).mean(axis=1)
        for s, seed in enumerate(info.seeds):
            rows.append({"seed": int(seed), "epoch": int(info.epochs[e]), "I_XY_bits": i_xy[s], "I_YY_bits": i_yy[s],
                         "validation_loss": float(loss[s]) if finite[s] else np.nan,
                         "test_accuracy": float(accuracy[s]) if finite[s] else np.nan,
                         "estimator_seconds": estimator_seconds, "loss_seconds": loss_seconds,
                         "finite": bool(finite[s])})  # fmt: skip
    return pd.DataFrame(rows)


def epoch_seconds_per_seed(info) -> np.ndarray:
    """[epochs + 1] wall seconds of each epoch per network (the chunk's time / its seeds).

    Raises
    ------
    ValueError
        If the chunk was written without epoch times (before they were recorded): retrain it.
    """
    text = info.attrs.get("epoch_seconds")
    if text is None:
        raise ValueError(f"{info.path} holds no epoch_seconds (written by an older infoplane); delete it and rerun to "
                         "train it again")
    return np.asarray(json.loads(text), dtype=float) / len(info.seeds)


def decisions(curves: pd.DataFrame, seconds: Mapping[int, np.ndarray], settings: Mapping) -> pd.DataFrame:
    """Each rule's stop for each seed.

    Parameters
    ----------
    curves : :func:`check_curves` of an experiment (every chunk).
    seconds : seed -> :func:`epoch_seconds_per_seed` of its chunk.
    settings : the validated ``stopping`` section.

    Returns
    -------
    DataFrame, one row per seed and rule: ``rule``, ``beta`` (NaN but for MI rules),
    ``diverged`` (the seed's outputs stop being finite: left out of the comparison),
    ``stop_epoch`` (epochs trained), ``selected_epoch`` (the network returned),
    ``test_accuracy`` (of that network, on the test rows), ``checks``, ``training_seconds``
    (epochs 0 ... stop), ``check_seconds`` (the rule's checks: estimator or validation loss),
    ``wall_seconds`` (their sum).
    """
    patience, min_delta = int(settings["patience"]), float(settings["min_delta"])
    rows = []
    for seed, table in curves.groupby("seed", sort=True):
        table = table.sort_values("epoch")
        epochs = table["epoch"].to_numpy()
        per_epoch = seconds[int(seed)]
        diverged = not table["finite"].all()
        rules = [(FIXED, np.nan, None, 0.0), (VALIDATION, np.nan, table["validation_loss"].to_numpy(), table["loss_seconds"].to_numpy())]
        for beta in settings["betas"]:
            objective = table["I_XY_bits"].to_numpy() - beta * table["I_YY_bits"].to_numpy()
            rules.append((beta_rule(beta), beta, objective, table["estimator_seconds"].to_numpy()))
        for name, beta, values, check_cost in rules:
            row = {"seed": int(seed), "rule": name, "beta": beta, "diverged": diverged}
            if diverged:
                rows.append(row)
                continue
            if values is None:
                stop = best = len(epochs) - 1
                checks, check_seconds = 0, 0.0
            else:
                stop, best = stop_index(values, patience, min_delta)
                checks, check_seconds = stop + 1, float(np.sum(check_cost[: stop + 1]))
            chosen = best if settings["restore_best"] else stop
            training = float(per_epoch[: int(epochs[stop]) + 1].sum())
            row.update(stop_epoch=int(epochs[stop]), selected_epoch=int(epochs[chosen]),
                       test_accuracy=float(table["test_accuracy"].to_numpy()[chosen]), checks=checks,
                       training_seconds=training, check_seconds=check_seconds, wall_seconds=training + check_seconds)  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def summary(decided: pd.DataFrame, settings: Mapping) -> pd.DataFrame:
    """Per experiment and rule: the seeds' means of epochs trained, test accuracy and wall
    seconds, and the paired differences to the fixed budget, each with its percentile bootstrap
    interval over seeds (diverged seeds left out).

    ``decided``: :func:`decisions` with an ``experiment`` column. Returns one row per experiment
    and rule: ``n_seeds``, ``n_diverged``, ``<measure>``, ``<measure>_low``, ``<measure>_high``
    for ``stop_epoch``, ``test_accuracy``, ``wall_seconds``, and ``<measure>_vs_fixed`` (rule
    minus fixed budget, per seed) with its interval.
    """
    confidence = float(settings["confidence"])
    rng = np.random.default_rng(int(settings["bootstrap_seed"]))
    measures = ("stop_epoch", "test_accuracy", "wall_seconds")
    rows = []
    for experiment, table in decided.groupby("experiment", sort=False):
        alive = table[~table["diverged"]]
        seeds = sorted(alive["seed"].unique())
        n = len(seeds)
        draws = rng.integers(0, n, size=(int(settings["resamples"]), n)) if n else np.zeros((0, 0), int)
        fixed = alive[alive["rule"] == FIXED].set_index("seed").reindex(seeds)
        for rule, part in table.groupby("rule", sort=False):
            mine = part[~part["diverged"]].set_index("seed").reindex(seeds)
            row = {"experiment": experiment, "rule": rule, "beta": part["beta"].iloc[0], "n_seeds": n,
                   "n_diverged": int(part["diverged"].sum())}  # fmt: skip
            for m in measures:
                values = mine[m].to_numpy(float)
                diffs = values - fixed[m].to_numpy(float)
                for name, v in ((m, values), (f"{m}_vs_fixed", diffs)):
                    found = interval(np.concatenate([[v.mean()], v[draws].mean(axis=1)]), confidence) if n else None
                    row[name] = found.estimate if n else np.nan
                    row[f"{name}_low"], row[f"{name}_high"] = (found.low, found.high) if n else (np.nan, np.nan)
            rows.append(row)
    return pd.DataFrame(rows)
