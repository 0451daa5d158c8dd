"""The neighbour counts of [KSG04] algorithm 1 and [Ross14] from every pair of points, compiled
with numba: for each point i, one row of max-norm distances at a time (float64, as the
definition), its k + 1 smallest (itself the first, at 0) and the counts within the radii they
give. O(N^2 d) work and O(N) memory per thread; used by :mod:`.knn` up to its
``BRUTE_FORCE_MAX`` points, where scipy's and scikit-learn's trees visit most pairs anyway at
the layers' widths.

For point i (distances d_z in the layer Z, d_x in the inputs X, both max-norm, and the joint
distance max(d_x, d_z)):

* eps_i = the k-th smallest joint distance to the other points ([KSG04]: the joint k-th
  neighbour); n_x(i) and n_z(i) = the other points strictly closer than eps_i in X and in Z.
  Where every two distinct inputs are the same distance c apart (``equidistant``, the 12-bit
  Tishby inputs: c = 1), the joint distance of j != i is max(c, d_z(i, j)), so eps_i =
  max(c, k-th smallest d_z) and n_x(i) = N - 1 if c < eps_i, else 0: X needs no distances.
* [Ross14]: r_i = the k_y-th smallest d_z to the other points of i's label (k_y = min(k,
  N_y - 1)); m_i = the kept points (those of labels that occur more than once) strictly within
  r_i, itself included.

"Strictly closer than eps" is "at most the largest double below eps", as the tree searches
count it, so the counts are equal to theirs (tested against both and against the definition).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["neighbour_counts", "nearest_distances"]

_BLOCK = 64  # distances per block whose minimum screens the block (see _kth_smallest)


@njit(nogil=True, cache=True, inline="always")
def _row(points_t, i, out):
    """out[j] = max_c |points_t[c, j] - points_t[c, i]| (the max-norm distance row of point i)."""
    d = points_t.shape[0]
    first = points_t[0]
    centre = first[i]
    for j in range(out.shape[0]):
        out[j] = abs(first[j] - centre)
    for c in range(1, d):
        coordinate = points_t[c]
        centre = coordinate[i]
        for j in range(out.shape[0]):
            v = abs(coordinate[j] - centre)
            b = out[j]
            out[j] = v if v > b else b


@njit(nogil=True, cache=True, inline="always", fastmath={"nnan", "nsz", "reassoc"})
def _block_minima(values, start, stop, minima):
    """minima[b] = min of values[start + b B : start + (b + 1) B] (B = :data:`_BLOCK`); returns
    the number of blocks. (Fast-math lets the minimum vectorise: no NaN among the distances of
    finite points, which the callers check; +inf, a distance past float64's range, is kept.)"""
    blocks = 0
    for s in range(start, stop, _BLOCK):
        smallest = np.inf
        for j in range(s, min(stop, s + _BLOCK)):
            smallest = min(smallest, values[j])
        minima[blocks] = smallest
        blocks += 1
    return blocks


@njit(nogil=True, cache=True, inline="always")
def _insert(top, kept, v):
    """Insert v into the ascending top[:kept] if it is smaller than its last value."""
    if v < top[kept - 1]:
        p = kept - 1
        while p > 0 and top[p - 1] > v:
            top[p] = top[p - 1]
            p -= 1
        top[p] = v


@njit(nogil=True, cache=True, inline="always")
def _below(values, start, stop, bound):
    """How many of values[start:stop] are < bound."""
    count = 0
    for j in range(start, stop):
        count += values[j] < bound
    return count


@njit(nogil=True, cache=True, inline="always")
def _kth_smallest(values, start, stop, kth, top, minima):
    """The kth smallest (1-based) of values[start:stop] (kth <= stop - start), exactly.

    The kth smallest block minimum T is an upper bound of it (kth blocks hold a value <= T).
    If fewer than kth values are < T, the answer is T (ties included, as on layers with repeated
    rows); else the kth smallest values are all < T and lie in the blocks whose minimum is < T,
    which alone are scanned value by value. ``top`` [>= kth] and ``minima`` [>= blocks] are
    scratch."""
    blocks = _block_minima(values, start, stop, minima)
    for p in range(kth):
        top[p] = np.inf
    bound = np.inf
    if blocks >= kth:
        for b in range(blocks):
            _insert(top, kth, minima[b])
        bound = top[kth - 1]
        if _below(values, start, stop, bound) < kth:
            return bound
        for p in range(kth):
            top[p] = np.inf
    for b in range(blocks):
        if minima[b] < bound:
            s = start + b * _BLOCK
            for j in range(s, min(stop, s + _BLOCK)):
                _insert(top, kth, values[j])
    return top[kth - 1]


@njit(nogil=True, cache=True, inline="always")
def _at_most(values, radius):
    """How many of ``values`` are <= radius."""
    count = 0
    for j in range(values.shape[0]):
        count += values[j] <= radius
    return count


@njit(nogil=True, cache=True)
def _counts(z_t, x_t, equidistant, starts, sizes, k, k_label, kept, all_kept, ross, lo, hi, n_x, n_z, m):
    """Rows lo … hi-1 of the counts (see the module docstring); z_t [d, N], x_t [d_x, N] (d_x = 0
    where ``equidistant`` is given, else nan), points ordered by label (``starts``, ``sizes``)."""
    n = z_t.shape[1]
    dz = np.empty(n)
    general = x_t.shape[0] > 0
    dx = np.empty(n if general else 0)
    joint = np.empty(n if general else 0)
    top = np.empty(k + 1)
    minima = np.empty(n // _BLOCK + 1)
    group = 0
    for i in range(lo, hi):
        while i >= starts[group] + sizes[group]:
            group += 1
        _row(z_t, i, dz)
        if general:
            _row(x_t, i, dx)
            for j in range(n):
                joint[j] = max(dx[j], dz[j])
            r = np.nextafter(_kth_smallest(joint, 0, n, k + 1, top, minima), 0.0)
            n_x[i] = _at_most(dx, r) - 1
        else:
            r = np.nextafter(max(equidistant, _kth_smallest(dz, 0, n, k + 1, top, minima)), 0.0)
            n_x[i] = n - 1 if r >= equidistant else 0
        n_z[i] = _at_most(dz, r) - 1
        if ross and sizes[group] > 1:
            a = starts[group]
            radius = np.nextafter(_kth_smallest(dz, a, a + sizes[group], k_label[group] + 1, top, minima), 0.0)
            if all_kept:
                m[i] = _at_most(dz, radius)
            else:
                count = 0
                for j in range(n):
                    count += kept[j] and dz[j] <= radius
                m[i] = count


@njit(nogil=True, cache=True)
def _nearest(points_t, out):
    n = points_t.shape[1]
    row = np.empty(n)
    top = np.empty(2)
    minima = np.empty(n // _BLOCK + 1)
    for i in range(n):
        _row(points_t, i, row)
        out[i] = _kth_smallest(row, 0, n, 2, top, minima)  # the first is the point itself, at 0


def nearest_distances(points) -> np.ndarray:
    """Max-norm distance [N] from each of the points [N, d] (N >= 2, taken as float64) to its
    nearest other point (0 for a repeated row), in the points' units, from every pair: O(N^2 d),
    one thread. :mod:`.knn` uses it to find inputs that are all one distance apart ([KSG04]'s
    max-norm).

    Raises
    ------
    ValueError
        If the points are not [N, d] with N >= 2.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or len(points) < 2:
        raise ValueError(f"need points [N >= 2, d], got shape {points.shape}")
    out = np.empty(len(points))
    _nearest(np.ascontiguousarray(points.T), out)
    return out


def neighbour_counts(z, *, labels=None, k: int, inputs=None, equidistant: float | None = None,
                     threads: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's [KSG04] counts n_x, n_z (algorithm 1, eq. 8) and, given labels, its [Ross14]
    count m (eq. 2), from every pair of points (see the module docstring).

    Parameters
    ----------
    z : float array [N, d], the layer (taken as float64); N > k.
    labels : int array [N] or None (no [Ross14] counts).
    k : neighbours, >= 1.
    inputs : float array [N, d_x], the inputs X; needed unless ``equidistant`` is given.
    equidistant : the one max-norm distance c > 0 between every two distinct inputs, if there is
        one: X then needs no distances.
    threads : the rows are split into this many parts, counted side by side.

    Returns
    -------
    (n_x, n_z, m) : int64 arrays [N], in the points' order; m is -1 for the points of a label
    that occurs once (left out) and everywhere without labels.

    Raises
    ------
    ValueError
        If neither inputs nor equidistant is given, a shape differs, N <= k, or equidistant <= 0.
    """
    z = np.asarray(z, dtype=np.float64)
    n = z.shape[0]
    if n <= k or k < 1:
        raise ValueError(f"need 1 <= k < N, got k = {k} and N = {n}")
    y = np.zeros(n, dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    if y.shape != (n,):
        raise ValueError(f"labels must be {n} values, got shape {y.shape}")
    order = np.argsort(y, kind="stable")
    _, starts, sizes = np.unique(y[order], return_index=True, return_counts=True)
    k_label = np.minimum(k, sizes - 1)
    kept = np.repeat(sizes > 1, sizes)
    z_t = np.ascontiguousarray(z[order].T)
    if equidistant is not None:
        if not equidistant > 0:
            raise ValueError(f"equidistant must be a distance > 0, got {equidistant}")
        x_t, c = np.empty((0, n)), float(equidistant)
    elif inputs is None:
        raise ValueError("neighbour_counts needs the inputs X or their one distance (equidistant)")
    else:
        x = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
        if len(x) != n:
            raise ValueError(f"inputs have {len(x)} rows but the layer {n}")
        x_t, c = np.ascontiguousarray(x[order].T), math.nan
    n_x, n_z, m = (np.full(n, -1, dtype=np.int64) for _ in range(3))
    args = (z_t, x_t, c, starts, sizes, k, k_label, kept, bool(kept.all()), labels is not None)
    bounds = np.linspace(0, n, max(1, min(threads, n // 256)) + 1).astype(np.int64)
    if len(bounds) == 2:
        _counts(*args, 0, n, n_x, n_z, m)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(bounds) - 1) as pool:
            list(pool.map(lambda b: _counts(*args, bounds[b], bounds[b + 1], n_x, n_z, m), range(len(bounds) - 1)))
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return n_x[back], n_z[back], m[back]
