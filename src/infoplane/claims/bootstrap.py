"""Bootstrap over seeds: resampled mean curves and the statistics the claims are made of.

Every statistic of a claim is a function of the mean over seeds of per-seed curves (I(X;T),
I(T;Y), the log gradient SNR, accuracies, each a curve over recorded epochs). Its 95% interval
is the percentile bootstrap over seeds [Efron & Tibshirani 1993, ch. 13]: draw the seeds with
replacement, recompute the mean curves and the statistic, take the 2.5% and 97.5% quantiles.

:class:`SeedBootstrap` draws the resamples once per experiment, as weight matrices, so that
every statistic of the experiment (every estimator, layer and quantity) is computed on the same
resampled seeds: the joint bootstrap of, e.g., the epoch of the I(X;T) peak and the change-point
of the gradient SNR.

Selection bias. "The fall of I(X;T) from its peak" picks the peak on the same noisy curve that
it then reads: the maximum of a noisy mean curve is biased upward, and a percentile interval of
the in-sample statistic does not cover the fall of the true mean curve at the nominal rate when
the curve is flat near its peak (the winner's curse). :func:`peak_contrast` therefore computes
two versions on every resample:

* cross-fitted: the seeds are split once into two folds A and B (a seeded permutation); the peak
  epoch picked on fold A's mean curve is read on fold B's, and vice versa, and the two contrasts
  are averaged. Fold B is independent of the choice made on A, so this is unbiased for the true
  mean curve read at a data-chosen epoch, hence never above the true peak's value: biased low,
  conservative for "the fall is at least m". The folds are resampled separately (a stratified
  bootstrap) so that no seed lands in both.
* in-sample: the peak picked and read on the whole sample: biased high, conservative for "the
  fall is at most m".

The reported interval is the hull of the two percentile intervals, so each side is conservative;
the point estimate is the cross-fitted one. ``tests/test_claims.py`` measures the coverage on
synthetic curves with a flat-topped peak, where the in-sample interval alone undercovers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "SeedBootstrap",
    "Interval",
    "interval",
    "peak_contrast",
    "hull_interval",
    "argmax_index",
    "change_point",
    "CHANGE_POINT_MIN_SEGMENT",
    "MIN_CHANGE_POINT_POINTS",
    "MIN_SEEDS",
]

#: Fewest seeds for an interval: two per fold of the cross-fit.
MIN_SEEDS = 4


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap interval at ``confidence``."""

    estimate: float
    low: float
    high: float
    confidence: float

    def above(self, threshold: float) -> bool:
        return bool(self.low > threshold)

    def below(self, threshold: float) -> bool:
        return bool(self.high < threshold)


class SeedBootstrap:
    """Resampling weights over the ``n`` seeds of one experiment.

    Parameters
    ----------
    n_seeds : number of seeds n (at least :data:`MIN_SEEDS`).
    n_resamples : number of bootstrap resamples B.
    seed : seed of ``numpy.random.default_rng`` (the claims' ``seed`` with the experiment's
        index, so experiments are resampled independently and reproducibly).

    Attributes
    ----------
    full : float64 [B + 1, n]: row 0 the plain mean (1/n each), rows 1 … B resampled seed
        counts / n. ``full @ curves`` with curves [n, E] gives mean curves [B + 1, E].
    fold_a, fold_b : float64 [B + 1, n]: the same within each fold (zero outside it).

    Raises
    ------
    ValueError
        If ``n_seeds < MIN_SEEDS`` or ``n_resamples < 1``.
    """

    def __init__(self, n_seeds: int, n_resamples: int, seed: int | tuple | list):
        if n_seeds < MIN_SEEDS:
            raise ValueError(f"a bootstrap over seeds needs at least {MIN_SEEDS} seeds, got {n_seeds}")
        if n_resamples < 1:
            raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
        rng = np.random.default_rng(seed)
        self.n_seeds, self.n_resamples = n_seeds, n_resamples
        self.full = self._weights(np.arange(n_seeds), n_seeds, n_resamples, rng)
        order = rng.permutation(n_seeds)
        self.folds = (np.sort(order[: n_seeds // 2]), np.sort(order[n_seeds // 2 :]))
        self.fold_a = self._weights(self.folds[0], n_seeds, n_resamples, rng)
        self.fold_b = self._weights(self.folds[1], n_seeds, n_resamples, rng)

    @staticmethod
    def _weights(members: np.ndarray, n: int, n_resamples: int, rng) -> np.ndarray:
        weights = np.zeros((n_resamples + 1, n))
        weights[0, members] = 1.0 / len(members)
        draws = rng.integers(0, len(members), size=(n_resamples, len(members)))
        counts = np.zeros((n_resamples, len(members)))
        np.add.at(counts, (np.arange(n_resamples)[:, None], draws), 1.0)
        weights[1:, members] = counts / len(members)
        return weights

    def means(self, curves: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean curves of the whole sample and of each fold, each [B + 1, E] (row 0 unresampled).

        ``curves`` : float [n, E], one curve per seed, finite.
        """
        curves = np.asarray(curves, dtype=np.float64)
        if curves.shape[0] != self.n_seeds:
            raise ValueError(f"curves have {curves.shape[0]} seeds, the bootstrap {self.n_seeds}")
        return self.full @ curves, self.fold_a @ curves, self.fold_b @ curves


def interval(values: np.ndarray, confidence: float, estimate: float | None = None) -> Interval:
    """Percentile interval of bootstrap replicates ``values[1:]``, estimate ``values[0]``.

    Non-finite replicates (a statistic undefined on some resample) are left out; when none is
    finite the interval is NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    point = float(values[0]) if estimate is None else float(estimate)
    replicates = values[1:][np.isfinite(values[1:])]
    if replicates.size == 0:
        return Interval(point, np.nan, np.nan, confidence)
    alpha = 1.0 - confidence
    low, high = np.quantile(replicates, [alpha / 2, 1 - alpha / 2])
    return Interval(point, float(low), float(high), confidence)


def argmax_index(means: np.ndarray) -> np.ndarray:
    """Index of the largest value of each row of ``means`` [R, E] (the first on ties)."""
    return np.argmax(means, axis=1)


def _read(means: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take_along_axis(means, index[:, None], axis=1)[:, 0]


def peak_contrast(
    boot: SeedBootstrap,
    select: np.ndarray,
    value: np.ndarray,
    reference: int,
    confidence: float,
    sign: float = 1.0,
) -> tuple[Interval, np.ndarray, np.ndarray]:
    """``sign * (v(e*) - v(reference))``, where e* is the epoch of the peak of ``select``.

    Parameters
    ----------
    boot : the experiment's resampling weights.
    select : float [n, E], per-seed curves whose mean's maximum picks e* (I(X;T)).
    value : float [n, E], per-seed curves read at e* and at ``reference`` (I(X;T) or I(T;Y)).
    reference : index into the epochs (0: the first recorded epoch, -1: the last).
    sign : +1 for v(e*) - v(ref) (a fall from the peak to the end when reference is -1), -1 for
        v(ref) - v(e*) (a rise from the start to the peak when reference is 0).

    Returns
    -------
    (Interval, crossfit, insample): the interval is the hull of the cross-fitted and in-sample
    percentile intervals with the cross-fitted estimate (module docstring); ``crossfit`` and
    ``insample`` are the replicates, [B + 1] each, row 0 unresampled.
    """
    s_all, s_a, s_b = boot.means(select)
    v_all, v_a, v_b = boot.means(value)
    e_all, e_a, e_b = argmax_index(s_all), argmax_index(s_a), argmax_index(s_b)
    ref = lambda m: m[:, reference]  # noqa: E731
    crossfit = 0.5 * ((_read(v_b, e_a) - ref(v_b)) + (_read(v_a, e_b) - ref(v_a))) * sign
    insample = (_read(v_all, e_all) - ref(v_all)) * sign
    return hull_interval(crossfit, insample, confidence), crossfit, insample


def hull_interval(crossfit: np.ndarray, insample: np.ndarray, confidence: float) -> Interval:
    """The hull of the cross-fitted and in-sample percentile intervals at ``confidence``, with
    the cross-fitted estimate (replicates [B + 1] each, row 0 the estimate; module docstring)."""
    cf, ins = interval(crossfit, confidence), interval(insample, confidence)
    return Interval(cf.estimate, min(cf.low, ins.low), max(cf.high, ins.high), confidence)


#: Points on each side of a change-point (:func:`change_point`), and so the fewest recorded epochs
#: after epoch 0 that the gradient-SNR claim needs (checked with the config at start-up).
CHANGE_POINT_MIN_SEGMENT = 3
MIN_CHANGE_POINT_POINTS = 2 * CHANGE_POINT_MIN_SEGMENT


def change_point(means: np.ndarray, min_segment: int = CHANGE_POINT_MIN_SEGMENT) -> tuple[np.ndarray, np.ndarray]:
    """Two-segment change-point of each row: the least-squares step function.

    For a curve c_1 … c_m, the split k (first point of the second segment) minimises the sum of
    squared deviations from the two segment means, i.e. maximises
    ``S1(k)^2 / k + S2(k)^2 / (m - k)`` with S1, S2 the segment sums; both segments hold at
    least ``min_segment`` points.

    Parameters
    ----------
    means : float [R, m], finite.

    Returns
    -------
    split : int [R], index of the first point after the change.
    drop : float [R], mean of the first segment minus mean of the second (positive: a fall).

    Raises
    ------
    ValueError
        If ``m < 2 * min_segment``.
    """
    means = np.asarray(means, dtype=np.float64)
    m = means.shape[1]
    if m < 2 * min_segment:
        raise ValueError(f"a change-point needs at least {2 * min_segment} points, got {m}")
    centred = means - means.mean(axis=1, keepdims=True)  # the criterion is shift-invariant; centring keeps it exact
    cumulative = np.cumsum(centred, axis=1)
    k = np.arange(min_segment, m - min_segment + 1)
    s1 = cumulative[:, k - 1]
    s2 = cumulative[:, -1:] - s1
    score = s1**2 / k + s2**2 / (m - k)
    split = k[np.argmax(score, axis=1)]
    rows = np.arange(means.shape[0])
    first = cumulative[rows, split - 1] / split
    second = (cumulative[rows, -1] - cumulative[rows, split - 1]) / (m - split)
    return split, first - second
