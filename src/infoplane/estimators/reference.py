"""Slow, literal implementations of the estimators, for validation and benchmarks.

They follow the published definitions line by line, one layer at a time, with no batching:
the binning estimators loop over the N inputs as [ST17]'s public code does, the KDE bound
evaluates [KT17]'s formula directly in float64 NumPy/SciPy from pairwise differences, the
k-NN estimators use full distance matrices, and the noisy-layer Monte Carlo evaluates every
log-density with ``logsumexp``. Do not use them in the workflow.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

__all__ = [
    "binning_loop", "kde_float64", "adaptive_binning_loop", "pooled_binning_loop", "ksg_brute", "ross_brute", "noisy_direct",
    "knn_plain",
]  # fmt: skip


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
    keys = []
    for row in a:
        if bin_size is None:
            binned = edges[np.digitize(row, edges) - 1]
        else:
            binned = np.floor(row / bin_size)  # in the row's own precision, as [SB18]; exact for any size
        keys.append(binned.tobytes())
    return _count_rows(keys, labels)


def _count_rows(keys, labels) -> tuple[float, float]:
    """H(T) and H(T) - H(T|Y) in bits of one key per input, counted in dicts, overall and per label."""
    counts: dict[bytes, int] = {}
    per_label: dict[int, dict[bytes, int]] = {}
    for key, label in zip(keys, labels):
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


def adaptive_binning_loop(activations: np.ndarray, labels: np.ndarray, *, n_bins: int = 30, scheme: str = "equal_mass"):
    """I(X;T), I(T;Y) in bits of one layer [N, d] with [CHO19]'s bins, input by input.

    Edges as their ``set_up_bins`` (``per_layer_bins``): ``low`` = 0 for non-negative layers,
    else -1 (or the minimum below it); equal mass: ``[low] + [u[int(k U / n)] for k < n] +
    [u[-1]]`` over the U sorted distinct values other than ``low``; equal width:
    ``linspace(low, max, n)``. Then ``edges[digitize(a, edges) - 1]`` and dict counting.
    """
    a = np.asarray(activations, dtype=np.float64)
    low = 0.0 if a.min() >= 0 else min(-1.0, float(a.min()))
    if scheme == "equal_width":
        edges = np.linspace(low, a.max(), n_bins)
    else:
        unique = np.sort(np.setdiff1d(np.unique(a), [low]))
        edges = [low] + [unique[int(k * (unique.size / n_bins))] for k in range(n_bins)] + [unique[-1]]
        edges = np.asarray(edges)
    return _count_rows([edges[np.digitize(row, edges) - 1].tobytes() for row in a], np.asarray(labels))


def pooled_binning_loop(samples: np.ndarray, labels: np.ndarray, *, n_bins: int = 30):
    """I(X;T), I(T;Y) in bits of S samples per input [S, N, d], [ST17] bins, by dict counting
    over all S·N samples: H(T) over all, H(T|Y=y) over class y, H(T|X=x) over input x."""
    edges = np.linspace(-1, 1, n_bins)
    s = np.asarray(samples)
    n_draws, n, _ = s.shape
    keys = [[edges[np.digitize(s[k, i], edges) - 1].tobytes() for i in range(n)] for k in range(n_draws)]
    labels = np.asarray(labels)
    all_counts: dict = {}
    by_label: dict = {}
    by_input: dict = {}
    for k in range(n_draws):
        for i in range(n):
            key = keys[k][i]
            all_counts[key] = all_counts.get(key, 0) + 1
            by_label.setdefault(int(labels[i]), {}).setdefault(key, 0)
            by_label[int(labels[i])][key] += 1
            by_input.setdefault(i, {}).setdefault(key, 0)
            by_input[i][key] += 1
    h_t = _entropy_bits(all_counts.values())
    h_t_given_y = sum(sum(c.values()) / (n * n_draws) * _entropy_bits(c.values()) for c in by_label.values())
    h_t_given_x = sum(_entropy_bits(c.values()) for c in by_input.values()) / n
    return h_t - h_t_given_x, h_t - h_t_given_y


def ksg_brute(x: np.ndarray, z: np.ndarray, k: int = 3) -> float:
    """[KSG04] algorithm 1 in bits from the full max-norm distance matrices (small N only)."""
    from scipy.special import digamma

    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    z = np.asarray(z, dtype=np.float64).reshape(len(z), -1)
    n = len(x)
    dx = cdist(x, x, "chebyshev")
    dz = cdist(z, z, "chebyshev")
    joint = np.maximum(dx, dz)
    np.fill_diagonal(joint, np.inf)
    eps = np.sort(joint, axis=1)[:, k - 1]
    n_x = (dx < eps[:, None]).sum(1) - 1
    n_z = (dz < eps[:, None]).sum(1) - 1
    return float(digamma(n) + digamma(k) - digamma(n_x + 1).mean() - digamma(n_z + 1).mean()) / math.log(2)


def ross_brute(t: np.ndarray, labels: np.ndarray, k: int = 3) -> float:
    """[Ross14] I(T;Y) in bits for a discrete label from the max-norm distance matrix (small N).
    Points whose label occurs once are left out, of the counts m as of the sums (as scikit-learn's
    ``mutual_info_classif``)."""
    from scipy.special import digamma

    t = np.asarray(t, dtype=np.float64).reshape(len(t), -1)
    labels = np.asarray(labels)
    d = cdist(t, t, "chebyshev")
    n = len(labels)
    kept = np.array([np.count_nonzero(labels == label) > 1 for label in labels], dtype=bool)
    terms = []
    for i in range(n):
        same = np.flatnonzero(labels == labels[i])
        if len(same) < 2:
            continue
        kk = min(k, len(same) - 1)
        others = np.sort(d[i, same[same != i]])
        radius = others[kk - 1]
        m = (d[i, kept] < radius).sum()  # itself included
        terms.append((len(same), kk, m))
    counts, ks, ms = map(np.asarray, zip(*terms))
    return float(digamma(len(terms)) + digamma(ks).mean() - digamma(counts).mean() - digamma(ms).mean()) / math.log(2)


def noisy_direct(activations: np.ndarray, labels: np.ndarray, *, noise_variance: float, noise: np.ndarray):
    """I(X;T+Z), I(T+Z;Y) in bits of one layer [N, d] by the same Monte Carlo as
    :mod:`infoplane.estimators.noisy`, literally: for every input i and each of its noise draws
    ``noise[r, i]`` (standard normal [R, N, d]), log-densities of the mixture and of the class
    mixture by ``scipy.special.logsumexp`` over float64 distances; returns the means."""
    t = np.asarray(activations, dtype=np.float64)
    labels = np.asarray(labels)
    n, d = t.shape
    xt, ty = [], []
    for r in range(noise.shape[0]):
        z = math.sqrt(noise_variance) * noise[r]
        dist = cdist(t + z, t, "sqeuclidean")
        log_k = -(dist - (z * z).sum(1)[:, None]) / (2 * noise_variance)  # K_ii = 1
        log_all = logsumexp(log_k, axis=1)
        for i in range(n):
            same = labels == labels[i]
            xt.append(math.log(n) - log_all[i])
            ty.append(math.log(n) - math.log(same.sum()) + logsumexp(log_k[i, same]) - log_all[i])
    return float(np.mean(xt)) / math.log(2), float(np.mean(ty)) / math.log(2)


def knn_plain(inputs: np.ndarray, activations: np.ndarray, labels: np.ndarray, *, k: int = 3) -> tuple[float, float]:
    """I(X;T) by [KSG04] algorithm 1 and I(T;Y) by [Ross14], in bits, the textbook way: one
    ``scipy.spatial.cKDTree`` k-nearest-neighbour query in the joint space and ball counts in
    the marginals (``query_ball_point``), per-class trees for Ross. Unclipped."""
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    x = np.asarray(inputs, dtype=np.float64)
    t = np.asarray(activations, dtype=np.float64)
    labels = np.asarray(labels)
    n = len(t)
    joint = np.hstack([x, t])
    eps = np.nextafter(cKDTree(joint).query(joint, k=k + 1, p=np.inf)[0][:, -1], 0)
    n_x = cKDTree(x).query_ball_point(x, eps, p=np.inf, return_length=True) - 1
    n_t = cKDTree(t).query_ball_point(t, eps, p=np.inf, return_length=True) - 1
    ksg = (digamma(n) + digamma(k) - digamma(n_x + 1).mean() - digamma(n_t + 1).mean()) / math.log(2)
    radius = np.zeros(n)
    counts = np.zeros(n)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        radius[members] = np.nextafter(cKDTree(t[members]).query(t[members], k=k + 1, p=np.inf)[0][:, -1], 0)
        counts[members] = len(members)
    m = cKDTree(t).query_ball_point(t, radius, p=np.inf, return_length=True)
    ross = (digamma(n) + digamma(k) - digamma(counts).mean() - digamma(m).mean()) / math.log(2)
    return float(ksg), float(ross)
