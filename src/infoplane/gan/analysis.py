"""The GAN study's tables: does the discriminator compress, its mean planes with intervals, and
how the discriminator and generator fared over training.

Inputs are the workflow's tables and chunk files: each experiment's information tables
(:mod:`infoplane.estimation`) and per-seed status table (:mod:`infoplane.tables`), and the
chunks' series (:mod:`infoplane.gan.training`). A seed enters if it never diverged and has a
finite estimate at every epoch and layer; unlike the classifier studies, a discriminator near
chance accuracy is kept: that is where a GAN is meant to end.

Intervals are percentile bootstraps over seeds (:class:`~infoplane.claims.bootstrap.SeedBootstrap`,
seeded by the claims' ``seed`` and the experiment's name), as for every claim of the project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..claims import COLUMNS
from ..summary import CEILING_TOLERANCE_BITS
from ..claims.bootstrap import MIN_SEEDS, Interval, interval
from ..claims.experiment import (_aggregate, _hull, _row, bootstrap_for, fall_statistics, hidden_layers, mean_curves,
                                 seed_curves, verdict_row)  # fmt: skip

__all__ = ["CLAIM", "STATISTICS", "SERIES", "kept_seeds", "discriminator_claims", "training_curves"]

#: The claim this study tests (declared in :data:`infoplane.claims.CLAIMS`).
CLAIM = "gan_discriminator_compression"
#: Its statistics per hidden layer, the first the one the report shows.
STATISTICS = ["I_XT_fall_bits", "I_XT_rise_bits", "I_TY_rise_bits", "I_TY_fall_bits", "I_XT_peak_epoch"]
#: The per-epoch quantities of :func:`training_curves`: chunk series or metric, and unit.
SERIES = {
    "real_train_accuracy": "fraction", "real_test_accuracy": "fraction", "generated_accuracy": "fraction",
    "generator_loss": "nats", "train_accuracy": "fraction",
}  # fmt: skip


def kept_seeds(seeds: pd.DataFrame) -> tuple[list[int], pd.DataFrame]:
    """The seeds that never diverged, and a table ``seed, kept, reason`` of every seed."""
    rows = []
    for row in seeds.itertuples(index=False):
        reason = "" if pd.isna(row.diverged_epoch) else f"diverged at epoch {int(row.diverged_epoch)} ({row.divergence_cause})"
        rows.append({"seed": int(row.seed), "kept": not reason, "reason": reason})
    table = pd.DataFrame(rows, columns=["seed", "kept", "reason"])
    return table.loc[table["kept"], "seed"].tolist(), table


def discriminator_claims(
    information: Mapping[str, pd.DataFrame], seeds: pd.DataFrame, settings: Mapping, experiment: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claim that the discriminator compresses, per estimator and hidden layer, and the
    mean information curves with intervals.

    Parameters
    ----------
    information : estimator instance -> its information table (one experiment).
    seeds : the experiment's per-seed status table; settings : the checked ``claims`` section.
    experiment : the experiment's name.

    Returns
    -------
    claims : rows of :data:`infoplane.claims.COLUMNS`: per hidden layer every statistic of
        :data:`STATISTICS` at the claims' confidence, and a ``hidden`` row over all hidden layers
        at the Bonferroni level (confirmed if some layer confirms, refuted if every layer refutes).
        A layer whose I(X;T) is at its ceiling log2 P (P: the recorded probe rows, real and generated; within
        :data:`~infoplane.summary.CEILING_TOLERANCE_BITS`) in every seed at every epoch is
        inconclusive, not refuted: the estimator cannot see a fall there;
    curves : :func:`infoplane.claims.experiment.mean_curves` of every estimator.
    """
    confidence = float(settings["confidence"])
    good, _ = kept_seeds(seeds)
    rows, curves = [], []
    for estimator, table in information.items():
        epochs, kept, xt, ty = seed_curves(table, estimator, good)
        curves.append(mean_curves(table, estimator, kept, settings, experiment))
        if len(kept) < MIN_SEEDS or len(epochs) < 2:
            why = (f"{len(kept)} kept seeds with complete curves (at least {MIN_SEEDS} needed for an interval)"
                   if len(epochs) >= 2 or not kept else "fewer than two recorded epochs")  # fmt: skip
            rows.append(_row(CLAIM, experiment, estimator, "hidden", STATISTICS[0],
                             Interval(np.nan, np.nan, np.nan, confidence), len(kept), "inconclusive", why))  # fmt: skip
            continue
        hidden = hidden_layers(table)
        boot = bootstrap_for(kept, settings, experiment)
        bonferroni = 1.0 - (1.0 - confidence) / len(hidden)
        decided = {}
        rows_recorded = int(table["probe_size"].iloc[0])  # the real and the generated probe images
        ceiling = float(np.log2(rows_recorded))
        for layer in hidden:
            raw = fall_statistics(boot, xt[:, :, layer - 1], ty[:, :, layer - 1], epochs, confidence)
            stats = {name: _hull(raw[name], confidence) for name in STATISTICS}
            wide = {name: _hull(raw[name], bonferroni) for name in STATISTICS}
            verdict, rule = verdict_row(CLAIM, stats, settings)
            decided[layer] = (*verdict_row(CLAIM, wide, settings), wide[STATISTICS[0]])
            if (np.abs(xt[:, :, layer - 1] - ceiling) <= CEILING_TOLERANCE_BITS).all():
                verdict = "inconclusive"
                rule = (f"I(X;T) lies within {CEILING_TOLERANCE_BITS:g} bits of its ceiling log2 {rows_recorded} = "
                        f"{ceiling:.3f} bits (every one of the {rows_recorded} probe images its own value) in every seed "
                        "at every epoch: this estimator cannot see a fall here")  # fmt: skip
                decided[layer] = (verdict, rule, wide[STATISTICS[0]])
            rows += [_row(CLAIM, experiment, estimator, layer, name, stats[name], len(kept), verdict, rule) for name in STATISTICS]
        rows.append(_aggregate(CLAIM, experiment, estimator, STATISTICS[0], decided, len(kept)))
    claims = pd.DataFrame(rows, columns=COLUMNS)
    frames = [c for c in curves if len(c)]
    return claims, (pd.concat(frames, ignore_index=True) if frames else curves[0] if curves else pd.DataFrame())


def training_curves(series: Mapping[str, np.ndarray], epochs: Sequence[int], seeds: Sequence[int], kept: Sequence[int],
                    settings: Mapping, experiment: str) -> pd.DataFrame:  # fmt: skip
    """Mean over the kept seeds of each per-epoch quantity of :data:`SERIES` with its
    bootstrap interval.

    Parameters
    ----------
    series : name -> float [E, S] (the chunks' series and ``train_accuracy``, seeds in the order
        of ``seeds``); epochs : the recorded epochs [E]; kept : the seeds to use.

    Returns
    -------
    DataFrame ``experiment, quantity, unit, epoch, mean, ci_low, ci_high, confidence, n_seeds``
    (the interval NaN with fewer than :data:`~infoplane.claims.bootstrap.MIN_SEEDS` seeds).
    """
    confidence = float(settings["confidence"])
    columns = list(seeds)
    index = [columns.index(int(s)) for s in kept]
    boot = bootstrap_for(list(kept), settings, experiment) if len(kept) >= MIN_SEEDS else None
    frames = []
    for name, unit in SERIES.items():
        values = np.asarray(series[name], dtype=np.float64)[:, index].T  # [n, E]
        if not values.size:
            continue
        rows = []
        for e, epoch in enumerate(epochs):
            column = values[:, e]
            if not np.isfinite(column).all():
                continue
            if boot is None:
                value = Interval(float(column.mean()), np.nan, np.nan, confidence)
            else:
                value = interval(boot.full @ column, confidence)
            rows.append({"experiment": experiment, "quantity": name, "unit": unit, "epoch": int(epoch),
                         "mean": value.estimate, "ci_low": value.low, "ci_high": value.high,
                         "confidence": confidence, "n_seeds": len(kept)})  # fmt: skip
        frames.append(pd.DataFrame(rows))
    columns = ["experiment", "quantity", "unit", "epoch", "mean", "ci_low", "ci_high", "confidence", "n_seeds"]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
