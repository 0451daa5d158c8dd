"""Pairs, predictions, intervals and the collapse map of the pairwise generalisation study.

Definitions (the report and the README say the same):

* A *pair* is two networks of one network type and one seed that differ in exactly one factor
  (:func:`infoplane.generalisation.pairs`). Its *better* member has the higher final test
  accuracy.
* A pair is *excluded* when either member diverged, and *close* when the two test accuracies
  differ by less than the pair's seed-to-seed spread (the larger of the two combinations'
  standard deviations of the final test accuracy over seeds): which member is better is then
  within what another seed would change. Close pairs are scored apart; the headline fraction is
  over the *clear* pairs.
* A signal *predicts* the member whose value is better in the signal's direction; a *tie*
  (equal values) predicts nothing and is counted apart. The fraction correct is correct /
  (correct + wrong) over the clear pairs.
* The MI signal's rule (feature and direction, :data:`~infoplane.generalisation.signals.RULES`)
  is cross-fitted: for each network type it is the rule with the highest fraction correct on
  the clear pairs of the *other* types (with a single type: for each seed, on the other seeds),
  never on the pairs it is scored on.
* Intervals of a fraction: the hull of the percentile bootstrap over seeds (the seeds drawn with
  replacement, every pair of a drawn seed kept; the MI rule chosen again on every resample;
  Efron & Tibshirani 1993 ch. 13) and Clopper & Pearson's exact binomial interval over the
  decided pairs. The bootstrap alone cannot move a fraction every resample shares (every pair
  right: [1, 1] from 11 pairs); the binomial interval alone treats a seed's pairs as
  independent. The fraction over *every* decided pair (close ones too, the MI rule still chosen
  on clear pairs), as seed 002 may have scored, is given beside it with its own interval.
* Verdicts compare *scores*, correct + half the ties over the clear pairs, so that two signals
  are compared on the same pairs: MI above chance (0.5) and MI at seed 002's level use the
  score's interval (the same hull); MI above training accuracy and above training loss use the
  bootstrap interval of the paired difference. Confirmed when the interval of the difference
  lies above 0, refuted when it lies below, inconclusive otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..claims.bootstrap import interval as bootstrap_interval
from . import grid, pairs, seed002
from .signals import FEATURES, MI_SIGNAL, RULES, SIGNALS, rule_label

__all__ = [
    "TIE_TOLERANCE", "network_table", "collapse_map", "pair_table", "predictions", "summary", "feature_fractions", "ALL",
]  # fmt: skip

#: Two signal values closer than this are a tie (fractions, nats, bits or epochs).
TIE_TOLERANCE = 1e-7
#: The row of every network type together.
ALL = "all"


def network_table(section: Mapping, seeds: Mapping[str, pd.DataFrame], features: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per grid experiment and seed: its network type, levels, divergence, final
    training and test metrics, chance accuracy and information-plane features.

    Parameters
    ----------
    section : the config's validated ``generalisation`` section.
    seeds : experiment -> its seeds table (:func:`infoplane.tables.seeds_table`).
    features : experiment -> :func:`~infoplane.generalisation.signals.feature_table`.

    Raises
    ------
    KeyError
        If an experiment of the grid has no seeds table.
    """
    rows = []
    for cell in grid(section):
        table = seeds[cell.name].merge(features[cell.name], on="seed", how="left")
        for record in table.to_dict("records"):
            row = {"network": cell.network, **{f"level_{f}": level for f, level in cell.levels}, "experiment": cell.name,
                   "seed": int(record["seed"]), "diverged": not pd.isna(record["diverged_epoch"])}
            for column in ("final_train_accuracy", "final_train_loss", "final_test_accuracy", "chance_accuracy"):
                row[column] = float(record[column])
            for feature in FEATURES:
                row[feature.column] = float(record.get(feature.column, np.nan))
            rows.append(row)
    return pd.DataFrame(rows)


def collapse_map(networks: pd.DataFrame, section: Mapping) -> pd.DataFrame:
    """One row per combination (network type x levels): seeds, diverged seeds, mean final
    training and test accuracy (finite seeds), test accuracy's standard deviation over seeds,
    chance accuracy and a status: ``trained``, ``chance`` (mean training accuracy within
    ``chance_margin`` of chance), ``diverged`` (every seed) or ``partly diverged``."""
    margin = float(section["chance_margin"])
    rows = []
    for cell in grid(section):
        table = networks[networks["experiment"] == cell.name]
        alive = table[~table["diverged"]]
        n, n_div = len(table), int(table["diverged"].sum())
        train = float(alive["final_train_accuracy"].mean()) if len(alive) else np.nan
        chance = float(table["chance_accuracy"].iloc[0]) if n else np.nan
        if n_div == n:
            status = "diverged"
        elif n_div:
            status = "partly diverged"
        elif train - chance < margin:
            status = "chance"
        else:
            status = "trained"
        rows.append({
            "network": cell.network, **{f"level_{f}": level for f, level in cell.levels}, "experiment": cell.name,
            "n_seeds": n, "n_diverged": n_div, "train_accuracy": train,
            "test_accuracy": float(alive["final_test_accuracy"].mean()) if len(alive) else np.nan,
            "test_accuracy_sd": float(alive["final_test_accuracy"].std(ddof=1)) if len(alive) > 1 else np.nan,
            "chance_accuracy": chance, "status": status,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _value_columns() -> list[str]:
    return [s.column for s in SIGNALS if s.column] + [f.column for f in FEATURES]


def pair_table(networks: pd.DataFrame, section: Mapping) -> pd.DataFrame:
    """One row per pair and seed: the two experiments, their test accuracies, the spread, the
    pair's status (``clear``, ``close`` or ``excluded``) and every signal's and feature's value
    for each member (``<column>_a``, ``<column>_b``)."""
    collapse = collapse_map(networks, section).set_index("experiment")
    by_key = networks.set_index(["experiment", "seed"])
    values = _value_columns()
    rows = []
    for factor, a, b in pairs(section):
        spread = np.nanmax([collapse.at[a.name, "test_accuracy_sd"], collapse.at[b.name, "test_accuracy_sd"]])
        for seed in sorted(set(networks.loc[networks["experiment"] == a.name, "seed"])):
            ra, rb = by_key.loc[(a.name, seed)], by_key.loc[(b.name, seed)]
            delta = float(ra["final_test_accuracy"] - rb["final_test_accuracy"])
            if ra["diverged"] or rb["diverged"]:
                status = "excluded"
            elif not abs(delta) >= spread:  # NaN spread (one seed): every pair close
                status = "close"
            else:
                status = "clear"
            row = {"network": a.network, "factor": factor, "level_a": a.level(factor), "level_b": b.level(factor),
                   "experiment_a": a.name, "experiment_b": b.name, "seed": int(seed),
                   "test_accuracy_a": float(ra["final_test_accuracy"]), "test_accuracy_b": float(rb["final_test_accuracy"]),
                   "spread": float(spread), "status": status}  # fmt: skip
            for column in values:
                row[f"{column}_a"], row[f"{column}_b"] = float(ra[column]), float(rb[column])
            rows.append(row)
    return pd.DataFrame(rows)


def _outcomes(table: pd.DataFrame, column: str, direction: int) -> np.ndarray:
    """Per pair: +1 the signal predicts the better member, -1 the worse, 0 a tie, NaN when the
    pair cannot be scored (excluded, equal test accuracies, a missing value)."""
    a, b = table[f"{column}_a"].to_numpy(float), table[f"{column}_b"].to_numpy(float)
    truth = np.sign(table["test_accuracy_a"].to_numpy(float) - table["test_accuracy_b"].to_numpy(float))
    said = direction * (a - b)
    out = np.where(np.abs(said) <= TIE_TOLERANCE, 0.0, np.sign(said) * truth)
    bad = ~np.isfinite(said) | (truth == 0) | (table["status"].to_numpy() == "excluded")
    out[bad] = np.nan
    return out


class _Counts:
    """Correct, wrong and tied pairs of the given ``statuses`` (default the clear ones) per
    network type, factor, seed and rule: arrays [K, F, S, J]."""

    def __init__(self, table: pd.DataFrame, networks: list[str], factors: list[str], seeds: list[int],
                 columns: list[tuple[str, int]], statuses: tuple[str, ...] = ("clear",)):  # fmt: skip
        clear = np.isin(table["status"].to_numpy(), statuses)
        k = table["network"].map({n: i for i, n in enumerate(networks)}).to_numpy()
        f = table["factor"].map({n: i for i, n in enumerate(factors)}).to_numpy()
        s = table["seed"].map({v: i for i, v in enumerate(seeds)}).to_numpy()
        shape = (len(networks), len(factors), len(seeds), len(columns))
        self.correct, self.wrong, self.tie = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for j, (column, direction) in enumerate(columns):
            o = _outcomes(table, column, direction)
            for target, hit in ((self.correct, o == 1), (self.wrong, o == -1), (self.tie, o == 0)):
                m = clear & hit
                np.add.at(target, (k[m], f[m], s[m], j), 1.0)

    def resampled(self, weights: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rule ``j``'s counts on resampled seeds: [R, K, F] each."""
        return tuple(np.einsum("rs,kfs->rkf", weights, x[..., j]) for x in (self.correct, self.wrong, self.tie))


def _choose(correct: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """Index of the rule with the highest fraction correct (first on ties; rules never decided lose)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(decided > 0, correct / decided, -1.0)
    return np.argmax(fraction, axis=-1)


def _crossfit(
    counts: _Counts, weights: np.ndarray, scored: _Counts | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cross-fitted MI rule on resampled seeds.

    ``weights`` [R, S] (how often each seed is drawn). The rule is chosen on ``counts`` (the
    clear pairs) and scored on ``scored`` (default the same pairs; e.g. the clear and close
    ones). Returns the correct, wrong and tied counts of the rule chosen for each pair's
    held-out unit, per resample, network type and factor ([R, K, F] each), and the chosen
    rule's index per held-out unit ([R, U]; units are the network types, or the seeds when
    there is one type).
    """
    scored = scored or counts
    c = np.einsum("rs,kfsj->rkfj", weights, scored.correct)
    w = np.einsum("rs,kfsj->rkfj", weights, scored.wrong)
    t = np.einsum("rs,kfsj->rkfj", weights, scored.tie)
    n_types, n_factors = c.shape[1], c.shape[2]
    r_index = np.arange(weights.shape[0])[:, None, None]
    if n_types > 1:  # leave one network type out: choose on the other types, all factors
        ck = np.einsum("rs,kfsj->rkj", weights, counts.correct)  # [R, K, J]
        wk = np.einsum("rs,kfsj->rkj", weights, counts.wrong)
        train_c, train_w = ck.sum(axis=1, keepdims=True) - ck, wk.sum(axis=1, keepdims=True) - wk
        chosen = _choose(train_c, train_c + train_w)  # [R, K]
        # no decided pair on the other types: no rule, no prediction
        valid = ((train_c + train_w).max(axis=-1) > 0)[:, :, None]
        k_index = np.arange(n_types)[None, :, None]
        f_index = np.arange(n_factors)[None, None, :]
        j = chosen[:, :, None]
        picked = (x[r_index, k_index, f_index, j] * valid for x in (c, w, t))
        return (*picked, chosen)
    # one network type: leave one seed out (a seed drawn twice is held out with both copies)
    cs = weights[:, None, :, None] * scored.correct[0][None]  # [R, F, S, J]
    ws = weights[:, None, :, None] * scored.wrong[0][None]
    ts = weights[:, None, :, None] * scored.tie[0][None]
    per_seed_c = weights[:, :, None] * counts.correct[0].sum(axis=0)[None]  # [R, S, J]
    per_seed_w = weights[:, :, None] * counts.wrong[0].sum(axis=0)[None]
    train_c = per_seed_c.sum(axis=1, keepdims=True) - per_seed_c
    train_w = per_seed_w.sum(axis=1, keepdims=True) - per_seed_w
    chosen = _choose(train_c, train_c + train_w)  # [R, S]
    valid = ((train_c + train_w).max(axis=-1) > 0)[:, None, :]  # no decided pair on the other seeds: no rule
    f_index = np.arange(n_factors)[None, :, None]
    s_index = np.arange(weights.shape[1])[None, None, :]
    j = chosen[:, None, :]

    def pick(x):  # [R, F, S, J] -> [R, 1, F]: each seed's pairs with its own rule
        return (x[r_index, f_index, s_index, j] * valid).sum(axis=2)[:, None, :]

    return pick(cs), pick(ws), pick(ts), chosen


def _bootstrap_weights(n_seeds: int, resamples: int, seed: int) -> np.ndarray:
    """[1 + R, S]: the sample itself, then R multinomial draws of the seeds."""
    rng = np.random.default_rng([seed, n_seeds])
    draws = rng.multinomial(n_seeds, np.full(n_seeds, 1.0 / n_seeds), size=resamples).astype(float)
    return np.vstack([np.ones((1, n_seeds)), draws])


def predictions(table: pd.DataFrame, section: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every pair's prediction by every signal, and the MI rule chosen for each held-out unit.

    Returns
    -------
    (predictions, rules): ``predictions`` one row per pair, seed and signal (the pair's columns,
    ``signal``, ``rule``, ``value_a``, ``value_b``, ``predicted`` (a, b or tie), ``outcome``
    (correct, wrong, tie, close-correct, close-wrong, close-tie, excluded or equal: test
    accuracies equal)); ``rules`` one row per held-out unit (``network`` or ``seed``): the
    rule chosen on the other units and its fraction correct there.
    """
    networks, factors = list(section["networks"]), list(section["factors"])
    seeds = sorted(table["seed"].unique().tolist())
    counts = _Counts(table, networks, factors, seeds, [(f.column, d) for f, d in RULES])
    _, _, _, chosen = _crossfit(counts, np.ones((1, len(seeds))))
    units = networks if len(networks) > 1 else seeds
    # per unit and rule, its clear pairs' correct and wrong counts: [U, J]
    by_unit_c = counts.correct.sum(axis=(1, 2)) if len(networks) > 1 else counts.correct[0].sum(axis=0)
    by_unit_w = counts.wrong.sum(axis=(1, 2)) if len(networks) > 1 else counts.wrong[0].sum(axis=0)
    rules = []
    for u, unit in enumerate(units):
        j = int(chosen[0, u])
        c, w = by_unit_c.sum(axis=0) - by_unit_c[u], by_unit_w.sum(axis=0) - by_unit_w[u]
        feature, direction = RULES[j]
        rules.append({"held_out": "network" if len(networks) > 1 else "seed", "unit": str(unit), "feature": feature.name,
                      "direction": direction, "rule": rule_label(feature, direction),
                      "chosen_on_correct": int(c[j]), "chosen_on_decided": int(c[j] + w[j]),
                      "chosen_on_fraction": float(c[j] / (c[j] + w[j])) if c[j] + w[j] else np.nan})  # fmt: skip
    rules = pd.DataFrame(rules)
    rule_of = {r["unit"]: RULES[int(chosen[0, u])] if r["chosen_on_decided"] else None for u, r in rules.iterrows()}

    base = [c for c in table.columns if not c.endswith(("_a", "_b")) or c.startswith(("level_", "experiment_", "test_accuracy_"))]
    out = []
    for signal in SIGNALS:
        part = table[base].copy()
        part["signal"] = signal.name
        if signal.name == MI_SIGNAL:
            key = part["network"] if len(networks) > 1 else part["seed"].astype(str)
            picked = [rule_of[str(k)] for k in key]  # None: no rule (nothing decided on the other units)
            part["rule"] = [rule_label(*r) if r else "none (no decided pair to choose on)" for r in picked]
            part["value_a"] = [table.at[i, f"{r[0].column}_a"] if r else np.nan for i, r in zip(table.index, picked)]
            part["value_b"] = [table.at[i, f"{r[0].column}_b"] if r else np.nan for i, r in zip(table.index, picked)]
            direction = np.array([r[1] if r else np.nan for r in picked], dtype=float)
        else:
            part["rule"] = signal.description
            part["value_a"], part["value_b"] = table[f"{signal.column}_a"], table[f"{signal.column}_b"]
            direction = float(signal.direction)
        said = direction * (part["value_a"].to_numpy(float) - part["value_b"].to_numpy(float))
        part["predicted"] = np.where(~np.isfinite(said), "none", np.where(np.abs(said) <= TIE_TOLERANCE, "tie",
                                                                            np.where(said > 0, "a", "b")))
        truth = np.sign(part["test_accuracy_a"].to_numpy(float) - part["test_accuracy_b"].to_numpy(float))
        verdict = np.where(part["predicted"] == "tie", "tie", np.where(np.sign(said) == truth, "correct", "wrong"))
        status = part["status"].to_numpy()
        verdict = np.where(status == "close", np.char.add("close-", verdict.astype(str)), verdict)
        verdict = np.where(truth == 0, "equal", verdict)
        verdict = np.where((status == "excluded") | ~np.isfinite(said), "excluded", verdict)
        part["outcome"] = verdict
        out.append(part)
    return pd.concat(out, ignore_index=True), rules


def _clopper_pearson(successes: float, n: float, confidence: float) -> tuple[float, float]:
    """Clopper & Pearson (1934)'s exact interval of a binomial proportion (``successes`` may be
    fractional: ties counted half), treating the pairs as independent; (NaN, NaN) when n = 0."""
    from scipy.stats import beta

    if n <= 0:
        return np.nan, np.nan
    alpha = 1 - confidence
    low = 0.0 if successes <= 0 else float(beta.ppf(alpha / 2, successes, n - successes + 1))
    high = 1.0 if successes >= n else float(beta.ppf(1 - alpha / 2, successes + 1, n - successes))
    return low, high


def _hull(*intervals: tuple[float, float]) -> tuple[float, float]:
    """The smallest interval containing every finite one: the seed bootstrap cannot move a
    proportion that every resample shares (all pairs right: [1, 1]), the exact binomial
    interval ignores that pairs of one seed are not independent; each side takes the wider."""
    lows = [low for low, _ in intervals if np.isfinite(low)]
    highs = [high for _, high in intervals if np.isfinite(high)]
    return (min(lows) if lows else np.nan), (max(highs) if highs else np.nan)


def _mask(table: pd.DataFrame, network: str, factor: str) -> np.ndarray:
    """Rows of ``network`` (every type: ``all``) whose pair differs in ``factor`` (any: ``all``)."""
    mask = np.ones(len(table), dtype=bool)
    if network != ALL:
        mask &= (table["network"] == network).to_numpy()
    if factor != ALL:
        mask &= (table["factor"] == factor).to_numpy()
    return mask


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """(low, high): the percentile interval of the bootstrap replicates ``values[1:]``
    (:func:`infoplane.claims.bootstrap.interval`; ``values[0]`` is the sample's own)."""
    found = bootstrap_interval(values, confidence)
    return found.low, found.high


def summary(table: pd.DataFrame, predicted: pd.DataFrame, section: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study's table in seed 002's shape, and the verdicts, from the pair table and
    :func:`predictions` (whose outcomes on the close pairs give ``fraction_close``).

    Returns
    -------
    (table, verdicts): ``table`` one row per network type (and ``all``), per factor over every
    type (``network`` ``all``, ``factor`` the factor that differs), and signal:
    ``fraction`` correct over the clear decided pairs with ``ci_low``/``ci_high``, ``n_clear``,
    ``n_correct``, ``n_wrong``, ``n_ties``, ``n_close`` and ``fraction_close`` (close pairs,
    ties left out), ``fraction_all`` with ``ci_low_all``/``ci_high_all`` and ``n_all`` (every
    decided pair, clear and close), ``n_excluded``, seed 002's percentage (``seed002_percent``, its row from
    the network's ``reference``) and ``chance`` (0.5). ``verdicts`` one row per network type
    (and ``all``) and comparison: ``estimate`` and interval of the score difference, verdict.
    """
    networks, factors = list(section["networks"]), list(section["factors"])
    seeds = sorted(table["seed"].unique().tolist())
    confidence = float(section["confidence"])
    weights = _bootstrap_weights(len(seeds), int(section["resamples"]), int(section["bootstrap_seed"]))
    fixed_signals = [s for s in SIGNALS if s.name != MI_SIGNAL]
    fixed_columns = [(s.column, s.direction) for s in fixed_signals]
    rule_columns = [(f.column, d) for f, d in RULES]
    both = ("clear", "close")
    fixed, fixed_all = (_Counts(table, networks, factors, seeds, fixed_columns, statuses=x) for x in (("clear",), both))
    per_signal = {signal.name: fixed.resampled(weights, j) for j, signal in enumerate(fixed_signals)}  # [R, K, F] each
    per_signal_all = {signal.name: fixed_all.resampled(weights, j) for j, signal in enumerate(fixed_signals)}
    rules_clear = _Counts(table, networks, factors, seeds, rule_columns)
    per_signal[MI_SIGNAL] = _crossfit(rules_clear, weights)[:3]
    # every decided pair, close ones included, with the rule chosen on the clear pairs
    per_signal_all[MI_SIGNAL] = _crossfit(rules_clear, weights, _Counts(table, networks, factors, seeds, rule_columns, both))[:3]

    def fraction(c, w):
        with np.errstate(invalid="ignore", divide="ignore"):
            return c / (c + w)

    def score(c, w, t):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (c + 0.5 * t) / (c + w + t)

    rows, verdict_rows = [], []
    every_k, every_f = list(range(len(networks))), list(range(len(factors)))
    # (network, factor, network indices, factor indices): each type; all types; each factor over all types
    groups = [(n, ALL, [k], every_f) for k, n in enumerate(networks)]
    if len(networks) > 1:
        groups.append((ALL, ALL, every_k, every_f))
    if len(factors) > 1:
        groups += [(ALL, f, every_k, [i]) for i, f in enumerate(factors)]
    for name, factor, ks, fs in groups:
        part = table[_mask(table, name, factor)]
        reference = None if name == ALL else (section["networks"][name] or {}).get("reference")
        scores, score_ci = {}, {}
        for signal in SIGNALS:
            cc, ww, tt = (x[:, ks][:, :, fs].sum(axis=(1, 2)) for x in per_signal[signal.name])
            ca, wa, _ = (x[:, ks][:, :, fs].sum(axis=(1, 2)) for x in per_signal_all[signal.name])
            f, f_all = fraction(cc, ww), fraction(ca, wa)
            scores[signal.name] = score(cc, ww, tt)
            score_ci[signal.name] = _hull(_interval(scores[signal.name], confidence),
                                          _clopper_pearson(cc[0] + 0.5 * tt[0], cc[0] + ww[0] + tt[0], confidence))
            mine = predicted[(predicted["signal"] == signal.name) & _mask(predicted, name, factor)]
            close = {k: int((mine["outcome"] == f"close-{k}").sum()) for k in ("correct", "wrong", "tie")}
            low, high = _hull(_interval(f, confidence), _clopper_pearson(cc[0], cc[0] + ww[0], confidence))
            low_all, high_all = _hull(_interval(f_all, confidence), _clopper_pearson(ca[0], ca[0] + wa[0], confidence))
            rows.append({
                "network": name, "factor": factor, "signal": signal.name, "label": signal.label, "fraction": float(f[0]),
                "ci_low": low, "ci_high": high, "confidence": confidence, "n_clear": int(cc[0] + ww[0] + tt[0]),
                "n_correct": int(cc[0]), "n_wrong": int(ww[0]), "n_ties": int(tt[0]),
                "n_close": int(sum(close.values())),
                "fraction_close": close["correct"] / (close["correct"] + close["wrong"]) if close["correct"] + close["wrong"] else np.nan,
                "fraction_all": float(f_all[0]), "ci_low_all": low_all, "ci_high_all": high_all, "n_all": int(ca[0] + wa[0]),
                "n_excluded": int((part["status"] == "excluded").sum()),
                "reference": reference or "",
                "seed002_percent": seed002.TABLE[reference][signal.name] if reference else np.nan,
                "chance": 0.5,
            })  # fmt: skip
        mi, mi_low, mi_high = scores[MI_SIGNAL], *score_ci[MI_SIGNAL]
        # (key, statement, estimate, interval): against a constant, the score's interval; between
        # two signals on the same pairs, the bootstrap interval of the paired difference
        comparisons = [
            ("mi_above_chance", "training MI predicts better than chance (score above 0.5)", mi[0] - 0.5,
             (mi_low - 0.5, mi_high - 0.5)),
        ]
        for other, text in (("train_accuracy", "training accuracy"), ("train_loss", "training loss")):
            diff = mi - scores[other]
            comparisons.append((f"mi_above_{other.removeprefix('train_')}", f"training MI predicts better than {text}",
                                diff[0], _interval(diff, confidence)))
        if factor != ALL:  # the breakdown by factor is descriptive: no verdicts
            continue
        if reference:
            level = seed002.TABLE[reference][MI_SIGNAL] / 100
            comparisons.append(("mi_at_seed002_level", f"training MI predicts at least seed 002's {100 * level:.1f}%",
                                mi[0] - level, (mi_low - level, mi_high - level)))
        for key, text, estimate, (low, high) in comparisons:
            verdict = "inconclusive" if not np.isfinite(low) else "confirmed" if low > 0 else "refuted" if high < 0 else "inconclusive"
            verdict_rows.append({"network": name, "comparison": key, "statement": text, "estimate": float(estimate),
                                 "ci_low": low, "ci_high": high, "confidence": confidence, "verdict": verdict})  # fmt: skip
    return pd.DataFrame(rows), pd.DataFrame(verdict_rows)


def feature_fractions(table: pd.DataFrame, section: Mapping) -> pd.DataFrame:
    """In-sample, for reference (not a prediction): per network type (and ``all``) and feature,
    the fraction of clear pairs in which the member with the *higher* feature value had the
    higher test accuracy (ties left out; the lower direction scores 1 minus it)."""
    clear = table[table["status"] == "clear"]
    groups = [(n, clear[clear["network"] == n]) for n in section["networks"]]
    if len(section["networks"]) > 1:
        groups.append((ALL, clear))
    rows = []
    for name, part in groups:
        for feature in FEATURES:
            o = _outcomes(part, feature.column, +1)
            correct, wrong = int((o == 1).sum()), int((o == -1).sum())
            rows.append({"network": name, "feature": feature.name, "label": feature.label, "n_correct": correct,
                         "n_wrong": wrong, "n_ties": int((o == 0).sum()),
                         "fraction_higher": correct / (correct + wrong) if correct + wrong else np.nan})  # fmt: skip
    return pd.DataFrame(rows)
