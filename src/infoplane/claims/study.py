"""Claims that compare experiments ([SB18]'s activation and full-batch claims, [ST17]'s
training-set size) and the generalisation claim, which pools the seeds of all experiments on one
dataset.

Comparisons are found from the experiments' settings (:func:`comparisons`): two experiments
that differ in the activation only (and possibly the initialisation, which [ST17] and [SB18]
match to the activation) test [SB18]'s activation claim; two that differ in the batch size,
one of them with a single mini-batch per epoch, test the full-batch claim; experiments that
differ in ``train_fraction`` only test [ST17]'s claim that more data gives more compression.
Differences of falls are bootstrapped with independent resamples of each experiment's seeds.
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from . import COLUMNS
from .bootstrap import MIN_SEEDS, Interval, hull_interval, interval
from ..choices import ACTIVATIONS
from .experiment import _aggregate, _row, bootstrap_for, fall_statistics, hidden_layers, qualify, seed_curves

__all__ = ["DOUBLE_SATURATING", "comparisons", "study_claims", "spearman_rows"]

#: Activations that saturate on both sides ([SB18]: these compress under binning), from the
#: declarations (:data:`infoplane.choices.ACTIVATIONS`); the others (relu, softplus, linear) are
#: compared against them.
DOUBLE_SATURATING = tuple(name for name, a in ACTIVATIONS.items() if a.saturation == "double")


def _double_saturating(activation: str) -> bool:
    """From the declaration, looked up when asked (a plugin's activation registers later)."""
    return activation in ACTIVATIONS and ACTIVATIONS[activation].saturation == "double"

#: Settings that do not change what an experiment tests (how many seeds, how they are chunked,
#: which epochs are recorded, which estimators run).
_IGNORED = {"seeds", "first_seed", "chunk_size", "record", "estimators"}


def _differences(a: Mapping, b: Mapping) -> set[str]:
    keys = (set(a) | set(b)) - _IGNORED
    return {k for k in keys if a.get(k) != b.get(k)}


def comparisons(settings: Mapping[str, Mapping], batches_per_epoch: Mapping[str, int]) -> list[tuple[str, str, str]]:
    """The pairs of experiments that test a comparative claim.

    Parameters
    ----------
    settings : experiment -> its resolved training settings.
    batches_per_epoch : experiment -> mini-batches per epoch (1: full-batch gradient descent).

    Returns
    -------
    list of ``(claim, a, b)``: for ``sb18_activation`` ``a`` has a double-saturating activation
    and ``b`` not; for ``sb18_full_batch`` ``a`` is the full-batch experiment; for
    ``st17_more_data_more_compression`` ``a`` has the larger training fraction (only the
    smallest and the largest fraction of a family are compared).
    """
    out = []
    names = list(settings)
    for a, b in itertools.combinations(names, 2):
        diff = _differences(settings[a], settings[b])
        if "activation" in diff and diff <= {"activation", "init"}:
            sa, sb = _double_saturating(settings[a]["activation"]), _double_saturating(settings[b]["activation"])
            if sa != sb:
                out.append(("sb18_activation", a, b) if sa else ("sb18_activation", b, a))
        if diff == {"batch_size"}:
            full_a, full_b = batches_per_epoch.get(a) == 1, batches_per_epoch.get(b) == 1
            if full_a != full_b:
                out.append(("sb18_full_batch", a, b) if full_a else ("sb18_full_batch", b, a))
    families: dict[tuple, list[str]] = {}
    for name in names:
        key = tuple(sorted((k, repr(v)) for k, v in settings[name].items() if k not in _IGNORED | {"train_fraction"}))
        families.setdefault(key, []).append(name)
    for members in families.values():
        fractions = {m: float(settings[m]["train_fraction"]) for m in members}
        if len(set(fractions.values())) >= 2:
            small, large = min(members, key=fractions.get), max(members, key=fractions.get)
            out.append(("st17_more_data_more_compression", large, small))
    return out


def _falls(information, seeds_table, settings, experiment, estimator):
    """Cross-fitted and in-sample fall replicates of every hidden layer of one experiment
    (layer -> entry, or None with too few seeds), its qualifying seeds and its resampling."""
    good = qualify(seeds_table, float(settings["chance_margin"]))
    epochs, kept, xt, ty = seed_curves(information, estimator, good.loc[good["qualifies"], "seed"].tolist())
    if len(kept) < MIN_SEEDS or len(epochs) < 2:
        return None, kept, None
    boot = bootstrap_for(kept, settings, experiment)
    confidence = float(settings["confidence"])
    falls = {layer: fall_statistics(boot, xt[:, :, layer - 1], ty[:, :, layer - 1], epochs, confidence)["I_XT_fall_bits"]
             for layer in hidden_layers(information)}  # fmt: skip
    return falls, kept, boot


def _comparison_verdict(claim, stats, settings) -> tuple[str, str]:
    m = float(settings["min_effect_bits"])
    level = f"{next(iter(stats.values())).confidence:.4g}"
    if claim == "sb18_activation":
        diff = stats["I_XT_fall_difference_bits"]
        rule = (f"fall of I(X;T) after its peak, double-saturating minus the other activation: confirmed if its {level} "
                f"interval lies above {m:g} bits, refuted if below {m:g} bits, inconclusive otherwise")
        return ("confirmed" if diff.above(m) else "refuted" if diff.below(m) else "inconclusive"), rule
    if claim == "sb18_full_batch":
        full, mini = stats["I_XT_fall_full_batch_bits"], stats["I_XT_fall_mini_batch_bits"]
        rule = (f"confirmed if the full-batch fall's {level} interval lies above {m:g} bits; refuted if it lies below "
                f"{m:g} bits while the mini-batch fall lies above; inconclusive otherwise")
        if full.above(m):
            return "confirmed", rule
        return ("refuted" if full.below(m) and mini.above(m) else "inconclusive"), rule
    if claim == "st17_more_data_more_compression":
        diff, acc = stats["I_XT_fall_difference_bits"], stats["test_accuracy_difference"]
        rule = (f"larger minus smaller training fraction: confirmed if the fall difference's {level} interval lies above "
                f"{m:g} bits and the test accuracy difference's above 0; refuted if the fall difference lies below "
                f"{m:g} bits or the accuracy difference below 0; inconclusive otherwise")
        if diff.above(m) and acc.above(0.0):
            return "confirmed", rule
        return ("refuted" if diff.below(m) or acc.below(0.0) else "inconclusive"), rule
    raise ValueError(f"no comparison rule for claim {claim!r}")


def _test_accuracy(seeds_table, kept, boot):
    acc = seeds_table.set_index("seed").reindex(kept)["final_test_accuracy"].to_numpy(np.float64)
    return boot.full @ acc if np.isfinite(acc).all() else np.full(boot.n_resamples + 1, np.nan)


def study_claims(
    information: Mapping[str, Mapping[str, pd.DataFrame]],
    seeds: Mapping[str, pd.DataFrame],
    per_seed: Mapping[str, pd.DataFrame],
    experiment_settings: Mapping[str, Mapping],
    settings: Mapping,
) -> pd.DataFrame:
    """Comparative claims and the generalisation claim of a study.

    Parameters
    ----------
    information : experiment -> estimator instance -> information table.
    seeds : experiment -> per-seed status table; per_seed : experiment -> per-seed falls
        (:func:`infoplane.claims.experiment.per_seed_falls`).
    experiment_settings : experiment -> resolved training settings (``dataset`` among them).
    settings : the checked ``claims`` section.

    Returns
    -------
    The claims table (:data:`infoplane.claims.COLUMNS`) of these claims.
    """
    confidence = float(settings["confidence"])
    batches = {e: int(t["n_batches_per_epoch"].iloc[0]) for e, t in seeds.items() if len(t)}
    rows = []
    for claim, a, b in comparisons(experiment_settings, batches):
        label = f"{a} vs {b}"
        for estimator in [m for m in information[a] if m in information[b]]:
            layers = hidden_layers(information[a][estimator])
            raw = {}
            falls_a, kept_a, boot_a = _falls(information[a][estimator], seeds[a], settings, a, estimator)
            falls_b, kept_b, boot_b = _falls(information[b][estimator], seeds[b], settings, b, estimator)
            n_seeds = f"{len(kept_a)}+{len(kept_b)}"
            for layer in layers:
                fa = falls_a.get(layer) if falls_a else None
                fb = falls_b.get(layer) if falls_b else None
                if fa is None or fb is None:
                    raw = None
                    break
                entry = {"I_XT_fall_difference_bits": (fa[1] - fb[1], fa[2] - fb[2])}
                if claim == "sb18_full_batch":
                    entry = {"I_XT_fall_full_batch_bits": (fa[1], fa[2]), "I_XT_fall_mini_batch_bits": (fb[1], fb[2]),
                             "I_XT_fall_difference_bits": (fb[1] - fa[1], fb[2] - fa[2])}  # fmt: skip
                if claim == "st17_more_data_more_compression":
                    diff = _test_accuracy(seeds[a], kept_a, boot_a) - _test_accuracy(seeds[b], kept_b, boot_b)
                    entry["test_accuracy_difference"] = (diff, diff)
                raw[layer] = entry
            names = {"sb18_activation": ["I_XT_fall_difference_bits"],
                     "sb18_full_batch": ["I_XT_fall_full_batch_bits", "I_XT_fall_mini_batch_bits", "I_XT_fall_difference_bits"],
                     "st17_more_data_more_compression": ["I_XT_fall_difference_bits", "test_accuracy_difference"]}[claim]  # fmt: skip
            if not raw:
                nan = Interval(np.nan, np.nan, np.nan, confidence)
                rows.append(_row(claim, label, estimator, "hidden", names[0], nan, n_seeds, "inconclusive",
                                 f"fewer than {MIN_SEEDS} qualifying seeds with complete curves in one of the experiments"))
                continue
            decided = {}
            for layer, entry in raw.items():
                for scope, level in (("layer", confidence), ("hidden", 1.0 - (1.0 - confidence) / len(layers))):
                    stats = {n: hull_interval(*entry[n], level) for n in names}
                    verdict, rule = _comparison_verdict(claim, stats, settings)
                    if scope == "layer":
                        rows += [_row(claim, label, estimator, layer, n, stats[n], n_seeds, verdict, rule) for n in names]
                    else:
                        decided[layer] = (verdict, rule, stats[names[0]])
            rows.append(_aggregate(claim, label, estimator, names[0], decided, n_seeds))
    rows += spearman_rows(per_seed, experiment_settings, settings)
    return pd.DataFrame(rows, columns=COLUMNS)


def _spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rank correlation of each row pair of x, y [R, n] (average ranks for ties)."""
    rx, ry = rankdata(x, axis=1), rankdata(y, axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(axis=1) / np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))


def spearman_rows(per_seed: Mapping[str, pd.DataFrame], experiment_settings: Mapping[str, Mapping], settings: Mapping) -> list[dict]:
    """[SB18]'s generalisation claim: Spearman's correlation between a seed's fall of I(X;T)
    and its final test accuracy, over the qualifying seeds of every experiment on one dataset,
    per estimator and hidden layer; bootstrap resampling the seeds within each experiment.

    Two statistics: ``spearman_fall_vs_test_accuracy`` over all seeds pooled (what the claim
    states: across experiments and seeds; confounded when an experiment setting, e.g. the
    activation, moves both the fall and the accuracy), and ``spearman_within_experiments``, the
    correlation within each experiment averaged weighted by its seeds (experiments with at least
    3 seeds). Each is confirmed (generalisation does not need compression) if its interval lies
    below ``min_rank_correlation``, refuted if above, inconclusive otherwise. A constant
    accuracy or fall (no ranking) gives an undefined correlation, inconclusive.
    """
    confidence, rho_min = float(settings["confidence"]), float(settings["min_rank_correlation"])
    frames = [t for t in per_seed.values() if len(t)]
    if not frames:
        return []
    data = pd.concat(frames, ignore_index=True)
    data = data[np.isfinite(data["final_test_accuracy"]) & np.isfinite(data["fall_bits"])]
    data["dataset"] = data["experiment"].map(lambda e: experiment_settings[e]["dataset"])
    rows = []
    for (dataset, estimator), group in data.groupby(["dataset", "estimator"], sort=False):
        experiments = list(dict.fromkeys(group["experiment"]))
        label = "all" if set(experiments) == {e for e, s in experiment_settings.items() if s["dataset"] == dataset} else " + ".join(experiments)
        layers = sorted(int(l) for l in group["layer"].unique())
        decided = {"spearman_fall_vs_test_accuracy": {}, "spearman_within_experiments": {}}
        rng = np.random.default_rng([int(settings["seed"]), zlib.crc32(f"generalisation {dataset} {estimator}".encode())])
        n_res = int(settings["resamples"])
        blocks = None
        for layer in layers:
            part = group[group["layer"] == layer].reset_index(drop=True)
            n = len(part)
            if n < MIN_SEEDS:
                continue
            if blocks is None or sum(b.shape[1] for b in blocks) != n:  # the same resampled seeds for every layer
                members = [np.flatnonzero(part["experiment"].to_numpy() == e) for e in experiments]
                blocks = [np.vstack([m, m[rng.integers(0, len(m), size=(n_res, len(m)))]]) for m in members if len(m)]
            fall, acc = part["fall_bits"].to_numpy(), part["final_test_accuracy"].to_numpy()
            pooled = _spearman(fall[np.hstack(blocks)], acc[np.hstack(blocks)])
            within = np.stack([_spearman(fall[b], acc[b]) for b in blocks if b.shape[1] >= 3])
            weights = np.array([b.shape[1] for b in blocks if b.shape[1] >= 3], dtype=float)[:, None] * np.isfinite(within)
            with np.errstate(invalid="ignore", divide="ignore"):
                within = np.nansum(within * weights, axis=0) / weights.sum(axis=0)
            for statistic, rho, what in (
                ("spearman_fall_vs_test_accuracy", pooled, f"over the {n} seeds of {', '.join(experiments)} pooled"),
                ("spearman_within_experiments", within,
                 f"within each of {', '.join(experiments)}, averaged weighted by seeds (an activation's effect on both "
                 "removed)"),
            ):  # fmt: skip
                for scope, level in (("layer", confidence), ("hidden", 1.0 - (1.0 - confidence) / len(layers))):
                    value = interval(rho, level)
                    rule = (f"Spearman correlation of each seed's fall of I(X;T) (at the mean curve's peak epoch) with "
                            f"its final test accuracy, {what}: confirmed if the {level:.4g} interval lies below "
                            f"{rho_min:g}, refuted if above, inconclusive otherwise")
                    if not np.isfinite(value.estimate):
                        verdict = "inconclusive"
                        rule = "the fall or the test accuracy is the same for every seed: no ranking; " + rule
                    else:
                        verdict = "confirmed" if value.below(rho_min) else "refuted" if value.above(rho_min) else "inconclusive"
                    if scope == "layer":
                        rows.append(_row("sb18_generalisation", label, estimator, layer, statistic, value, n, verdict, rule))
                    else:
                        decided[statistic][layer] = (verdict, rule, value)
        for statistic, by_layer in decided.items():
            if by_layer:
                rows.append(_aggregate("sb18_generalisation", label, estimator, statistic, by_layer,
                                       len(group[group["layer"] == layers[0]]), confirm="all"))
    return rows
