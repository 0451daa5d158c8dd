"""Plug-in information of discrete (binned) representations, shared by the binning estimators
and the pooled (ensemble, AIR) estimators built on them.

The counting never builds histograms: the value of T on each sample is one integer key, the
keys (combined with the label) are sorted once per batch element, and the plug-in entropies
follow from the run lengths n of equal keys through ``sum_runs n log n``. With M samples,

    H(T)   = log M - (1/M) sum_t n_t log n_t
    H(T|Y) = (1/M) [sum_y M_y log M_y - sum_{t,y} n_ty log n_ty]
    H(T|X) = log S - (1/M) sum_{x,t} n_xt log n_xt        (S samples of T per input x)

which are the plug-in entropies of [ST17] §3 written over counts (natural log, converted to
bits at the end). Miller-Madow's correction (G. A. Miller 1955; L. Paninski, Neural Comput.
15, 2003, eq. 9) adds (m - 1) / (2 M) nats to a plug-in entropy over m occupied bins.

Everything here runs on the CPU: NumPy's int64 sort is about 5x faster than torch's on this
kind of machine (0.04 against 0.21 ms for 4096 keys, one thread), and a binned layer-epoch
costs less than reading it from the HDF5 file. With one sample per input (a network's layer),
the counts come from a compiled hash table instead of the sort (:func:`_hashed_run_sums`, one
pass over the N keys: 0.07 against 0.19 ms per layer-epoch at N = 4096, d = 10); the sums of
n log n are the same up to the order of float64 additions (5.7e-14 of 1e4-sized sums).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

__all__ = ["CORRECTIONS", "dense_ids", "row_keys", "run_statistics", "plugin_information", "binned_information"]

#: Bias corrections of the plug-in entropies.
CORRECTIONS = ("none", "miller_madow")


def dense_ids(keys: np.ndarray) -> np.ndarray:
    """Replace int64 keys [B, L] by ids in 0 … L-1 that are equal exactly where keys are equal
    (ranks of the distinct keys in each row)."""
    order = np.argsort(keys, axis=-1, kind="stable")
    sorted_keys = np.take_along_axis(keys, order, axis=-1)
    new = np.ones(keys.shape, dtype=np.int64)
    new[:, 0] = 0
    new[:, 1:] = sorted_keys[:, 1:] != sorted_keys[:, :-1]
    ids = np.empty_like(new)
    np.put_along_axis(ids, order, np.cumsum(new, axis=-1), axis=-1)
    return ids


def row_keys(codes: np.ndarray, radix) -> tuple[np.ndarray, int]:
    """One int64 key per row of integer codes, equal exactly where the rows are equal.

    Parameters
    ----------
    codes : integer-valued array [B, L, d] (float or int), column c holding 0 … radix[c]-1.
    radix : d ints.

    Returns
    -------
    (keys [B, L] int64, key_range): every key lies in 0 … key_range-1. The columns are packed in
    mixed radix: by one float64 matrix-vector product when the number of possible rows is below
    2^53 (every step exact), otherwise column by column in int64, re-ranking to ids below L
    whenever the key would pass 2^62, so the result is exact for any d.
    """
    radix = [int(r) for r in radix]
    n_batch, length, d = codes.shape
    total = math.prod(radix)
    if total < 2**53:
        powers = np.array([math.prod(radix[c + 1 :]) for c in range(d)], dtype=np.float64)
        return (codes.astype(np.float64, copy=False) @ powers).astype(np.int64), total
    codes = codes.astype(np.int64, copy=False)
    limit = 1 << 62
    key = np.zeros((n_batch, length), dtype=np.int64)
    key_range = 1
    for c in range(d):
        if key_range * radix[c] >= limit:
            key = dense_ids(key)
            key_range = length
        key = key * radix[c] + codes[:, :, c]
        key_range *= radix[c]
    return key, key_range


@functools.lru_cache(maxsize=8)
def _increments(length: int) -> np.ndarray:
    """g[r] = r log r - (r-1) log(r-1), r = 0 … length (g[0] = g[1] = 0): summing g over the
    positions 1 … n of a run gives n log n."""
    r = np.arange(length + 1, dtype=np.float64)
    rlogr = r * np.log(np.maximum(r, 1.0))
    g = np.zeros_like(r)
    g[1:] = np.diff(rlogr)
    return g


def run_statistics(sorted_keys: np.ndarray, group_shift: int | None = None):
    """Sum of n log n over the runs of equal keys in each sorted row, and the number of runs.

    Parameters
    ----------
    sorted_keys : int64 [B, L], each row sorted.
    group_shift : if given, also the same statistics for the coarser keys ``key // group_shift``
        (runs of equal coarse keys are contiguous in a row sorted by the fine key).

    Returns
    -------
    ``(nlogn [B] float64, runs [B] int64)``, or two such pairs (fine, coarse) with ``group_shift``.
    """
    n_batch, length = sorted_keys.shape
    position = np.arange(length)
    g = _increments(length)

    def stats(starts: np.ndarray):
        first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
        return g[position - first + 1].sum(-1), starts.sum(-1)

    starts = np.ones(sorted_keys.shape, dtype=bool)
    np.not_equal(sorted_keys[:, 1:], sorted_keys[:, :-1], out=starts[:, 1:])
    fine = stats(starts)
    if group_shift is None:
        return fine
    coarse = sorted_keys // group_shift
    np.not_equal(coarse[:, 1:], coarse[:, :-1], out=starts[:, 1:])
    return fine, stats(starts)


@njit(nogil=True, cache=True)
def _hashed_run_sums(keys, labels, n_classes):
    """For each row of int64 ``keys`` [B, N] with ``labels`` [N] in 0 … n_classes-1: the sum of
    n log n over the distinct keys (n: how often each occurs), their number, and the same for
    the distinct (key, label) pairs; float64 [B, 4]. Open addressing in a table of at least 2 N
    slots (Fibonacci hashing, linear probing), cleared slot by slot after each row."""
    n_batch, n = keys.shape
    bits = 4
    while (1 << bits) < 2 * n:
        bits += 1
    mask = (1 << bits) - 1
    table = np.empty(mask + 1, dtype=np.int64)
    used = np.zeros(mask + 1, dtype=np.bool_)
    counts = np.zeros(mask + 1, dtype=np.int64)
    counts_y = np.zeros((mask + 1) * n_classes, dtype=np.int64)
    slots = np.empty(n, dtype=np.int64)
    out = np.empty((n_batch, 4))
    for b in range(n_batch):
        m = 0
        for i in range(n):
            key = keys[b, i]
            h = np.int64((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits))
            while used[h] and table[h] != key:
                h = (h + 1) & mask
            if not used[h]:
                used[h] = True
                table[h] = key
                slots[m] = h
                m += 1
            counts[h] += 1
            counts_y[h * n_classes + labels[i]] += 1
        nlogn_t = 0.0
        nlogn_ty = 0.0
        runs_ty = 0
        for q in range(m):
            h = slots[q]
            nlogn_t += counts[h] * math.log(counts[h])
            for y in range(n_classes):
                c = counts_y[h * n_classes + y]
                if c > 0:
                    nlogn_ty += c * math.log(c)
                    runs_ty += 1
                    counts_y[h * n_classes + y] = 0
            counts[h] = 0
            used[h] = False
        out[b, 0] = nlogn_t
        out[b, 1] = m
        out[b, 2] = nlogn_ty
        out[b, 3] = runs_ty
    return out


def plugin_information(
    keys: np.ndarray, key_range: int, labels: np.ndarray, n_classes: int, correction: str = "none"
) -> tuple[np.ndarray, np.ndarray]:
    """Plug-in I(X;T) and I(T;Y) in bits of a discrete T with S samples per input.

    Parameters
    ----------
    keys : int64 [B, S, N], keys in 0 … key_range-1: the value of T for sample s of input x
        (S = 1 for a deterministic network; S seeds or epochs pooled, [ST17]-style counting
        over the S·N samples, for the ensemble and AIR estimators).
    labels : int64 [N], classes 0 … n_classes-1 (each input's label).
    correction : ``"none"`` or ``"miller_madow"``.

    Returns
    -------
    (I_XT, I_TY), float64 [B], in bits, with X uniform over the N inputs:
    I(X;T) = H(T) - H(T|X) and I(T;Y) = H(T) - H(T|Y). Plug-in values are mutual informations
    of the empirical joint distribution and so obey 0 <= I(T;Y) <= I(X;T) <= log2 N and
    I(T;Y) <= H(Y) (up to rounding, which the final clip removes); Miller-Madow-corrected
    values are clipped into the same bounds (the correction passes them only when nearly
    every sample has a bin of its own, where it over-corrects).

    Raises
    ------
    ValueError
        For an unknown ``correction``, or (one sample per input) labels outside 0 … n_classes-1.
    """
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {list(CORRECTIONS)}, got {correction!r}")
    n_batch, n_draws, n = keys.shape
    m = n_draws * n
    if n_draws == 1:  # one sample per input: counted in a hash table, no sort
        if n and (labels.min() < 0 or labels.max() >= n_classes):  # the compiled table trusts them
            raise ValueError(f"labels must lie in 0 … {n_classes - 1}, got {labels.min()} … {labels.max()}")
        sums = _hashed_run_sums(np.ascontiguousarray(keys.reshape(n_batch, n), dtype=np.int64),
                                np.ascontiguousarray(labels, dtype=np.int64), n_classes)
        nlogn_t, runs_t, nlogn_ty, runs_ty = sums.T
    else:
        if key_range * max(n_classes, n) >= 2**62:
            keys = dense_ids(keys.reshape(n_batch, m)).reshape(n_batch, n_draws, n)
            key_range = m
        # (t, y): one sort gives the runs of (t, y) and, coarser, of t.
        combined = (keys * n_classes + labels).reshape(n_batch, m)
        (nlogn_ty, runs_ty), (nlogn_t, runs_t) = run_statistics(np.sort(combined, axis=-1), n_classes)
    m_y = np.bincount(labels, minlength=n_classes).astype(np.float64) * n_draws
    m_y = m_y[m_y > 0]
    h_t = math.log(m) - nlogn_t / m
    h_t_given_y = (float((m_y * np.log(m_y)).sum()) - nlogn_ty) / m
    if n_draws > 1:  # (x, t): the S samples of each input, sorted within the input
        per_input = np.sort(np.swapaxes(keys, 1, 2), axis=-1)  # [B, N, S]
        per_input = per_input + np.arange(n, dtype=np.int64)[:, None] * key_range
        nlogn_xt, runs_xt = run_statistics(per_input.reshape(n_batch, m))
        h_t_given_x = math.log(n_draws) - nlogn_xt / m
    else:
        h_t_given_x, runs_xt = np.zeros_like(h_t), np.full(n_batch, n)
    if correction == "miller_madow":
        h_t = h_t + (runs_t - 1) / (2.0 * m)
        h_t_given_y = h_t_given_y + (runs_ty - len(m_y)) / (2.0 * m)
        h_t_given_x = h_t_given_x + (runs_xt - n) / (2.0 * m)
    i_xt = np.clip((h_t - h_t_given_x) / math.log(2), 0.0, math.log2(n))
    p_y = m_y / m
    h_y = float(-(p_y * np.log2(p_y)).sum())
    i_ty = np.maximum((h_t - h_t_given_y) / math.log(2), 0.0)
    return i_xt, np.minimum(i_ty, np.minimum(i_xt, h_y))


def binned_information(samples, labels, bin_codes, correction: str = "none") -> tuple[np.ndarray, np.ndarray]:
    """Plug-in I(X;T), I(T;Y) in bits of S binned samples of T per input.

    Parameters
    ----------
    samples : array or tensor [B, S, N, d]; labels : int array [N].
    bin_codes : function of activations [B, S·N, d] returning ``(codes, radix)`` (one set of
        bins for all S·N samples of each batch element).
    correction : ``"none"`` or ``"miller_madow"``.

    Returns
    -------
    (I_XT, I_TY), float64 [B] (:func:`plugin_information`).
    """
    from ._common import as_array, as_label_array

    s = as_array(samples)
    n_batch, n_draws, n, d = s.shape
    y, n_classes = as_label_array(labels, n)
    codes, radix = bin_codes(s.reshape(n_batch, n_draws * n, d))
    keys, key_range = row_keys(codes, radix)
    return plugin_information(keys.reshape(n_batch, n_draws, n), key_range, y, n_classes, correction)
