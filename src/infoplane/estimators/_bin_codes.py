"""Bin codes in one compiled pass each (numba), where NumPy makes several passes over the layer.

[ST17]'s bin index (:func:`st17_index`): the float64 arithmetic of
:func:`.binning._st17_bin_index` for float32 activations, value by value, with the same
exceptions and wrap-round.

[SB18]'s codes (:func:`sb18_codes`): ``floor(a / b)`` minus its minimum over the
inputs, where the NumPy expression (:func:`.binning.bin_codes`) makes about six passes over the
layer (divide, floor, two finiteness checks, minimum, subtraction, cast) and took 60% of a
binning job's time on the paper-scale recordings.

The floors are computed exactly as NumPy computes them: in the activations' own precision,
``a / b`` with ``b`` rounded to that precision first (NumPy's rule for a Python float against a
float32 array), one correctly rounded division and a floor; the codes are those floors minus
each column's minimum over the N inputs, taken in float64 (exact: both are integers and the
difference is below 2^53). Where that does not hold (a floor that is not finite, a span of
2^53 or more) the pass says so and the caller takes the NumPy path.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["adaptive_edges", "as_float", "edge_codes", "sb18_codes", "st17_index"]

_SPAN = 2.0**53  # codes at or beyond this are not exact in float64: NumPy ranks them instead


@njit(nogil=True, cache=True)
def _codes(a, bin_size, codes, top):
    """codes[b, i, c] = floor(a[b, i, c] / bin_size) - min_i floor(a[b, i, c] / bin_size) (float64),
    top[c] = the largest code of column c over the batch; False (codes unfinished) when a floor
    is not finite or a column's floors span 2^53 or more."""
    n_batch, n, d = a.shape
    low = np.empty(d)
    high = np.empty(d)
    top[:] = 0
    for b in range(n_batch):
        low[:] = np.inf
        high[:] = -np.inf
        finite = True
        for i in range(n):
            for c in range(d):
                f = np.float64(np.floor(a[b, i, c] / bin_size))
                finite &= np.isfinite(f)
                low[c] = min(low[c], f)
                high[c] = max(high[c], f)
        if not finite:
            return False
        for c in range(d):
            if not high[c] - low[c] < _SPAN:
                return False
            top[c] = max(top[c], np.int64(high[c] - low[c]))
        for i in range(n):
            for c in range(d):
                codes[b, i, c] = np.float64(np.floor(a[b, i, c] / bin_size)) - low[c]
    return True


def sb18_codes(activations: np.ndarray, bin_size: float):
    """``(codes, radix)`` of [SB18]'s bins for float32 or float64 activations [B, N, d]: codes
    [B, N, d], integer-valued float64 (as :func:`._discrete.row_keys` takes them), ``floor(a / bin_size)`` minus its minimum over the N inputs of each batch element
    and column; radix, d ints (the largest code of each column over the batch, plus 1). None
    when a floor is not finite (an overflow or a non-finite activation) or a column spans 2^53
    bins or more, when the bin size is not a positive finite number in the division's precision
    (NumPy's: the activations' for a Python float, float64 for a NumPy float64), or when the
    activations are not [B, N, d]: the caller's NumPy path handles those."""
    activations = np.asarray(activations)
    dtype = np.result_type(activations.dtype, bin_size)  # NumPy's: a Python float takes the array's precision
    if activations.ndim != 3 or dtype not in (np.float32, np.float64):
        return None
    size = dtype.type(bin_size)
    if not (np.isfinite(size) and size > 0):  # e.g. 1e-46 rounds to 0 in float32: NumPy's path says what follows
        return None
    a = np.ascontiguousarray(activations, dtype=dtype)
    codes = np.empty(a.shape)
    top = np.empty(a.shape[-1], dtype=np.int64)
    if not _codes(a, size, codes, top):
        return None
    return codes, (top + 1).tolist()


@njit(nogil=True, cache=True)
def _st17(a, c, half, whole, top, values, exact, out):
    """out = clip(floor(a c + half) + whole, -1, top), then ``exact[k]`` where a == values[k],
    then ``top`` where negative (flat arrays; a float32, the arithmetic in float64)."""
    for i in range(a.shape[0]):
        v = a[i]
        x = np.floor(np.float64(v) * c + half) + whole
        if x < -1.0:
            x = -1.0
        elif x > top:
            x = top
        for k in range(values.shape[0]):
            if v == values[k]:
                x = exact[k]
        if x < 0.0:
            x = top
        out[i] = x


def st17_index(activations: np.ndarray, n_bins: int, exceptions) -> np.ndarray:
    """[ST17]'s bin index (float64 integers, wrap-round included) of float32 activations of any
    shape, as :func:`.binning._st17_bin_index` computes it in NumPy: ``floor(a c) + c`` for an
    integer ``c = (n_bins - 1) / 2`` and ``floor(a c + 1/2) + c - 1/2`` otherwise, in float64
    (exact), clipped to [-1, n_bins - 1]; ``exceptions``: (value, index) pairs set to NumPy's
    bin; then n_bins - 1 for values below -1."""
    a = np.ascontiguousarray(activations, dtype=np.float32)
    c = (n_bins - 1) / 2.0
    values = np.array([v for v, _ in exceptions], dtype=np.float32)
    exact = np.array([e for _, e in exceptions], dtype=np.float64)
    out = np.empty(a.shape)
    _st17(a.reshape(-1), c, 0.5 if c != int(c) else 0.0, float(int(c)), n_bins - 1.0, values, exact, out.reshape(-1))
    return out


@njit(nogil=True, cache=True)
def _equal_mass_edges(ordered, n_bins, edges, counts):
    """[CHO19]'s equal-mass edges of each row of ``ordered`` [B, M] (a layer-epoch's values,
    sorted ascending): ``low`` (0 for a row without negatives, else min(-1, its minimum)), then
    ``u[int(k * (U / n_bins))]`` for k < n_bins and ``u[U - 1]`` over the U distinct values
    other than ``low``; only ``[low]`` when U = 0. Written into ``edges`` [B, n_bins + 2]
    (float64), their number into ``counts`` [B]."""
    n_batch, m = ordered.shape
    distinct = np.empty(m)
    for b in range(n_batch):
        first = np.float64(ordered[b, 0])
        low = 0.0 if first >= 0.0 else min(-1.0, first)
        u = 0
        previous = np.nan
        for i in range(m):  # without a branch: the repeats come at random
            v = np.float64(ordered[b, i])
            distinct[u] = v
            u += (v != low) & (v != previous)  # sorted: a repeat follows its first occurrence
            previous = v
        edges[b, 0] = low
        if u == 0:
            counts[b] = 1
            continue
        step = u / n_bins
        for k in range(n_bins):
            edges[b, k + 1] = distinct[np.int64(k * step)]
        edges[b, n_bins + 1] = distinct[u - 1]
        counts[b] = n_bins + 2


@njit(nogil=True, cache=True)
def _edge_codes(a, edges, counts, codes):
    """codes[b, i] = (number of edges[b, :counts[b]] at or below a[b, i]) - 1, or counts[b] - 1
    where that number is 0 ([ST17]'s ``digitize`` index and its wrap-round); ``a`` [B, L] float32
    or float64, compared exactly (in the values' precision where the edge is a number of it,
    else in float64), ``codes`` [B, L] float64. Up to 64 edges a count of
    one comparison per edge and value (vectorised), beyond it a binary search per value."""
    n_batch, length = a.shape
    above = np.empty(length, dtype=np.int32)
    for b in range(n_batch):
        n_edges = counts[b]
        row = a[b]
        if n_edges <= 64:
            above[:] = 0
            for e in range(n_edges):
                edge = edges[b, e]
                same = row.dtype.type(edge)  # the edge in the values' precision: exact for the equal-mass edges
                if np.float64(same) == edge:
                    for i in range(length):
                        above[i] += row[i] >= same
                else:
                    for i in range(length):
                        above[i] += np.float64(row[i]) >= edge
        else:
            cut = edges[b, :n_edges]
            for i in range(length):
                above[i] = np.searchsorted(cut, np.float64(row[i]), side="right")
        for i in range(length):
            k = above[i]
            codes[b, i] = k - 1 if k > 0 else n_edges - 1


def as_float(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 or float64 (float32's values are exact in float64; other dtypes
    become float64), the precisions the compiled passes take."""
    return values if values.dtype in (np.float32, np.float64) else values.astype(np.float64)


def adaptive_edges(ordered: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """``(edges [B, n_bins + 2] float64, counts [B] int64)``: [CHO19]'s equal-mass edges of each
    row of ``ordered`` [B, M] (float32 or float64 values sorted ascending), the first counts[b]
    of row b valid (:func:`_equal_mass_edges`).

    Raises
    ------
    ValueError
        For ``n_bins`` < 1 or rows without values (M = 0).
    """
    ordered = np.ascontiguousarray(ordered)
    if n_bins < 1 or ordered.ndim != 2 or ordered.shape[1] == 0:
        raise ValueError(f"equal-mass edges need n_bins >= 1 and [B, M] values with M >= 1, got n_bins = {n_bins} "
                         f"and values of shape {ordered.shape}")
    edges = np.empty((ordered.shape[0], n_bins + 2))
    counts = np.empty(ordered.shape[0], dtype=np.int64)
    _equal_mass_edges(ordered, n_bins, edges, counts)
    return edges, counts


def edge_codes(activations: np.ndarray, edges: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Bin codes (integer-valued float64, the shape of ``activations`` [B, ...], float32 or
    float64) against batch element b's first counts[b] of ``edges`` [B, E] (sorted ascending,
    repeats allowed): ``np.searchsorted(edges, a, side="right") - 1``, with -1 wrapped round to
    counts[b] - 1 as [ST17]'s ``edges[digitize(a, edges) - 1]`` and [CHO19]'s bins (other dtypes
    are compared as float64). Edges and values in activation units; the codes are indices. Raises
    nothing of its own (the caller checks that each counts[b] is between 1 and E)."""
    a = np.ascontiguousarray(as_float(np.asarray(activations)))
    flat = a.reshape(a.shape[0], math.prod(a.shape[1:]))
    codes = np.empty(flat.shape)
    _edge_codes(flat, np.ascontiguousarray(edges, dtype=np.float64), np.ascontiguousarray(counts, dtype=np.int64), codes)
    return codes.reshape(a.shape)
