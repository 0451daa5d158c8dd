"""The claims within one experiment, the mean curves with their intervals, the per-seed falls.

Inputs are the workflow's tidy tables: the information tables of the tested estimators
(:mod:`infoplane.estimation`), the training table and the per-seed status table
(:mod:`infoplane.tables`). Only qualifying seeds enter (:func:`qualify`): a seed that diverged,
or whose network ends at or near chance accuracy, is listed and left out.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from . import COLUMNS, source_of
from .bootstrap import MIN_SEEDS, Interval, SeedBootstrap, argmax_index, change_point, hull_interval, interval, peak_contrast

__all__ = [
    "qualify", "seed_curves", "bootstrap_for", "experiment_claims", "mean_curves", "per_seed_falls", "hidden_layers",
    "fall_statistics", "verdict_row", "snr_mean_curves",
]  # fmt: skip


def qualify(seeds: pd.DataFrame, chance_margin: float) -> pd.DataFrame:
    """Which seeds the claims may use.

    Parameters
    ----------
    seeds : the per-seed status table (columns ``seed, diverged_epoch, divergence_cause,
        final_train_accuracy, chance_accuracy``, see :mod:`infoplane.tables`).
    chance_margin : a network whose final train accuracy is at most ``chance_accuracy +
        chance_margin`` ended at (or near) chance.

    Returns
    -------
    DataFrame ``seed, qualifies, reason`` (reason empty for qualifying seeds).
    """
    rows = []
    for row in seeds.itertuples(index=False):
        reason = ""
        if pd.notna(row.diverged_epoch):
            reason = f"diverged at epoch {int(row.diverged_epoch)} ({row.divergence_cause})"
        elif not np.isfinite(row.final_train_accuracy):
            reason = "no finite final accuracy"
        elif row.final_train_accuracy <= row.chance_accuracy + chance_margin:
            reason = (f"final train accuracy {row.final_train_accuracy:.3f} within {chance_margin:g} of chance "
                      f"({row.chance_accuracy:.3f})")  # fmt: skip
        rows.append({"seed": int(row.seed), "qualifies": not reason, "reason": reason})
    return pd.DataFrame(rows, columns=["seed", "qualifies", "reason"])


def hidden_layers(table: pd.DataFrame) -> list[int]:
    """Hidden layers 1 … L-1 of an information table (layer L is the softmax output)."""
    layers = sorted(int(x) for x in table["layer"].unique())
    return layers[:-1]


def seed_curves(table: pd.DataFrame, estimator: str, seeds) -> tuple[np.ndarray, list[int], np.ndarray, np.ndarray]:
    """Per-seed curves of one estimator instance.

    Returns
    -------
    epochs : int [E], the epochs every kept seed has.
    kept : the seeds of ``seeds`` with a finite value at every epoch and layer.
    xt, ty : float [n, E, L] I(X;T) and I(T;Y), bits (L = every layer in the table).
    """
    data = table[(table["estimator"] == estimator) & table["seed"].isin(list(seeds))]
    if data.empty:
        return np.zeros(0, int), [], np.zeros((0, 0, 0)), np.zeros((0, 0, 0))
    epochs = np.sort(data["epoch"].unique())
    layers = np.sort(data["layer"].unique())
    index = pd.MultiIndex.from_product([sorted(data["seed"].unique()), epochs, layers], names=["seed", "epoch", "layer"])
    frame = data.set_index(["seed", "epoch", "layer"])[["I_XT_bits", "I_TY_bits"]].reindex(index)
    shape = (len(index.levels[0]), len(epochs), len(layers))
    xt = frame["I_XT_bits"].to_numpy(np.float64).reshape(shape)
    ty = frame["I_TY_bits"].to_numpy(np.float64).reshape(shape)
    complete = np.isfinite(xt).all(axis=(1, 2)) & np.isfinite(ty).all(axis=(1, 2))
    kept = [int(s) for s, ok in zip(index.levels[0], complete) if ok]
    return epochs.astype(int), kept, xt[complete], ty[complete]


def bootstrap_for(seeds, settings: Mapping, experiment: str) -> SeedBootstrap:
    """The resampling of an experiment's seeds: the same for every estimator that has the same
    seeds, independent between experiments (seeded by the claims' seed and the name's CRC-32)."""
    return SeedBootstrap(len(seeds), int(settings["resamples"]), [int(settings["seed"]), zlib.crc32(experiment.encode())])


def _row(claim, experiment, estimator, layer, statistic, value: Interval, n_seeds, verdict, rule) -> dict:
    return dict(zip(COLUMNS, (
        claim, source_of(claim), experiment, estimator, str(layer), statistic, value.estimate, value.low, value.high,
        value.confidence, str(n_seeds), verdict, rule,
    )))  # fmt: skip


def fall_statistics(boot: SeedBootstrap, xt: np.ndarray, ty: np.ndarray, epochs: np.ndarray, confidence: float) -> dict:
    """Bootstrap replicates of the statistics of one layer: rises to the I(X;T) peak, falls
    after it, the peak's epoch and the fraction of training after it.

    ``xt, ty`` : float [n, E] per-seed curves. Returns name -> replicates [B + 1] (row 0 the
    estimate) for ``I_XT_peak_epoch, fraction_after_peak``, and name -> (Interval, crossfit,
    insample) for the contrasts ``I_XT_rise_bits, I_TY_rise_bits, I_XT_fall_bits,
    I_TY_fall_bits``.
    """
    out = {
        "I_XT_rise_bits": peak_contrast(boot, xt, xt, 0, confidence),
        "I_TY_rise_bits": peak_contrast(boot, xt, ty, 0, confidence),
        "I_XT_fall_bits": peak_contrast(boot, xt, xt, -1, confidence),
        "I_TY_fall_bits": peak_contrast(boot, xt, ty, -1, confidence),
    }
    peak = epochs[argmax_index(boot.full @ xt)].astype(np.float64)
    out["I_XT_peak_epoch"] = peak
    out["fraction_after_peak"] = (epochs[-1] - peak) / max(int(epochs[-1]), 1)
    return out


def _hull(entry, confidence: float) -> Interval:
    """The interval of a statistic at another level (entry as in :func:`fall_statistics`)."""
    if isinstance(entry, tuple):
        return hull_interval(entry[1], entry[2], confidence)
    return interval(entry, confidence)


def verdict_row(claim: str, stats: Mapping[str, Interval], settings: Mapping, extra: Mapping | None = None) -> tuple[str, str]:
    """(verdict, rule) of a within-experiment claim from its statistics' intervals."""
    m, tol = float(settings["min_effect_bits"]), float(settings["label_tolerance_bits"])
    fall, level = stats["I_XT_fall_bits"], f"{stats['I_XT_fall_bits'].confidence:.4g}"
    if claim == "st17_fitting_then_compression":
        rule = (f"confirmed if the {level} intervals of the I(X;T) rise to its peak, the I(T;Y) rise to that epoch and the "
                f"I(X;T) fall from the peak to the last epoch all lie above {m:g} bits and the I(T;Y) fall lies below "
                f"{tol:g} bits; refuted if the I(X;T) fall or rise lies below {m:g} bits or the I(T;Y) fall above "
                f"{tol:g} bits; inconclusive otherwise")  # fmt: skip
        if (stats["I_XT_rise_bits"].above(m) and stats["I_TY_rise_bits"].above(m) and fall.above(m)
                and stats["I_TY_fall_bits"].below(tol)):  # fmt: skip
            return "confirmed", rule
        if fall.below(m) or stats["I_XT_rise_bits"].below(m) or stats["I_TY_fall_bits"].above(tol):
            return "refuted", rule
        return "inconclusive", rule
    if claim == "gan_discriminator_compression":
        rule = (f"confirmed if the {level} interval of the I(X;T) fall from its peak to the last epoch lies above {m:g} "
                f"bits; refuted if it lies below {m:g} bits; inconclusive otherwise")
        return ("confirmed" if fall.above(m) else "refuted" if fall.below(m) else "inconclusive"), rule
    if claim == "st17_compression_most_of_training":
        most = float(settings["most_of_training"])
        rule = (f"confirmed if the I(X;T) fall's {level} interval lies above {m:g} bits and that of the fraction of "
                f"epochs after the peak above {most:g}; refuted if the fall lies below {m:g} bits or the fraction "
                f"below {most:g}; inconclusive otherwise")  # fmt: skip
        frac = stats["fraction_after_peak"]
        if fall.above(m) and frac.above(most):
            return "confirmed", rule
        if fall.below(m) or frac.below(most):
            return "refuted", rule
        return "inconclusive", rule
    if claim == "st17_snr_transition":
        factor, drop_min = float(settings["snr_tolerance_factor"]), float(settings["min_snr_drop_decades"])
        if extra and extra.get("undefined"):
            return "inconclusive", f"gradient SNR undefined: {extra['undefined']}"
        bound = float(np.log10(factor))
        rule = (f"confirmed if the I(X;T) fall lies above {m:g} bits, the mean log10 SNR drops at its change-point by "
                f"more than {drop_min:g} decades and log10(change-point / compression start) lies within "
                f"+-{bound:.3g} (a factor {factor:g}), all {level} intervals; refuted if the fall lies below {m:g} bits, "
                f"the drop below {drop_min:g} decades or the log ratio outside +-{bound:.3g}; inconclusive otherwise")  # fmt: skip
        ratio, drop = stats["log10_change_over_compression_start"], stats["snr_drop_decades"]
        if fall.above(m) and drop.above(drop_min) and ratio.low > -bound and ratio.high < bound:
            return "confirmed", rule
        if fall.below(m) or drop.below(drop_min) or ratio.low > bound or ratio.high < -bound:
            return "refuted", rule
        return "inconclusive", rule
    raise ValueError(f"no within-experiment rule for claim {claim!r}")


#: Statistics reported for each within-experiment claim, the first being the one the report shows.
_CLAIM_STATISTICS = {
    "st17_fitting_then_compression": ["I_XT_fall_bits", "I_XT_rise_bits", "I_TY_rise_bits", "I_TY_fall_bits", "I_XT_peak_epoch"],
    "st17_compression_most_of_training": ["fraction_after_peak", "I_XT_fall_bits"],
    "st17_snr_transition": ["log10_change_over_compression_start", "snr_change_epoch", "snr_drop_decades", "I_XT_peak_epoch"],
}


def _snr_curves(training: pd.DataFrame, seeds, layer: int):
    """log10 gradient SNR per seed [n, E'] at epochs > 0, or a reason it is undefined."""
    data = training[(training["quantity"] == "gradient_snr") & (training["layer"] == layer) & (training["epoch"] > 0)]
    data = data[data["seed"].isin(list(seeds))]
    if data.empty:
        return None, None, "no gradient SNR recorded"
    wide = data.pivot_table(index="seed", columns="epoch", values="value", aggfunc="first", dropna=False)
    wide = wide.reindex(list(seeds))
    values = wide.to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(values)
    if not np.isfinite(logs).any():
        return None, None, "one mini-batch per epoch (full-batch gradient descent) has no spread over mini-batches"
    if not np.isfinite(logs).all():
        return None, None, "non-finite gradient SNR for some qualifying seeds"
    return wide.columns.to_numpy(int), logs, None


def experiment_claims(
    information: Mapping[str, pd.DataFrame],
    training: pd.DataFrame,
    seeds: pd.DataFrame,
    settings: Mapping,
    experiment: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The within-experiment claims of [ST17] for every tested estimator and hidden layer.

    Parameters
    ----------
    information : estimator instance -> its information table (one experiment).
    training : the experiment's training table; seeds : its per-seed status table.
    settings : the checked ``claims`` section (:func:`infoplane.claims.check_settings`).
    experiment : the experiment's name.

    Returns
    -------
    claims : the claims table (columns :data:`infoplane.claims.COLUMNS`);
    curves : :func:`mean_curves`; per_seed : :func:`per_seed_falls`.
    """
    confidence = float(settings["confidence"])
    status = qualify(seeds, float(settings["chance_margin"]))
    good = status.loc[status["qualifies"], "seed"].tolist()
    rows, curve_frames, seed_frames = [], [], []
    for estimator, table in information.items():
        epochs, kept, xt_all, ty_all = seed_curves(table, estimator, good)
        curve_frames.append(mean_curves(table, estimator, kept, settings, experiment))
        seed_frames.append(per_seed_falls(table, estimator, kept, seeds, experiment))
        hidden = hidden_layers(table) if len(kept) else []
        if len(kept) < MIN_SEEDS or len(epochs) < 2:
            why = f"{len(kept)} qualifying seeds with complete curves (at least {MIN_SEEDS} needed for an interval)"
            if len(epochs) < 2 and len(kept):
                why = "fewer than two recorded epochs"
            nan = Interval(np.nan, np.nan, np.nan, confidence)
            for claim in _CLAIM_STATISTICS:
                rows.append(_row(claim, experiment, estimator, "hidden", _CLAIM_STATISTICS[claim][0], nan, len(kept),
                                 "inconclusive", why))  # fmt: skip
            continue
        boot = bootstrap_for(kept, settings, experiment)
        levels = {"per_layer": confidence, "hidden": 1.0 - (1.0 - confidence) / len(hidden)}
        layer_results = {}
        for layer in hidden:
            li = layer - 1
            raw = fall_statistics(boot, xt_all[:, :, li], ty_all[:, :, li], epochs, confidence)
            snr_epochs, logs, undefined = _snr_curves(training, kept, layer)
            if undefined is None:
                means = boot.full @ logs  # the same resampled seeds as the information: a joint bootstrap
                split, drop = change_point(means)
                change = snr_epochs[split].astype(np.float64)
                peak = np.maximum(raw["I_XT_peak_epoch"], 1.0)
                raw["snr_change_epoch"] = change
                raw["snr_drop_decades"] = drop
                raw["log10_change_over_compression_start"] = np.log10(change / peak)
            layer_results[layer] = (raw, undefined)
        for claim, names in _CLAIM_STATISTICS.items():
            decided = {}
            for layer, (raw, undefined) in layer_results.items():
                available = [n for n in names if n in raw]
                for scope, level in levels.items():
                    stats = {n: _hull(raw[n], level) for n in set(available) | {"I_XT_fall_bits"}}
                    extra = {"undefined": undefined} if claim == "st17_snr_transition" else None
                    verdict, rule = verdict_row(claim, stats, settings, extra)
                    if scope == "per_layer":
                        for n in names:
                            value = stats.get(n, Interval(np.nan, np.nan, np.nan, level))
                            rows.append(_row(claim, experiment, estimator, layer, n, value, len(kept), verdict, rule))
                    else:
                        decided[layer] = (verdict, rule, stats.get(names[0], Interval(np.nan, np.nan, np.nan, level)))
            rows.append(_aggregate(claim, experiment, estimator, names[0], decided, len(kept)))
    claims = pd.DataFrame(rows, columns=COLUMNS)
    curve_frames.append(snr_mean_curves(training, good, settings, experiment))
    curves = _concat(curve_frames, _CURVE_COLUMNS)
    per_seed = _concat(seed_frames, _PER_SEED_COLUMNS)
    return claims, curves, per_seed


_CURVE_COLUMNS = ["experiment", "estimator", "layer", "epoch", "quantity", "mean_bits", "ci_low_bits", "ci_high_bits",
                  "confidence", "n_seeds"]  # fmt: skip
_PER_SEED_COLUMNS = ["experiment", "estimator", "layer", "seed", "peak_epoch", "fall_bits", "final_train_accuracy",
                     "final_test_accuracy"]  # fmt: skip


def _concat(frames, columns) -> pd.DataFrame:
    """Frames stacked, or an empty table with ``columns`` when none has rows (no qualifying seed)."""
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _aggregate(claim, experiment, estimator, statistic, decided: Mapping[int, tuple], n_seeds, confirm: str = "any") -> dict:
    """The claim over all hidden layers from each layer's verdict at the Bonferroni level.

    ``confirm="any"`` (a claim that some layer does something): confirmed if some layer
    confirms it, refuted if every layer refutes it. ``confirm="all"`` (a claim that no layer
    does something): confirmed if every layer confirms it, refuted if some layer refutes it.
    Inconclusive otherwise.
    """
    verdicts = {layer: v for layer, (v, _, _) in decided.items()}
    layers = sorted(decided)
    span = f"{layers[0]}-{layers[-1]}" if len(layers) > 1 else f"{layers[0]}"
    low = lambda l: decided[l][2].low if np.isfinite(decided[l][2].low) else -np.inf  # noqa: E731
    named = lambda v: ", ".join(str(l) for l in layers if verdicts[l] == v)  # noqa: E731
    several, every = ("confirmed", "refuted") if confirm == "any" else ("refuted", "confirmed")
    if any(v == several for v in verdicts.values()):
        pick = max((l for l in layers if verdicts[l] == several), key=low)
        verdict, how = several, f"{several} in layer(s) {named(several)}"
    elif all(v == every for v in verdicts.values()):
        pick = max(layers, key=low)
        verdict, how = every, f"{every} in every hidden layer"
    else:
        pick = max(layers, key=low)
        verdict, how = "inconclusive", f"{'no layer' if confirm == 'any' else 'not every layer'} decides it"
    level = decided[pick][2].confidence
    rule = (f"over hidden layers {span} at the Bonferroni level {level:.4g}: {how}; shown: layer {pick}. "
            f"Per layer: {decided[pick][1]}")
    return _row(claim, experiment, estimator, "hidden", statistic, decided[pick][2], n_seeds, verdict, rule)


def mean_curves(table: pd.DataFrame, estimator: str, seeds, settings: Mapping, experiment: str) -> pd.DataFrame:
    """Mean over seeds of I(X;T) and I(T;Y) per layer and epoch, with bootstrap intervals.

    Returns columns ``experiment, estimator, layer, epoch, quantity (I_XT or I_TY), mean_bits,
    ci_low_bits, ci_high_bits, confidence, n_seeds``; the interval is NaN with fewer than
    :data:`MIN_SEEDS` seeds.
    """
    epochs, kept, xt, ty = seed_curves(table, estimator, seeds)
    columns = _CURVE_COLUMNS
    if not kept:
        return pd.DataFrame(columns=columns)
    confidence = float(settings["confidence"])
    layers = np.sort(table.loc[table["estimator"] == estimator, "layer"].unique()).astype(int)
    boot = bootstrap_for(kept, settings, experiment) if len(kept) >= MIN_SEEDS else None
    frames = []
    for quantity, values in (("I_XT", xt), ("I_TY", ty)):
        for li, layer in enumerate(layers):
            curves = values[:, :, li]
            mean = curves.mean(axis=0)
            if boot is not None:
                alpha = 1.0 - confidence
                low, high = np.quantile((boot.full @ curves)[1:], [alpha / 2, 1 - alpha / 2], axis=0)
            else:
                low = high = np.full_like(mean, np.nan)
            frames.append(pd.DataFrame({
                "experiment": experiment, "estimator": estimator, "layer": int(layer), "epoch": epochs,
                "quantity": quantity, "mean_bits": mean, "ci_low_bits": low, "ci_high_bits": high,
                "confidence": confidence, "n_seeds": len(kept),
            }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)[columns]


def snr_mean_curves(training: pd.DataFrame, seeds, settings: Mapping, experiment: str) -> pd.DataFrame:
    """Mean over seeds of the log10 gradient SNR per layer and epoch (> 0), with bootstrap
    intervals; the same columns as :func:`mean_curves` with ``quantity = "log10_snr"``, an
    empty ``estimator`` and values in decades (in the ``*_bits`` columns). Empty when the SNR is
    undefined (full-batch training)."""
    columns = _CURVE_COLUMNS
    frames = []
    layers = sorted(int(x) for x in training["layer"].dropna().unique())
    confidence = float(settings["confidence"])
    for layer in layers:
        epochs, logs, undefined = _snr_curves(training, seeds, layer)
        if undefined is not None or logs is None or len(logs) == 0:
            continue
        mean = logs.mean(axis=0)
        low = high = np.full_like(mean, np.nan)
        if len(logs) >= MIN_SEEDS:
            boot = bootstrap_for(list(seeds), settings, experiment)
            alpha = 1.0 - confidence
            low, high = np.quantile((boot.full @ logs)[1:], [alpha / 2, 1 - alpha / 2], axis=0)
        frames.append(pd.DataFrame({
            "experiment": experiment, "estimator": "", "layer": layer, "epoch": epochs, "quantity": "log10_snr",
            "mean_bits": mean, "ci_low_bits": low, "ci_high_bits": high, "confidence": confidence, "n_seeds": len(logs),
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def per_seed_falls(table: pd.DataFrame, estimator: str, seeds, status: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """Each qualifying seed's fall of I(X;T) per hidden layer with its final accuracies.

    The fall is read at the peak epoch of the mean curve over the seeds (one epoch for all
    seeds, so a seed's fall is not inflated by picking its own noisy maximum): ``fall_bits =
    I_s(e*) - I_s(e_last)``. Returns columns ``experiment, estimator, layer, seed, peak_epoch,
    fall_bits, final_train_accuracy, final_test_accuracy``.
    """
    columns = _PER_SEED_COLUMNS
    epochs, kept, xt, _ = seed_curves(table, estimator, seeds)
    if not kept or len(epochs) < 2:
        return pd.DataFrame(columns=columns)
    accuracy = status.set_index("seed").reindex(kept)
    frames = []
    for li, layer in enumerate(hidden_layers(table)):
        curves = xt[:, :, li]
        peak = int(np.argmax(curves.mean(axis=0)))
        frames.append(pd.DataFrame({
            "experiment": experiment, "estimator": estimator, "layer": layer, "seed": kept, "peak_epoch": int(epochs[peak]),
            "fall_bits": curves[:, peak] - curves[:, -1],
            "final_train_accuracy": accuracy["final_train_accuracy"].to_numpy(np.float64),
            "final_test_accuracy": accuracy["final_test_accuracy"].to_numpy(np.float64),
        }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
