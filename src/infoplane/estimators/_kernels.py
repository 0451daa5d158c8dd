"""Sums of Gaussian kernels over pairs of points: the one pass behind the KDE bounds ([KT17]),
the Monte Carlo truth of noisy layers ([GBG19]) and the pooled KDE of the ensemble estimator.

For query points q_i [M, d], centres t_j [N, d] with groups g_j (e.g. the label of input j) and
kernel widths w (variances), :func:`kernel_sums` returns for every width

    S_ig = sum_{j : g_j = g} exp(-|q_i - t_j|^2 / (2 w) + o_i)

with optional per-query offsets o_i (nats). Without queries, the centres are their own queries
(the symmetric case of the KDE bounds): then only the upper triangle of the kernel is computed,
each tile also adds its transpose, and the self term is exactly exp(0) = 1.

Two engines compute it. On the CPU, compiled passes (numba): in the symmetric case that of
:mod:`._fused` (about 3x faster on trained Tishby layers, and up to 20x on wide layers whose
matrix-product exponents would round too much); with queries of one width and offsets within
float32's range (the noisy layer of narrow layers) that of :mod:`._fused_queries` (1.3-4.5x on
trained Tishby layers, float64 exponents). Elsewhere (a GPU, wide layers' queries, or
``engine="tensor"``) the tensor pass below.

The tensor pass: how, and why it is exact enough
------------------------------------------------
* Points are sorted (``scipy.spatial.cKDTree`` order, one tree per group) along their leading
  principal axis and cut into tiles of :data:`TILE` neighbouring points.
  Columns of a centre tile are skipped for a block of query rows when the boxes of the
  projected points are so far apart that every term is below 2^CLIP_LOG2 = 2^-40 times the row's
  largest possible term (1, the self term, or exp(o_i)): such terms cannot move a row sum by
  more than N 2^-40 relative (a projection only shortens distances, so the test is safe).
* The exponent comes from a float64 product of augmented rows, ``2 s_i.s_j - |s_i|^2 - |s_j|^2``
  with s the centred, scaled points. Where the rounding bound of that product,
  (d + 3) eps64 (max|s_i|^2 + max|s_j|^2), exceeds 1e-9 (points far from the centre compared
  with sqrt(w), e.g. diverged ReLU layers), the tile pair is centred on its own box and, if
  that is not enough, its squared distances are taken from differences (``torch.cdist``
  without the matrix-product shortcut).
* The exponentials are float32 (``exp2``, 1 ulp; exponents clipped below at -40), tile row sums
  float32 over at most :data:`TILE` terms, accumulated in float64: a row sum's relative error
  stays near 1e-7, and the bounds agree with a float64 evaluation of the formula to 1e-8 bits
  (tests). Float32 halves the memory traffic of the exponential, which bounds the speed.
* Rows are taken in blocks of :data:`_ROW_TILES` query tiles (256 rows on a CPU: the block's
  kernel fits the caches and the triangle skips the lower half of each group's own pairs;
  measured on 2 cores, 2 to 32 tiles: 4 is fastest). Sums are kept in tile order, so a
  block's rows are one contiguous slice; one scatter puts them back in input order.
* Two widths (4w, w), as the lower and upper KDE bounds need, come from one exponential:
  exp(-D/2w) = exp(-D/8w)^4, two squarings (clamped at 2^-63 in between so that no subnormal
  number arises; terms below 2^-126 are negligible as above).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["CLIP_LOG2", "TILE", "kernel_sums", "spatial_tiles"]

#: Terms below 2^CLIP_LOG2 (relative to the self term, or the row's largest possible term) are
#: dropped: with N points they move a row sum by less than (N - 1) 2^-40 relative, its log2 by
#: less than 5.4e-9 bits at N = 4096 and 1e-7 bits up to N = 76 000. (It was -60 until
#: 2026-12-04; -40 reaches fewer pairs: the fused pass is 1.2x faster on trained Tishby layers.)
CLIP_LOG2 = -40.0
#: Points per tile.
TILE = 64
_LOG2E = 1.0 / math.log(2.0)
_EPS64 = float(np.finfo(np.float64).eps)
_TOLERANCE = 1e-9  # largest rounding error allowed in an exponent (log2 units)
_ROW_TILES = {"cpu": 4, "cuda": 64}  # query tiles per block (rows x kept columns per pass; measured on 2 cores)
_BLOCK_BYTES = {"cpu": 256 * 2**20, "cuda": 512 * 2**20}  # the most one block's buffers may take
_FAR = -1e30  # exponent of padding
_BOX_DIMENSIONS = 1  # principal axes in which tiles are ordered and boxed (1 skips the most: measured)


def spatial_tiles(points: np.ndarray, groups: np.ndarray, n_groups: int, tile: int = TILE) -> tuple[np.ndarray, np.ndarray]:
    """Tiles of neighbouring points, each within one group.

    Parameters
    ----------
    points : float [N, d]; groups : int [N] in 0 … n_groups-1.

    Returns
    -------
    ``(index, tile_groups)``: int64 [K, tile], the points of each tile in k-d tree order (-1 for
    padding at the end of a group's last tile), and int64 [K], each tile's group.
    """
    from scipy.spatial import cKDTree

    rows, tile_groups = [], []
    for g in range(n_groups):
        members = np.flatnonzero(groups == g)
        if len(members) == 0:
            continue
        if len(members) > tile:
            members = members[cKDTree(points[members], leafsize=max(8, tile // 2), balanced_tree=True).indices]
        padded = np.full(-(-len(members) // tile) * tile, -1, dtype=np.int64)
        padded[: len(members)] = members
        rows.append(padded.reshape(-1, tile))
        tile_groups += [g] * rows[-1].shape[0]
    return np.concatenate(rows), np.asarray(tile_groups, dtype=np.int64)


def _augmented(points, index, centre, scale, offsets, left: bool, box_points):
    """Tiles of augmented rows [K, T, d + 2] whose products give the exponents, their largest
    squared scaled norm per tile [K], and the tiles' boxes [K, p] in the coordinates
    ``box_points`` [., p] (an orthogonal projection of the points).

    Left (queries): ``[s, 1, o - |s|^2]``; right (centres): ``[2 s, -|s|^2, 1]``; so that
    left_i . right_j = 2 s_i.s_j - |s_i|^2 - |s_j|^2 + o_i = -scale |q_i - t_j|^2 + o_i.
    Padding gets -1e30 in place of -|s|^2, an exponent far below the clip.
    """
    valid = index >= 0
    tiled = points[index.clamp(min=0)]  # [K, T, d]
    boxed = box_points[index.clamp(min=0)]
    big = torch.finfo(points.dtype).max
    lo = torch.where(valid[..., None], boxed, big).amin(1)
    hi = torch.where(valid[..., None], boxed, -big).amax(1)
    s = (tiled - centre) * math.sqrt(scale)
    h = (s * s).sum(-1)
    h_max = torch.where(valid, h, 0.0).amax(1)
    ones = torch.ones_like(h)
    if left:
        last = torch.where(valid, offsets[index.clamp(min=0)] - h, _FAR)
        rows = torch.cat([s, ones[..., None], last[..., None]], dim=-1)
    else:
        rows = torch.cat([2.0 * s, torch.where(valid, -h, _FAR)[..., None], ones[..., None]], dim=-1)
    return rows, h_max, lo, hi


def _principal_axes(centred: torch.Tensor, count: int) -> torch.Tensor:
    """Orthonormal columns [d, count]: the leading principal axes of the rows of ``centred``
    (scaled first, so that finite values near float64's limit do not overflow the scatter
    matrix; the first coordinate axes when that still fails: any orthonormal columns are safe)."""
    top = centred.abs().max() if centred.numel() else torch.zeros((), dtype=centred.dtype)
    fallback = torch.eye(centred.shape[1], count, dtype=centred.dtype, device=centred.device)
    if not (torch.isfinite(top) and top > 0):
        return fallback
    x = centred / top
    _, vectors = torch.linalg.eigh(x.T @ x)  # ascending eigenvalues
    vectors = vectors[:, -count:].flip(1).contiguous()
    return vectors if bool(torch.isfinite(vectors).all()) else fallback


def _box_distances(lo_a, hi_a, lo_b, hi_b) -> torch.Tensor:
    """Smallest squared distances between the boxes of tiles a [A, d] and b [B, d]: [A, B]."""
    gap = torch.clamp(torch.maximum(lo_b[None] - hi_a[:, None], lo_a[:, None] - hi_b[None]), min=0.0)
    return (gap * gap).sum(-1)


def _exact_exponents(q_rows, c_cols, offsets, scale):
    """Exponents [R, C] of a block whose augmented product would round too much: centred on the
    block, or from differences when even that is not enough."""
    d = q_rows.shape[1]
    mid = 0.5 * (q_rows.amin(0) + q_rows.amax(0))
    sa, sb = (q_rows - mid) * math.sqrt(scale), (c_cols - mid) * math.sqrt(scale)
    ha, hb = (sa * sa).sum(-1), (sb * sb).sum(-1)
    if (d + 3) * _EPS64 * float(ha.max() + hb.max()) < _TOLERANCE:
        x = 2.0 * sa @ sb.T - ha[:, None] - hb[None]
    else:  # differences: exact for any magnitude
        x = -scale * torch.cdist(q_rows, c_cols, compute_mode="donot_use_mm_for_euclid_dist").square()
    return x + offsets[:, None]


def _fused_queries_take(queries, query_offsets, widths) -> bool:
    """Whether the compiled query pass (:mod:`._fused_queries`) takes these queries: one width, and
    offsets (nats) within its range (float32 exponents: narrow layers; [GBG19]'s offsets grow
    with the width d as |z|^2 / (2 s2), about d / 2)."""
    if len(widths) != 1:
        return False
    if query_offsets is None or query_offsets.numel() == 0:
        return True
    from ._fused_queries import MAX_OFFSET

    top = float(query_offsets.max())
    return math.isfinite(top) and float(query_offsets.min()) >= 0.0 and top * _LOG2E <= MAX_OFFSET


def kernel_sums(
    centres: torch.Tensor,
    groups: torch.Tensor,
    n_groups: int,
    widths: Sequence[float],
    *,
    queries: torch.Tensor | None = None,
    query_offsets: torch.Tensor | None = None,
    engine: str = "auto",
) -> list[torch.Tensor]:
    """Per-query, per-group sums of Gaussian kernels (see the module docstring).

    Parameters
    ----------
    centres : float tensor [N, d]; groups : int64 [N], values 0 … n_groups-1.
    widths : one kernel variance w, or two, (4 w, w), in squared activation units.
    queries : float tensor [M, d], or None for the centres themselves (symmetric case).
    query_offsets : [M], nats added to every exponent of query i (default 0).
    engine : ``"auto"`` (on the CPU the compiled passes where they apply, see the module
        docstring; everything else the tensor pass), ``"fused"`` or ``"tensor"``.

    Returns
    -------
    One float64 tensor [M, n_groups] per width, on the centres' device.

    Raises
    ------
    ValueError
        If two widths are given that are not (4 w, w), or a width is not > 0; if ``engine`` is
        unknown, or ``"fused"`` off the CPU or with queries the compiled pass does not take.
    """
    widths = [float(w) for w in widths]
    if len(widths) not in (1, 2) or not all(w > 0 for w in widths) or (len(widths) == 2 and widths[0] != 4.0 * widths[1]):
        raise ValueError(f"widths must be (w,) or (4 w, w) with w > 0, got {widths}")
    device = centres.device
    symmetric = queries is None
    if engine not in ("auto", "fused", "tensor"):
        raise ValueError(f"engine must be 'auto', 'fused' or 'tensor', got {engine!r}")
    fused = device.type == "cpu" and (symmetric or _fused_queries_take(queries, query_offsets, widths))
    if engine == "fused" and not fused:
        raise ValueError("engine 'fused' takes the CPU, and with queries one width and offsets in [0, "
                         "_fused_queries.MAX_OFFSET] bits")
    if fused and engine != "tensor":
        if symmetric:
            from ._fused import symmetric_kernel_sums

            sums = symmetric_kernel_sums(centres.numpy(), groups.numpy(), n_groups, widths, CLIP_LOG2, torch.get_num_threads())
            return [torch.from_numpy(s) for s in sums]
        from ._fused_queries import query_kernel_sums

        offsets = np.zeros(len(queries)) if query_offsets is None else query_offsets.double().numpy() * _LOG2E
        sums = query_kernel_sums(centres.numpy(), groups.numpy(), n_groups, widths[0], queries.double().numpy(), offsets,
                                 CLIP_LOG2, torch.get_num_threads())  # fmt: skip
        return [torch.from_numpy(sums)]
    c = centres.double()
    q = c if symmetric else queries.double()
    m, d = q.shape
    scale = _LOG2E / (2.0 * widths[0])  # exponent (log2 units) = -scale |q - t|^2 + offset
    offsets = torch.zeros(m, dtype=torch.float64, device=device)
    if query_offsets is not None:
        offsets = query_offsets.to(device=device, dtype=torch.float64) * _LOG2E
    centre = c.mean(0)
    # Tiles are ordered and boxed along the leading principal axis: an orthogonal projection
    # only shortens distances, so its gaps are lower bounds on the true ones. Boxes in all d
    # dimensions overlap for nearly every pair of tiles once d >= 3; along the first axis the
    # tiles are thin slabs. Measured share of tile pairs kept (tiles of 64, s2 = 1e-3, trained
    # and random layers of width 3 to 20): 0.3-0.6 along one axis, 0.4-0.9 in three, 0.8-0.9
    # in all d.
    basis = _principal_axes(c - centre, min(d, _BOX_DIMENSIONS))
    c_box = (c - centre) @ basis
    q_box = c_box if symmetric else (q - centre) @ basis
    index_np, tile_groups = spatial_tiles(c_box.cpu().numpy(), groups.cpu().numpy(), n_groups)
    index_c = torch.from_numpy(index_np).to(device)
    right, hmax_c, lo_c, hi_c = _augmented(c, index_c, centre, scale, None, left=False, box_points=c_box)
    if symmetric:
        index_q, q_groups = index_c, tile_groups
    else:
        index_np, q_groups = spatial_tiles(q_box.cpu().numpy(), np.zeros(m, dtype=np.int64), 1)
        index_q = torch.from_numpy(index_np).to(device)
    left, hmax_q, lo_q, hi_q = _augmented(q, index_q, centre, scale, offsets, left=True, box_points=q_box)
    tile = index_c.shape[1]
    n_tiles_c = index_c.shape[0]

    # which centre tiles can hold a term above the clip for which query tile
    off_max = torch.where(index_q >= 0, offsets[index_q.clamp(min=0)], -math.inf).amax(1)
    # a tile pair is skipped only when the test says so (a box that overflowed keeps it)
    near = (~(_box_distances(lo_q, hi_q, lo_c, hi_c) > ((off_max - CLIP_LOG2) / scale)[:, None])).cpu().numpy()
    right_t = right.reshape(-1, d + 2).T.contiguous()  # [d + 2, K T]
    hmax_q, hmax_c = hmax_q.cpu().numpy(), hmax_c.cpu().numpy()
    tile_offsets = torch.arange(tile, device=device)

    n_w = len(widths)
    # sums in tile order, one row per group: query tile positions [n_w, G, Kq T] (rows of a
    # block are one contiguous slice) and, in the symmetric case, the same array for columns
    n_q = index_q.numel()
    acc = torch.zeros(n_w, n_groups, n_q, dtype=torch.float64, device=device)
    kind = device.type if device.type in _ROW_TILES else "cpu"
    # rows per block: the device's tile count, fewer where a block's float64 exponents and float32
    # kernel (12 bytes per pair, all centre columns at most) would pass _BLOCK_BYTES
    row_tiles = min(_ROW_TILES[kind], max(1, _BLOCK_BYTES[kind] // (12 * tile * max(1, right_t.shape[1]))))
    rows_per_block = tile * row_tiles
    x_buffer = torch.empty(rows_per_block * right_t.shape[1], dtype=torch.float64, device=device)
    k_buffer = torch.empty(x_buffer.shape, dtype=torch.float32, device=device)
    group_ends = np.searchsorted(q_groups, q_groups, side="right") if symmetric else None
    step = rows_per_block // tile
    last = 0
    while last < index_q.shape[0]:
        first, last = last, last + step
        if symmetric:  # one group per block, and the triangle: centre tiles from the block's first
            last = min(last, int(group_ends[first]))
            kept = first + np.flatnonzero(near[first:last, first:].any(0))
        else:
            last = min(last, index_q.shape[0])
            kept = np.flatnonzero(near[first:last].any(0))
        if len(kept) == 0:
            continue
        rows, cols = (last - first) * tile, len(kept) * tile
        own = rows if symmetric else 0  # the block's own tiles come first
        if kept[-1] - kept[0] + 1 == len(kept):  # one range of tiles: a view, no copy
            block_right = right_t[:, kept[0] * tile : (kept[-1] + 1) * tile]
            column_index = None
        else:
            column_index = (torch.from_numpy(kept).to(device)[:, None] * tile + tile_offsets).flatten()
            block_right = right_t.index_select(1, column_index)
        x = x_buffer[: rows * cols].view(rows, cols)
        if (d + 3) * _EPS64 * float(hmax_q[first:last].max() + hmax_c[kept].max()) < _TOLERANCE:
            torch.mm(left[first:last].reshape(rows, d + 2), block_right, out=x)
        else:
            rows_idx, cols_idx = index_q[first:last].flatten(), index_c[torch.from_numpy(kept).to(device)].flatten()
            x.copy_(_exact_exponents(q[rows_idx.clamp(min=0)], c[cols_idx.clamp(min=0)], offsets[rows_idx.clamp(min=0)], scale))
            x.masked_fill_(~((rows_idx >= 0)[:, None] & (cols_idx >= 0)[None]), _FAR)
        kernel = k_buffer[: rows * cols].view(rows, cols)
        kernel.copy_(x)
        kernel.clamp_(min=CLIP_LOG2)
        if symmetric:
            kernel[:, :own].fill_diagonal_(0.0)  # D_ii = 0: the self term is exactly 1
        kernel.exp2_()
        kept_groups = tile_groups[kept]
        cuts = np.flatnonzero(np.diff(kept_groups)) + 1
        spans = [(a * tile, b * tile, int(kept_groups[a])) for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(kept)]]))]
        row_slice = slice(first * tile, last * tile)
        if symmetric and own < cols:
            g_rows = int(q_groups[first])
            if column_index is None:
                col_slice = slice(kept[0] * tile + own, (kept[-1] + 1) * tile)
            else:
                col_positions = column_index[own:]
        for w in range(n_w):
            if w == 1:  # width w from width 4w: the fourth power (kernel >= 2^-40: its square is normal)
                kernel.mul_(kernel).mul_(kernel)
            for a, b, g in spans:
                acc[w, g, row_slice] += kernel[:, a:b].sum(1)
            if symmetric and own < cols:
                column_sums = kernel[:, own:].sum(0)
                if column_index is None:
                    acc[w, g_rows, col_slice] += column_sums
                else:
                    acc[w, g_rows].index_add_(0, col_positions, column_sums.double())
    # tile order -> input order (padding positions dropped)
    positions = index_q.flatten()
    valid = positions >= 0
    out = []
    for w in range(n_w):
        sums = torch.zeros(m, n_groups, dtype=torch.float64, device=device)
        sums[positions[valid]] = acc[w][:, valid].T
        out.append(sums)
    return out
