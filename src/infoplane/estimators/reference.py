"""Slow, literal implementations of the estimators, for validation and benchmarks.

They follow the published definitions line by line, one layer at a time, with no batching:
the binning estimator loops over the N inputs as [ST17]'s public code does, and the KDE bound
evaluates [KT17]'s formula directly in float64 NumPy/SciPy from pairwise differences.
Do not use them in the workflow; use :mod:`infoplane.estimators.binning` and
:mod:`infoplane.estimators.kde`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

__all__ = ["binning_loop", "kde_float64"]


def _entropy_bits(counts) -> float:
    p = np.asarray(list(counts), dtype=np.float64)
    p = p / p.sum()
    return float(-(p * np.log2(p)).sum())


def binning_loop(
    activations: np.ndarray, labels: np.ndarray, *, n_bins: int | None = 30, bin_size: float | None = None
) -> tuple[float, float]:
    """I(X;T), I(T;Y) in bits of one layer [N, d] by binning, input by input ([ST17] §3).

    Bins each row as [ST17] (``edges[digitize(a, edges) - 1]``, ``edges = linspace(-1, 1,
    n_bins)``) or [SB18] (``floor(a / bin_size)``), then counts the binned rows in a dict, one
    input at a time, overall and per label.
    """
    a = np.asarray(activations)
    labels = np.asarray(labels)
    if bin_size is None:
        edges = np.linspace(-1, 1, n_bins)
    counts: dict[bytes, int] = {}
    per_label: dict[int, dict[bytes, int]] = {}
    for row, label in zip(a, labels):
        if bin_size is None:
            binned = edges[np.digitize(row, edges) - 1]
        else:
            binned = np.floor(row / bin_size).astype(np.int64)
        key = binned.tobytes()
        counts[key] = counts.get(key, 0) + 1
        by_label = per_label.setdefault(int(label), {})
        by_label[key] = by_label.get(key, 0) + 1
    n = len(labels)
    h_t = _entropy_bits(counts.values())
    h_t_given_y = sum(sum(c.values()) / n * _entropy_bits(c.values()) for c in per_label.values())
    return h_t, h_t - h_t_given_y


def kde_float64(
    activations: np.ndarray, labels: np.ndarray, *, noise_variance: float = 1e-3, bound: str = "upper"
) -> tuple[float, float]:
    """I(X;T), I(T;Y) in bits of one layer [N, d] by the [KT17] bound, evaluated directly.

    ``D_ij = sum_k (t_ik - t_jk)^2`` from the differences in float64
    (``scipy.spatial.distance.cdist``), then
    ``H_KL = d/2 - mean_i [logsumexp_j(-D_ij / 2 s2) - log N - (d/2) log(2 pi s2)]``,
    ``H_BD = H_KL(4 s2) + (d/2) log(1/4)``, ``H(T|X) = (d/2)(log(2 pi s2) + 1)``.
    """
    t = np.asarray(activations, dtype=np.float64)
    labels = np.asarray(labels)
    n, d = t.shape

    def h_kl(x: np.ndarray, var: float) -> float:
        m = x.shape[0]
        dists = cdist(x, x, "sqeuclidean")
        lprobs = logsumexp(-dists / (2 * var), axis=1) - math.log(m) - (d / 2) * math.log(2 * math.pi * var)
        return d / 2 - float(lprobs.mean())

    def h(x: np.ndarray) -> float:
        if bound == "upper":
            return h_kl(x, noise_variance)
        return h_kl(x, 4 * noise_variance) + (d / 2) * math.log(0.25)

    h_t = h(t)
    h_t_given_x = (d / 2) * (math.log(2 * math.pi * noise_variance) + 1)
    h_t_given_y = sum((labels == c).mean() * h(t[labels == c]) for c in np.unique(labels))
    return (h_t - h_t_given_x) / math.log(2), (h_t - h_t_given_y) / math.log(2)
