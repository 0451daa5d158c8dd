"""Kernel sums of queries against centres in one compiled pass per pair of tiles (numba): the
Monte Carlo of the noisy layer ([GBG19], :mod:`.noisy`), where the tensor pass of
:mod:`._kernels` makes about ten memory passes over each block. For query i with offset o_i
(log2 units) and centre j of group g_j:

    S[i, g] = sum_{j : g_j = g} 2^(o_i - scale |q_i - t_j|^2)          (terms below 2^clip left out)

Each term is computed from a float64 squared distance and a float64 exponent x = scale D - o_i
(the dominant terms have D near |z|^2, so x is several units, where float32 distances, as in the
KDE pass of :mod:`._fused`, would cost about 1e-6 relative): 2^-x = 2^-m 2^f with m = round(x) and
the exact fraction f in float32 (Taylor series to degree 7), relative error < 1e-7; each row's
sum is float64. The centres are cut into tiles of 64 along their leading principal axis within
each group (:func:`._fused.leading_axis`), the queries into tiles along the same axis; a pair of
tiles is visited unless their projections are so far apart that every term is below 2^clip
(scale gap^2 > o_max - clip, o_max the largest offset in the query tile; a projection only
shortens distances, so the test is exact). A kept term has x in [-o_i, -clip], so 2^-m must
span 2^-40 … 2^o_i in float32 (exponents up to 127): the pass takes offsets up to
:data:`MAX_OFFSET`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._numba import EXACT_FLAGS as _EXACT_FLAGS, FLAGS as _FLAGS, TAYLOR_EXP2 as _C, int32_as_float32 as _int32_as_float32
from ._fused import _LOG2E, TILE, _tile, leading_axis, summed_over_parts

__all__ = ["MAX_OFFSET", "query_kernel_sums"]

#: Largest query offset o_i (log2 units) the pass takes: a term is at most 2^o_i, which float32's
#: exponent (up to 127) must hold, with room to spare.
MAX_OFFSET = 80.0
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7 = _C


@njit(nogil=True, cache=True)
def _cross_pairs(q_lo, q_hi, q_reach, c_lo, c_hi):
    """Pairs (query tile a, centre tile b) [P, 2] whose projections come within a's squared reach
    (a pair is left out only when the test says so: an overflowed projection keeps it)."""
    pairs = np.empty((q_lo.shape[0] * c_lo.shape[0], 2), dtype=np.int64)
    n_pairs = 0
    for a in range(q_lo.shape[0]):
        for b in range(c_lo.shape[0]):
            below = c_lo[b] - q_hi[a]
            above = q_lo[a] - c_hi[b]
            if (below > 0.0 and below * below > q_reach[a]) or (above > 0.0 and above * above > q_reach[a]):
                continue
            pairs[n_pairs, 0] = a
            pairs[n_pairs, 1] = b
            n_pairs += 1
    return pairs[:n_pairs]


@njit(fastmath=_EXACT_FLAGS, nogil=True, cache=True, inline="always")
def _exp2_negative(x):
    """2^-x in float32 for a float64 x in [-126, 126]: m = round(x) and f = m - x in float64
    (exact), 2^f by its Taylor series to degree 7 (truncation < 6e-9), 2^-m from the exponent
    bits. Relative error < 1e-7 whatever the size of x."""
    m = np.int32(np.floor(x + 0.5))
    f = np.float32(m - x)
    p = _C0 + f * (_C1 + f * (_C2 + f * (_C3 + f * (_C4 + f * (_C5 + f * (_C6 + f * _C7))))))
    return p * _int32_as_float32((np.int32(127) - m) << np.int32(23))


@njit(fastmath=_FLAGS, nogil=True, cache=True)
def _query_pass(queries, q_lens, offsets, centres_t, c_lens, c_groups, pair_a, pair_b, scale, limit, out):
    """Add the terms 2^(o_i - scale D_ij) >= 2^-limit of the tile pairs (pair_a[p], pair_b[p]) to
    out [G, A, T] (float64).

    queries [A, T, d] and centres_t [K, d, T]: the tiles (float64 queries); q_lens, c_lens: valid
    points per tile; offsets [A, T]: o_i (log2 units, float64)."""
    t = queries.shape[1]
    d = queries.shape[2]
    dist = np.empty(t)
    for p in range(pair_a.shape[0]):
        a = pair_a[p]
        b = pair_b[p]
        lb = c_lens[b]
        g = c_groups[b]
        for ii in range(q_lens[a]):
            dist[:] = 0.0
            for k in range(d):
                x = queries[a, ii, k]
                for jj in range(t):
                    diff = x - centres_t[b, k, jj]
                    dist[jj] += diff * diff
            o = offsets[a, ii]
            near = 0
            for jj in range(t):
                near += dist[jj] * scale - o <= limit
            if near == 0:  # every term of the row is below the clip
                continue
            total = 0.0
            for jj in range(t):  # branch-free, so that it vectorises
                x = dist[jj] * scale - o
                kern = _exp2_negative(min(x, limit))
                total += kern if x <= limit and jj < lb else 0.0
            out[g, a, ii] += total


def query_kernel_sums(centres: np.ndarray, groups: np.ndarray, n_groups: int, width: float, queries: np.ndarray,
                      offsets: np.ndarray, clip: float, threads: int = 1) -> np.ndarray:
    """S[i, g] = sum_{j : g_j = g} 2^(o_i - |q_i - t_j|^2 log2(e) / (2 w)), terms below 2^clip
    left out (see the module docstring): the Gaussian mixture's kernel sums of [GBG19]'s sample
    propagation, with o_i = |z_i|^2 log2(e) / (2 w) (:mod:`.noisy`).

    Parameters
    ----------
    centres : float32 or float64 [N, d]; groups : int [N] in 0 … n_groups-1; width : w > 0.
    queries : float [M, d]; offsets : float [M], o_i in log2 units, in [0, :data:`MAX_OFFSET`].
    clip : log2 of the smallest term kept, in [-40, 0].
    threads : the tile pairs are split into this many parts, summed side by side (one part when
        the pass is short).

    Returns
    -------
    float64 [M, n_groups].

    Raises
    ------
    ValueError
        For a group outside 0 … n_groups-1, mismatched shapes, an offset outside [0, MAX_OFFSET]
        (NaN included), or clip outside [-40, 0].
    """
    if centres.dtype != np.float32:
        centres = centres.astype(np.float64)
    queries = np.ascontiguousarray(queries, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    n, d = centres.shape
    m = queries.shape[0]
    if len(groups) != n or (n and (groups.min() < 0 or groups.max() >= n_groups)):
        raise ValueError(f"groups must be {n} values in 0 … {n_groups - 1}")
    if queries.shape[1:] != (d,) or offsets.shape != (m,):
        raise ValueError(f"queries must be [M, {d}] and offsets [M], got {queries.shape} and {offsets.shape}")
    if m and not (offsets.min() >= 0.0 and offsets.max() <= MAX_OFFSET):
        raise ValueError(f"offsets must lie in [0, {MAX_OFFSET}] (log2 units), got {offsets.min()} … {offsets.max()}")
    if not -40.0 <= clip <= 0.0:
        raise ValueError(f"clip must be in [-40, 0], got {clip}")
    scale = _LOG2E / (2.0 * float(width))
    mean, axis = leading_axis(centres)
    _, c_lens, c_groups, c_lo, c_hi, _, c_tiles_t, _ = _tile(centres, groups, n_groups, mean, axis, TILE, 0.0)
    q_index, q_lens, _, q_lo, q_hi, q_tiles, _, _ = _tile(queries, np.zeros(m, dtype=np.int64), 1, mean, axis, TILE, 0.0)
    q_off = np.where(q_index >= 0, offsets[np.maximum(q_index, 0)], -np.inf)
    pairs = _cross_pairs(q_lo, q_hi, (q_off.max(1) - clip) / scale, c_lo, c_hi)
    q_offsets = np.where(q_index >= 0, q_off, 0.0)

    def run(part):
        out = np.zeros((n_groups,) + q_index.shape)
        _query_pass(q_tiles, q_lens, q_offsets, c_tiles_t, c_lens, c_groups, np.ascontiguousarray(part[:, 0]),
                    np.ascontiguousarray(part[:, 1]), scale, -clip, out)
        return out

    out = summed_over_parts(run, pairs, threads, len(pairs) * TILE**2 * max(d, 8))
    sums = np.zeros((m, n_groups))
    valid = q_index >= 0
    sums[q_index[valid]] = out[:, valid].T
    return sums
