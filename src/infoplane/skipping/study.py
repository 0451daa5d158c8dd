"""The epoch-skipping study (issue 17, section 3): every selection method against measuring
every epoch, on the same runs.

1. The truth (:func:`truth_table`): an estimator's I(X;T) and I(T;Y) of every layer of every seed
   at *every* epoch, each epoch's activations recomputed from the chunk's kept weights
   (:class:`infoplane.replay.Replay`), with the wall seconds each epoch took.
2. Each method variant (:func:`variants`: simple with each n, each delta method with each
   delta) runs on each seed's truth as its oracle (:func:`evaluate`): the epochs it would
   measure, hence its cost (estimator calls; CPU seconds = calls x the measured seconds per
   seed-epoch; wall seconds on ``workers`` cores, the parallel method's rounds side by side),
   whether consecutive measured epochs stay within delta, and its error: each unmeasured
   epoch's values interpolated linearly between the measured ones, against the truth (largest
   and mean absolute error per layer, bits).
3. :func:`summary`: per experiment, estimator and variant, means over seeds with percentile
   bootstrap intervals; :func:`claim_changes`: the claims of [ST17] on the interpolated curves
   against those on the truth, at the recorded epochs.

Running a method on the truth is exact: a selection only reads the values the oracle returns,
and the truth holds exactly what measuring that epoch returns.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import selection as methods

__all__ = ["truth_table", "variants", "evaluate", "summary", "interpolated_table", "claim_changes", "recommendations",
           "BUDGETS"]


def truth_table(chunk_paths: Sequence, method: str, params: Mapping, *, shaped_inputs: np.ndarray,
                inputs: np.ndarray | None = None, device: str | None = None, estimator: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Every epoch's estimates of every layer and seed, from the chunks' kept weights.

    Returns
    -------
    truth : columns ``seed, epoch, layer, I_XT_bits, I_TY_bits`` (NaN from a seed's divergence
        on); timing : ``chunk, epoch, seconds, seeds`` (wall seconds of one epoch's replay and
        estimates on this job's threads, and how many seeds were finite there and estimated).

    Raises
    ------
    KeyError
        For a chunk that kept no weights.
    """
    from .. import estimators as registry
    from ..estimation import _estimate
    from ..recording import read_info
    from ..replay import Replay

    module = registry.get(method)
    params = registry.check_params(method, params)
    frames, timing = [], []
    for index, path in enumerate(chunk_paths):
        info = read_info(path)
        replay = Replay(path, shaped_inputs, device or "cpu")
        extra = {"device": device}
        if getattr(module, "USES_INPUTS", False):
            extra["inputs"] = np.asarray(inputs)[info.probe_index]
        seeds = [int(s) for s in info.seeds]
        for epoch in range(int(info.settings["epochs"]) + 1):
            started = time.perf_counter()
            acts = replay.activations(epoch)
            for layer, values in enumerate(acts, start=1):
                finite = np.isfinite(values).reshape(len(seeds), -1).all(1)
                xt = np.full(len(seeds), np.nan)
                ty = np.full(len(seeds), np.nan)
                if finite.any():
                    result = _estimate(module, values[finite][None], info.labels, [params], extra)[0]
                    xt[finite] = np.asarray(result["I_XT_bits"]).reshape(-1)
                    ty[finite] = np.asarray(result["I_TY_bits"]).reshape(-1)
                frames.append(pd.DataFrame({"seed": seeds, "epoch": epoch, "layer": layer, "I_XT_bits": xt, "I_TY_bits": ty}))
            finite = np.all([np.isfinite(v).reshape(len(seeds), -1).all(1) for v in acts], axis=0)
            # the seeds estimated at this epoch: the cost per seed-epoch counts only them
            timing.append({"chunk": index, "epoch": epoch, "seconds": time.perf_counter() - started,
                           "seeds": int(finite.sum())})
    truth = pd.concat(frames, ignore_index=True).sort_values(["seed", "epoch", "layer"]).reset_index(drop=True)
    truth.insert(0, "estimator", estimator)
    return truth, pd.DataFrame(timing)


def variants(section: Mapping) -> list[tuple[str, dict]]:
    """(label, checked skip) of every method and parameter value of the study's ``methods``
    (``simple`` with each ``n``; each delta method with each ``delta``, the section's
    ``multiplier`` and ``normalise``), labelled ``simple n=10``, ``delta_exact delta=0.05``."""
    from . import check_skip

    out = []
    for method, values in section["methods"].items():
        if method == "simple":
            out += [(f"simple n={n}", check_skip({"method": "simple", "n": int(n)})) for n in values["n"]]
        else:
            for delta in values["delta"]:
                skip = {"method": method, "delta": float(delta), "multiplier": int(section["multiplier"]),
                        "normalise": bool(section["normalise"])}  # fmt: skip
                if method == "delta_exact_parallel":
                    skip["workers"] = int(section["workers"])
                out.append((f"{method} delta={delta:g}", check_skip(skip)))
    return out


def _seed_curves(truth: pd.DataFrame):
    """(seed, epochs [E], values [E, L, 2], epoch -> values) of every seed with two finite epochs or more."""
    for seed in sorted(truth["seed"].unique()):
        epochs, values = _curves(truth, int(seed))
        if len(epochs) >= 2:
            yield int(seed), epochs, values, {int(e): values[i] for i, e in enumerate(epochs)}


def _curves(truth: pd.DataFrame, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One seed's finite epochs [E] and values [E, L, 2]."""
    part = truth[truth["seed"] == seed].sort_values(["epoch", "layer"])
    layers = part["layer"].nunique()
    values = part[["I_XT_bits", "I_TY_bits"]].to_numpy(np.float64).reshape(-1, layers, 2)
    epochs = part["epoch"].to_numpy()[::layers]
    finite = np.isfinite(values).all(axis=(1, 2))
    return epochs[finite].astype(int), values[finite]


def evaluate(truth: pd.DataFrame, timing: pd.DataFrame, chosen: Sequence[tuple[str, dict]], *, workers: int,
             entropies: tuple[float, float] | None = None) -> pd.DataFrame:  # fmt: skip
    """Each variant on each seed's truth: one row per (variant, seed) with ``calls``,
    ``epochs`` (measurable), ``call_fraction``, ``rounds``, ``cpu_seconds`` and ``wall_seconds``
    (calls x the measured seconds per seed-epoch; the parallel method's rounds run
    ``workers`` calls at a time, the others one), ``max_step_bits`` (the largest distance
    between consecutive measured epochs, eq. 23), ``guarantee`` (every consecutive pair within
    delta or adjacent; NaN for simple), ``max_error_bits`` and ``mean_error_bits`` (over
    layers and both quantities: the largest and the mean absolute interpolation error), and
    ``max_error_I_XT_bits``, ``max_error_I_TY_bits``."""
    per_seed_epoch = float(timing["seconds"].sum() / timing["seeds"].sum()) if len(timing) else float("nan")
    rows = []
    for seed, epochs, values, lookup in _seed_curves(truth):
        for label, skip in chosen:
            kind = skip["method"]
            picked = methods.select(skip, lookup.__getitem__, epochs, entropies=entropies)
            error = methods.interpolation_error(picked, epochs, values)
            measured = picked.epochs
            if kind == "simple":
                guarantee = np.nan
            else:
                scale = entropies if skip["normalise"] else None
                guarantee = float(all(b == epochs[np.searchsorted(epochs, a) + 1]
                                      or methods.distance(lookup[a], lookup[b], scale) <= skip["delta"] + 1e-12
                                      for a, b in zip(measured, measured[1:])))  # fmt: skip
            parallel = kind == "delta_exact_parallel"
            wall_calls = sum(math.ceil(len(r) / workers) for r in picked.rounds) if parallel else picked.calls
            rows.append({
                "variant": label, "method": kind, "seed": int(seed), "calls": picked.calls, "epochs": len(epochs),
                "call_fraction": picked.calls / len(epochs), "rounds": len(picked.rounds),
                "cpu_seconds": picked.calls * per_seed_epoch, "wall_seconds": wall_calls * per_seed_epoch,
                "max_step_bits": error["max_step"], "guarantee": guarantee,
                "max_error_bits": float(error["max_bits"].max()), "mean_error_bits": float(error["mean_bits"].mean()),
                "max_error_I_XT_bits": float(error["max_bits"][:, 0].max()),
                "max_error_I_TY_bits": float(error["max_bits"][:, 1].max()),
            })  # fmt: skip
    return pd.DataFrame(rows)


def summary(rows: pd.DataFrame, *, resamples: int, confidence: float, seed: int) -> pd.DataFrame:
    """Per (experiment, estimator, variant): the mean over seeds of ``call_fraction``,
    ``cpu_seconds``, ``wall_seconds``, ``max_error_bits`` and ``mean_error_bits``, each with a
    percentile bootstrap interval over seeds (``<name>_low``, ``<name>_high``), the largest
    error over seeds, and whether the guarantee held in every seed."""
    from ..claims.bootstrap import MIN_SEEDS, SeedBootstrap, interval

    out = []
    keys = ["experiment", "estimator", "variant", "method"]
    for key, part in rows.groupby(keys, sort=False):
        entry = dict(zip(keys, key))
        entry["n_seeds"] = len(part)
        boot = SeedBootstrap(len(part), resamples, seed) if len(part) >= MIN_SEEDS else None
        for name in ("call_fraction", "cpu_seconds", "wall_seconds", "max_error_bits", "mean_error_bits"):
            values = part[name].to_numpy(np.float64)
            if boot is None:
                entry[name], entry[f"{name}_low"], entry[f"{name}_high"] = float(values.mean()), np.nan, np.nan
            else:
                value = interval(boot.full @ values, confidence)
                entry[name], entry[f"{name}_low"], entry[f"{name}_high"] = value.estimate, value.low, value.high
        entry["worst_error_bits"] = float(part["max_error_bits"].max())
        entry["guarantee_held"] = "" if part["guarantee"].isna().all() else bool((part["guarantee"] == 1).all())
        out.append(entry)
    return pd.DataFrame(out)


def interpolated_table(truth: pd.DataFrame, skip: Mapping, recorded: Sequence[int], *,
                       entropies: tuple[float, float] | None = None) -> pd.DataFrame:  # fmt: skip
    """The information table a skipping instance would write at the ``recorded`` epochs
    (:mod:`infoplane.skipping.estimation`), from the truth: ``seed, epoch, layer, I_XT_bits,
    I_TY_bits, measured``."""
    frames = []
    for seed, epochs, values, lookup in _seed_curves(truth):
        chosen = methods.select(skip, lookup.__getitem__, epochs, entropies=entropies)
        measured = np.asarray(chosen.epochs, dtype=np.float64)
        picked = np.stack([chosen.values[e] for e in chosen.epochs])
        at = [e for e in recorded if e <= epochs[-1]]
        for layer in range(values.shape[1]):
            frames.append(pd.DataFrame({
                "seed": int(seed), "epoch": at, "layer": layer + 1,
                "I_XT_bits": np.interp(at, measured, picked[:, layer, 0]),
                "I_TY_bits": np.interp(at, measured, picked[:, layer, 1]),
                "measured": [e in chosen.values for e in at],
            }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def claim_changes(truth: pd.DataFrame, chosen: Sequence[tuple[str, dict]], recorded: Sequence[int], training: pd.DataFrame,
                  seeds: pd.DataFrame, settings: Mapping, experiment: str, estimator: str, *,
                  entropies=None) -> pd.DataFrame:  # fmt: skip
    """[ST17]'s within-experiment claims (over hidden layers) on the truth and on each variant's
    interpolated curves, at the recorded epochs: one row per (variant, claim) with both verdicts,
    both estimates and intervals, and whether the verdict changed."""
    from ..claims.experiment import experiment_claims

    def claims_of(table: pd.DataFrame) -> pd.DataFrame:
        table = table.assign(estimator=estimator)
        rows = experiment_claims({estimator: table}, training, seeds, settings, experiment)[0]
        return rows[rows["layer"].astype(str) == "hidden"].set_index("claim")

    at_recorded = truth[truth["epoch"].isin(list(recorded))]
    reference = claims_of(at_recorded)
    out = []
    for label, skip in chosen:
        other = claims_of(interpolated_table(truth, skip, recorded, entropies=entropies))
        for claim, row in reference.iterrows():
            if claim not in other.index:
                continue
            mine = other.loc[claim]
            out.append({
                "experiment": experiment, "estimator": estimator, "variant": label, "claim": claim,
                "statistic": row["statistic"], "truth_verdict": row["verdict"], "verdict": mine["verdict"],
                "changed": row["verdict"] != mine["verdict"],
                "truth_estimate": row["estimate"], "truth_low": row["ci_low"], "truth_high": row["ci_high"],
                "estimate": mine["estimate"], "low": mine["ci_low"], "high": mine["ci_high"],
            })  # fmt: skip
    return pd.DataFrame(out)


#: Error budgets (bits) of the recommendations.
BUDGETS = (0.02, 0.05, 0.1, 0.2)


def recommendations(summary: pd.DataFrame, budgets: Sequence[float] = BUDGETS) -> pd.DataFrame:
    """Per experiment, estimator and error budget: the variant with the fewest estimator calls
    (mean call fraction) whose largest interpolation error over every seed stays within the
    budget; ``none`` when no variant does."""
    out = []
    for (experiment, estimator), part in summary.groupby(["experiment", "estimator"], sort=False):
        for budget in budgets:
            within = part[part["worst_error_bits"] <= budget]
            if within.empty:
                out.append({"experiment": experiment, "estimator": estimator, "budget_bits": budget, "variant": "none",
                            "call_fraction": np.nan, "worst_error_bits": np.nan, "cpu_seconds": np.nan})  # fmt: skip
                continue
            best = within.sort_values(["call_fraction", "worst_error_bits"]).iloc[0]
            out.append({"experiment": experiment, "estimator": estimator, "budget_bits": budget,
                        "variant": best["variant"], "call_fraction": best["call_fraction"],
                        "worst_error_bits": best["worst_error_bits"], "cpu_seconds": best["cpu_seconds"]})  # fmt: skip
    return pd.DataFrame(out)
