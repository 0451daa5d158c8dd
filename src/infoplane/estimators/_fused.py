"""The symmetric kernel sums of :mod:`._kernels` on the CPU in one fused pass per pair of tiles
(compiled with numba): squared distances from coordinate differences, the float32
exponential, its fourth power for the second width, and the row and column sums, where the
tensor pass makes about ten memory passes over each block.

Points are ordered by group and, within a group, along the leading principal axis (of about
:data:`_AXIS_ROWS` evenly spaced rows, up to d = 64; any unit vector keeps the test below
exact), and cut into tiles of :data:`TILE`; a pair of tiles a <= b is visited unless their projections on that
axis are farther apart than the clip allows (a projection only shortens distances, so every
term left out is below 2^clip). Every visited pair (i in a, j in b; j > i when a = b) adds

    k_ij = 2^(-scale |t_i - t_j|^2)          (width w_0; 0 below 2^clip)
    k_ij^4                                   (with two widths, (4 w, w): width w; 0 below 2^clip)

to the sums S[i, g_j] and S[j, g_i]; the self term, exactly 1, is added once. Rows of a tile
pair whose every term is below the clip skip the exponentials.

Precision (relative errors; u = 2^-24, float32's unit roundoff):
* Each difference t_ik - t_jk is taken in the coordinates' dtype (float32 or float64, exact
  for any magnitude, no centring needed) and rounded once to float32 (<= u); squares are
  summed in float32 over blocks of 16 coordinates, the blocks in float64: the squared distance
  is within about (min(d, 16) + 2) u.
* Cody-Waite reduction of the exponent: m = round(D scale), f = m - D scale by an explicit fused
  multiply-add (llvm.fma) with scale split into a float32 head and tail, so the exponent's error is one
  rounding of |f| <= 1/2, whatever its size, and the noise variance is not rounded to float32.
  (Rounding -D scale to float32 instead biased the bounds by up to 5e-8 bits on saturated
  layers, whose distances repeat.) 2^f by its Taylor series to degree 7 (truncation < 6e-9),
  2^-m from the exponent bits: < 1e-7 relative, mean error below 1e-9 (measured).
* Sums in float32 over short runs, added to float64: within a pair of tiles, each row's <= 64
  terms are summed in float32 by the compiler's vectorised reduction (16-lane partial sums with
  AVX-512, 8 with AVX2, then a tree: a handful of roundings per term; on an x86 CPU without FMA
  the loop is scalar, so rows are summed in float64 there, :data:`_ROW_ZERO`), each column's over at most :data:`_FLUSH_ROWS` rows
  (<= 7 roundings, <= 7 u of the run's sum), and each run is then added to the float64 sums. A
  float32 sum over a whole row or column of tiles would not do: once it holds a term near 1 (a
  duplicate point) it drops every later term below 2^-24 (1.7e-6 of a row, up to 6e-7 bits on
  lattices; found by a review); a short run drops at most its own few. A pass all in float32
  vectorises at twice the width of one that mixes in float64 accumulators: 1.4x faster on
  trained layers (README, Benchmarks).
Measured on trained Tishby layers ([ST17] network, tanh and ReLU, every hidden layer, 3000
epochs): both bounds within 1.1e-8 bits of the float64 formula, as the tensor pass; with the
float32 runs, on the paper-scale networks (layers 1, 3 and 6 at three epochs, both activations)
within 3.5e-9 bits, and on 120 fuzzed lattices, clusters and saturated layers within 6.9e-8 bits
(6.0e-8 with float64 sums); the tests
check every row's sums against the definition and the bounds to 1e-7 bits, repeated distances
and overflowing float32 distances included.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit

from .._numba import EXACT_FLAGS as _EXACT_FLAGS, FLAGS as _FLAGS, FMA as _FMA, TAYLOR_EXP2 as _C
from .._numba import fma32 as _fma32, int32_as_float32 as _int32_as_float32

__all__ = ["TILE", "leading_axis", "summed_over_parts", "symmetric_kernel_sums", "tiles_along_axis"]

TILE = 64
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7 = _C
_HALF = np.float32(0.5)
_ZERO = np.float32(0.0)
_LOG2E = 1.0 / math.log(2.0)
_POWER_STEPS = 12  # power iterations for the leading axis of a wide layer
_DIST_MAX = np.float32(2.0**100)  # squared distances clamped here: no infinity times a zero tail
_THREADED_WORK = 2e8  # pair-coordinates of a pass below which it runs on one thread
_AXIS_ROWS = 1024  # rows (about) from which the leading axis of a narrow layer is taken: any axis keeps the
# pruning exact, and a quarter of N = 4096 rows finds the same slabs
_BLOCK = 16  # coordinates summed in float32 before a float64 sum (wide layers)
_FLUSH_ROWS = 8  # rows whose terms a column sums in float32 before adding them to its float64 sum
#: The type of a row's sum within a pair of tiles: float32 where the compiler vectorises the row
#: loop (its reduction is then a tree of 16 lanes here), float64 on x86 CPUs without FMA, where
#: that loop is scalar and a sequential float32 sum after a duplicate's 1 would drop every later
#: term below 2^-24 (found by a review: 3e-6 of a row on the x86-64 baseline target).
_ROW_ZERO = np.float32(0.0) if _FMA else 0.0


@njit(fastmath=_EXACT_FLAGS, cache=True)
def _kernel(dist, scale_hi, scale_lo, limit):
    """2^-(dist * scale) in float32 for a squared distance ``dist`` >= 0 (float32), scale =
    scale_hi + scale_lo; 0 where dist * scale > limit (below the clip). Relative error < 1e-7.

    Cody-Waite reduction: m = round(dist * scale) and f = m - dist * scale, the latter by a fused
    multiply-add (exact up to one rounding of |f| <= 1/2), so the exponent's error does not grow
    with |exponent|; 2^f by its Taylor series to degree 7 (truncation < 6e-9), 2^-m from the
    exponent bits. Compiled without reassociation (which could drop the tail of the scale).
    """
    x = dist * scale_hi
    m = np.int32(min(x, limit) + _HALF)
    f = _fma32(-dist, scale_hi, np.float32(m)) - dist * scale_lo
    p = _C0 + f * (_C1 + f * (_C2 + f * (_C3 + f * (_C4 + f * (_C5 + f * (_C6 + f * _C7))))))
    kern = p * _int32_as_float32((np.int32(127) - m) << np.int32(23))
    return kern if x <= limit else _ZERO


@njit(fastmath=_FLAGS, nogil=True, cache=True, inline="always")
def _squared_distances(left, right_t, a, b, la, dist, wide):
    """dist[ii T + jj] = |left[a, ii] - right_t[b, :, jj]|^2 for ii < la (float32; T = the tiles'
    width): each difference rounded once to float32, float32 sums over blocks of :data:`_BLOCK`
    coordinates, float64 across blocks (``wide``, [T T] when d > _BLOCK, else empty)."""
    t = right_t.shape[2]
    d = left.shape[2]
    if d > _BLOCK:
        wide[:] = 0.0
    for k0 in range(0, d, _BLOCK):
        dist[:] = _ZERO
        k1 = min(d, k0 + _BLOCK)
        k = k0
        while k + 4 <= k1:  # four coordinates per pass over the block: a quarter of the loads and stores
            for ii in range(la):
                x0 = left[a, ii, k]
                x1 = left[a, ii, k + 1]
                x2 = left[a, ii, k + 2]
                x3 = left[a, ii, k + 3]
                o = ii * t
                for jj in range(t):
                    d0 = np.float32(x0 - right_t[b, k, jj])
                    d1 = np.float32(x1 - right_t[b, k + 1, jj])
                    d2 = np.float32(x2 - right_t[b, k + 2, jj])
                    d3 = np.float32(x3 - right_t[b, k + 3, jj])
                    dist[o + jj] += (d0 * d0 + d1 * d1) + (d2 * d2 + d3 * d3)
            k += 4
        for k in range(k, k1):
            for ii in range(la):
                x = left[a, ii, k]
                o = ii * t
                for jj in range(t):
                    diff = np.float32(x - right_t[b, k, jj])
                    dist[o + jj] += diff * diff
        if d > _BLOCK:
            for q in range(la * t):
                wide[q] += dist[q]
    if d > _BLOCK:
        for q in range(la * t):
            dist[q] = np.float32(wide[q])


@njit(fastmath=_FLAGS, nogil=True, cache=True)
def _pass(points, points_t, lens, tile_groups, pair_a, pair_b, scale_hi, scale_lo, limit, two, row_zero, out):
    """Add the kernel terms of the tile pairs (pair_a[p], pair_b[p]) to ``out``.

    points [K, T, d] and points_t [K, d, T]: the tiles (float32 or float64); lens [K]: valid
    points per tile (the first ones); tile_groups [K]; out float64 [n_w, G, K, T]; row_zero: 0 in
    the type of a row's sum within a pair of tiles (float32 where the loop vectorises, float64
    where it would be a sequential float32 sum: :data:`_ROW_ZERO`).
    """
    t = points.shape[1]
    d = points.shape[2]
    quarter = np.float32(2.0 ** (-limit / 4.0))
    dist = np.empty(t * t, dtype=np.float32)
    wide = np.empty(t * t if d > _BLOCK else 0, dtype=np.float64)
    col_lo = np.empty(t)  # float64 column sums, and float32 runs of up to _FLUSH_ROWS rows
    col_hi = np.empty(t)
    run_lo = np.empty(t, dtype=np.float32)
    run_hi = np.empty(t, dtype=np.float32)
    for p in range(pair_a.shape[0]):
        a = pair_a[p]
        b = pair_b[p]
        la = lens[a]
        lb = lens[b]
        ga = tile_groups[a]
        gb = tile_groups[b]
        diag = a == b
        _squared_distances(points, points_t, a, b, la, dist, wide)
        col_lo[:] = 0.0
        col_hi[:] = 0.0
        run_lo[:] = _ZERO
        run_hi[:] = _ZERO
        rows = 0
        for ii in range(la):
            o = ii * t
            near = 0
            for jj in range(t):
                near += dist[o + jj] * scale_hi <= limit
            if near == 0:  # every term of the row is below the clip
                continue
            first = ii + 1 if diag else 0
            s_lo = row_zero  # float32 (see _ROW_ZERO): a loop all in float32 vectorises at twice the width
            s_hi = row_zero
            if first == 0 and lb == t:  # the common case, a full tile off the diagonal: no mask
                for jj in range(t):
                    kern = _kernel(min(dist[o + jj], _DIST_MAX), scale_hi, scale_lo, limit)
                    s_lo += kern
                    run_lo[jj] += kern
                    if two:  # the fourth power: width w / 4, exponent 4 times; below the clip when kern < 2^(clip / 4)
                        k2 = kern * kern
                        k4 = k2 * k2 if kern >= quarter else _ZERO
                        s_hi += k4
                        run_hi[jj] += k4
            else:
                for jj in range(t):
                    kern = _kernel(min(dist[o + jj], _DIST_MAX), scale_hi, scale_lo, limit)
                    if jj < first or jj >= lb:
                        kern = _ZERO
                    s_lo += kern
                    run_lo[jj] += kern
                    if two:
                        k2 = kern * kern
                        k4 = k2 * k2 if kern >= quarter else _ZERO
                        s_hi += k4
                        run_hi[jj] += k4
            out[0, gb, a, ii] += s_lo
            if two:
                out[1, gb, a, ii] += s_hi
            rows += 1
            if rows == _FLUSH_ROWS:  # the columns' float32 runs into their float64 sums
                for jj in range(t):
                    col_lo[jj] += run_lo[jj]
                    run_lo[jj] = _ZERO
                    if two:
                        col_hi[jj] += run_hi[jj]
                        run_hi[jj] = _ZERO
                rows = 0
        for jj in range(lb):
            out[0, ga, b, jj] += col_lo[jj] + run_lo[jj]
            if two:
                out[1, ga, b, jj] += col_hi[jj] + run_hi[jj]


def _leading_axis(centred: np.ndarray) -> np.ndarray | None:
    """A unit vector [d] along the leading principal axis of the rows of ``centred`` [N, d]
    (float64) by power iteration, for wide layers (narrow ones take :func:`_moments` and the
    scatter matrix's eigenvector). The rows are scaled by their largest magnitude first, so that
    finite values near float64's limit do not overflow; None when that fails (the caller falls
    back to a coordinate axis: any unit vector keeps the pruning exact)."""
    top = float(np.abs(centred).max()) if centred.size else 0.0
    if not (np.isfinite(top) and top > 0):
        return None
    x = centred / top
    v = x[np.argmax((x * x).sum(1))].copy()
    for _ in range(_POWER_STEPS):
        v = x.T @ (x @ v)
        norm = np.linalg.norm(v)
        if not norm > 0:
            return None
        v /= norm
    return v


@njit(nogil=True, cache=True)
def _moments(points):
    """The rows' mean [d] (float64), the scatter matrix [d, d] of the centred rows divided by
    their largest magnitude, and whether that magnitude is finite and > 0 (else the scatter
    matrix is not computed): the leading axis of a narrow layer is its eigenvector."""
    n, d = points.shape
    mean = np.zeros(d)
    for i in range(n):
        for c in range(d):
            mean[c] += points[i, c]
    mean /= max(n, 1)
    top = 0.0
    finite = True
    for i in range(n):
        for c in range(d):
            v = abs(points[i, c] - mean[c])
            finite &= np.isfinite(v)
            top = max(top, v)
    scatter = np.zeros((d, d))
    if not (finite and top > 0):
        return mean, scatter, False
    row = np.empty(d)
    for i in range(n):
        for c in range(d):
            row[c] = (points[i, c] - mean[c]) / top
        for c in range(d):
            for e in range(c, d):
                scatter[c, e] += row[c] * row[e]
    for c in range(d):
        for e in range(c):
            scatter[c, e] = scatter[e, c]
    return mean, scatter, True


@njit(nogil=True, cache=True)
def _tile(points, groups, n_groups, mean, axis, tile, reach):
    """Tiles along ``axis`` within each group (see :func:`tiles_along_axis`), the points gathered
    into them: tiles [K, T, d], tiles_t [K, d, T] (padding repeats the tile's first point;
    ``lens`` says how many are valid), and the tile pairs a <= b [P, 2] whose projections come
    within ``reach`` (squared; a pair is left out only when the test says so: a projection that
    overflowed keeps it)."""
    n, d = points.shape
    projection = np.empty(n)
    for i in range(n):
        acc = 0.0
        for c in range(d):
            acc += (points[i, c] - mean[c]) * axis[c]
        projection[i] = acc
    order = np.argsort(projection, kind="mergesort")
    counts = np.zeros(n_groups, dtype=np.int64)
    for i in range(n):
        counts[groups[i]] += 1
    first_tile = np.zeros(n_groups + 1, dtype=np.int64)
    for g in range(n_groups):
        first_tile[g + 1] = first_tile[g] + (counts[g] + tile - 1) // tile
    n_tiles = first_tile[n_groups]
    index = np.full((n_tiles, tile), -1, dtype=np.int64)
    lens = np.zeros(n_tiles, dtype=np.int64)
    tile_groups = np.empty(n_tiles, dtype=np.int64)
    for g in range(n_groups):
        tile_groups[first_tile[g] : first_tile[g + 1]] = g
    seen = np.zeros(n_groups, dtype=np.int64)
    for i in order:  # ascending projection: each group's points fill its tiles in that order
        g = groups[i]
        k = first_tile[g] + seen[g] // tile
        index[k, seen[g] % tile] = i
        lens[k] += 1
        seen[g] += 1
    lo = np.empty(n_tiles)
    hi = np.empty(n_tiles)
    tiles = np.empty((n_tiles, tile, d), dtype=points.dtype)
    tiles_t = np.empty((n_tiles, d, tile), dtype=points.dtype)
    for k in range(n_tiles):
        lo[k] = projection[index[k, 0]]
        hi[k] = projection[index[k, lens[k] - 1]]
        for s in range(tile):
            i = index[k, s] if s < lens[k] else index[k, 0]
            for c in range(d):
                tiles[k, s, c] = points[i, c]
                tiles_t[k, c, s] = points[i, c]
    pairs = np.empty((n_tiles * (n_tiles + 1) // 2, 2), dtype=np.int64)
    n_pairs = 0
    for a in range(n_tiles):
        for b in range(a, n_tiles):
            below = lo[b] - hi[a]  # NaN (an overflowed projection) fails both tests: the pair is kept
            above = lo[a] - hi[b]
            if (below > 0.0 and below * below > reach) or (above > 0.0 and above * above > reach):
                continue
            pairs[n_pairs, 0] = a
            pairs[n_pairs, 1] = b
            n_pairs += 1
    return index, lens, tile_groups, lo, hi, tiles, tiles_t, pairs[:n_pairs]


@njit(nogil=True, cache=True)
def _scatter(out, index, lens, groups, n):
    """Sums [n_w, n, G] in input order from ``out`` [n_w, G, K, T], self terms added."""
    n_w, n_groups = out.shape[0], out.shape[1]
    sums = np.empty((n_w, n, n_groups))
    for k in range(index.shape[0]):
        for s in range(lens[k]):
            i = index[k, s]
            for w in range(n_w):
                for g in range(n_groups):
                    sums[w, i, g] = out[w, g, k, s]
                sums[w, i, groups[i]] += 1.0  # the self term, exactly 2^0
    return sums


def tiles_along_axis(points: np.ndarray, groups: np.ndarray, n_groups: int, tile: int = TILE, reach: float = math.inf):
    """Tiles of neighbouring points along the leading principal axis, each within one group.

    Parameters
    ----------
    points : float32 or float64 [N, d]; groups : int64 [N] in 0 … n_groups-1.
    reach : squared distance beyond which a pair of points is left out (the pairs of tiles
        returned are those whose projections come within it).

    Returns
    -------
    ``(index, lens, tile_groups, lo, hi, tiles, tiles_t, pairs)``: int64 [K, tile], the points of
    each tile in ascending projection (-1 for padding, only at the end of a group's last tile);
    int64 [K], valid points per tile; int64 [K], each tile's group; float64 [K], the smallest
    and largest projection in each tile; the points gathered into the tiles, [K, tile, d] and
    [K, d, tile] (padding repeats the tile's first point); int64 [P, 2], the tile pairs a <= b
    within reach, in row-major order.
    """
    mean, axis = leading_axis(points)
    return _tile(points, groups, n_groups, mean, axis, tile, float(reach))


def leading_axis(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean [d] of the points [N, d] (float64) and a unit vector [d] along their leading
    principal axis: from the scatter matrix of about :data:`_AXIS_ROWS` evenly spaced rows up to
    d = 64, by power iteration beyond; the first coordinate axis where that overflows (any unit
    vector keeps the pruning exact)."""
    d = points.shape[1]
    if d <= 64:  # the scatter matrix in one compiled pass over at most ~1024 rows
        mean, scatter, ok = _moments(points[:: max(1, len(points) // _AXIS_ROWS)])
        axis = np.linalg.eigh(scatter)[1][:, -1] if ok else None
    else:
        x = points.astype(np.float64)
        mean = x.mean(0)
        axis = _leading_axis(x - mean)
    if axis is None or not np.isfinite(axis).all():  # overflow: the first coordinate axis
        axis = np.eye(d)[0]
    return mean, np.ascontiguousarray(axis)


def symmetric_kernel_sums(points: np.ndarray, groups: np.ndarray, n_groups: int, widths, clip: float,
                          threads: int = 1) -> list[np.ndarray]:
    """Per-point, per-group sums of Gaussian kernels over all points, self term included:
    S[i, g] = sum_{j : g_j = g} 2^(-|t_i - t_j|^2 log2(e) / (2 w)) for each width w, terms below
    2^clip left out (as are tile pairs whose projections on the leading axis are that far apart).

    Parameters
    ----------
    points : float32 or float64 [N, d] (other dtypes are taken as float64); groups : int [N] in
        0 … n_groups-1; widths : (w,) or (4 w, w), w > 0; clip : log2 of the smallest term kept (<= 0).
    threads : the tile pairs are split into this many parts, summed side by side (one part
        when the pass is short: below :data:`_THREADED_WORK` pair-coordinates).

    Returns
    -------
    One float64 array [N, n_groups] per width.

    Raises
    ------
    ValueError
        If a group is outside 0 … n_groups-1, or clip is outside [-126, 0].
    """
    if points.dtype != np.float32:
        points = points.astype(np.float64)
    groups = np.asarray(groups, dtype=np.int64)
    n = points.shape[0]
    if len(groups) != n or (n and (groups.min() < 0 or groups.max() >= n_groups)):
        raise ValueError(f"groups must be {n} values in 0 … {n_groups - 1}, got {len(groups)} in "
                         f"{groups.min() if n else None} … {groups.max() if n else None}")
    if not -126.0 <= clip <= 0.0:
        raise ValueError(f"clip must be in [-126, 0] (float32's normal range), got {clip}")
    scale = _LOG2E / (2.0 * float(widths[0]))
    # tile pairs a <= b whose projections come within the clip's distance
    index, lens, tile_groups, lo, hi, tiles, tiles_t, pairs = tiles_along_axis(points, groups, n_groups, reach=-clip / scale)
    head = np.float32(scale)
    if float(head) > scale:  # the tail must be >= 0 (see _pass)
        head = np.nextafter(head, np.float32(0.0))
    tail = np.float32(scale - float(head))
    n_w = len(widths)

    def run(part):
        out = np.zeros((n_w, n_groups) + index.shape)
        _pass(tiles, tiles_t, lens, tile_groups, np.ascontiguousarray(part[:, 0]), np.ascontiguousarray(part[:, 1]),
              head, tail, np.float32(-clip), n_w == 2, _ROW_ZERO, out)
        return out

    out = summed_over_parts(run, pairs, threads, len(pairs) * index.shape[1] ** 2 * max(points.shape[1], 8))
    return list(_scatter(out, index, lens, groups, n))


def summed_over_parts(run, pairs: np.ndarray, threads: int, work: float) -> np.ndarray:
    """The sum of ``run(part)`` over the tile pairs [P, 2] split into ``threads`` parts, run side by
    side; one part when the pass is short (``work``, pair-coordinates, below :data:`_THREADED_WORK`:
    a second thread pays off only on long passes, on a 2-core VM none at d = 10, 1.45x at d = 1024)."""
    parts = np.array_split(pairs, max(1, min(threads if work >= _THREADED_WORK else 1, len(pairs))))
    if len(parts) == 1:
        return run(parts[0])
    with ThreadPoolExecutor(len(parts)) as pool:
        return sum(pool.map(run, parts))
