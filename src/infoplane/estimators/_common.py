"""Helpers shared by the estimators: input checks, batching over leading dimensions, and the
plug-in entropies of discrete representations."""

from __future__ import annotations

import math

import numpy as np
import torch

LOG2 = math.log(2.0)


def as_tensor(activations, device=None) -> torch.Tensor:
    """``activations`` [..., N, d] as a torch tensor on ``device`` (default: where it is, or CPU).

    Detached from any autograd graph; integer inputs become float64 and half-precision inputs
    float32 (the binning's near-edge test assumes at least float32 rounding).

    Raises
    ------
    ValueError
        If it has fewer than 2 dimensions, N < 1, d < 1, or holds NaN or infinity.
    """
    t = activations if isinstance(activations, torch.Tensor) else torch.from_numpy(np.asarray(activations))
    t = t.detach()
    if device is not None:
        t = t.to(device)
    if t.dim() < 2 or t.shape[-2] < 1 or t.shape[-1] < 1:
        raise ValueError(f"activations must have shape [..., N, d] with N, d >= 1, got {tuple(t.shape)}")
    if not t.is_floating_point():
        t = t.double()
    elif t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    if not torch.isfinite(t).all():
        bad = (~torch.isfinite(t)).nonzero()[0].tolist()
        raise ValueError(f"activations hold NaN or infinity (first at index {bad})")
    return t


def as_labels(labels, n_samples: int, device) -> tuple[torch.Tensor, int]:
    """Labels [N] as class indices 0 … C-1 (int64, on ``device``) and the number C of distinct
    labels; any integer values are accepted and mapped in increasing order.

    Raises
    ------
    ValueError
        If labels are not N integers.
    """
    y = labels if isinstance(labels, torch.Tensor) else torch.from_numpy(np.asarray(labels))
    if y.shape != (n_samples,):
        raise ValueError(f"labels must have shape [N] = [{n_samples}], got {tuple(y.shape)}")
    if y.is_floating_point():
        if not torch.equal(y, y.round()):
            raise ValueError("labels must be integers")
    classes, y = torch.unique(y.to(device=device, dtype=torch.int64), return_inverse=True)
    return y, len(classes)


def leading_batches(n_items: int, bytes_per_item: int, budget_bytes: int):
    """Slices of ``range(n_items)`` whose working sets fit in ``budget_bytes`` (at least one item each)."""
    step = max(1, budget_bytes // max(1, bytes_per_item))
    for start in range(0, n_items, step):
        yield slice(start, min(n_items, start + step))


def dense_ids(keys: torch.Tensor) -> torch.Tensor:
    """Replace int64 keys [B, N] (two dimensions) by ids in 0 … N-1 that are equal exactly where
    keys are equal (ranks of the distinct keys in each row)."""
    sorted_keys, order = torch.sort(keys, dim=-1)
    new = torch.ones_like(sorted_keys, dtype=torch.int64)
    new[:, 0] = 0
    new[:, 1:] = (sorted_keys[:, 1:] != sorted_keys[:, :-1]).long()
    return torch.empty_like(keys).scatter_(-1, order, new.cumsum(-1))


def distinct_row_ids(codes: torch.Tensor, radix) -> torch.Tensor:
    """Ids of the distinct rows of integer codes.

    Parameters
    ----------
    codes : integer-valued tensor [B, N, d] (float or int), column c holding 0 … radix[c]-1.
    radix : d ints.

    Returns
    -------
    int64 [B, N]: ids in 0 … N-1, equal for two rows of the same batch element exactly when
    their codes are equal. The columns are packed into one key in mixed radix: by one float64
    matrix-vector product when the number of possible rows is below 2^53 (every step exact),
    otherwise column by column in int64, re-ranking to ids below N whenever the key would pass
    62 bits, so the result is exact for any d.
    """
    radix = [int(r) for r in radix]
    n_batch, n, d = codes.shape
    if math.prod(radix) < 2**53:
        weights = [math.prod(radix[c + 1 :]) for c in range(d)]
        powers = torch.tensor(weights, dtype=torch.float64, device=codes.device)
        return dense_ids((codes.double() @ powers).long())
    codes = codes.long()
    limit = 1 << 62
    key = torch.zeros((n_batch, n), dtype=torch.int64, device=codes.device)
    key_range = 1
    for c in range(d):
        if key_range * radix[c] >= limit:
            key = dense_ids(key)
            key_range = n
        key = key * radix[c] + codes[:, :, c]
        key_range *= radix[c]
    return dense_ids(key)


def _entropy_from_counts(counts: torch.Tensor, totals: torch.Tensor) -> torch.Tensor:
    """Plug-in entropy in bits of each row of counts [B, K], normalised by totals [B]."""
    counts = counts.double()
    totals = totals.double().clamp(min=1.0)
    p = counts / totals[:, None]
    terms = torch.where(counts > 0, p * torch.log2(torch.where(counts > 0, p, 1.0)), 0.0)
    return -terms.sum(-1)


def discrete_information(ids: torch.Tensor, labels: torch.Tensor, n_classes: int):
    """I(X;T) and I(T;Y) in bits for a deterministic discrete representation.

    Parameters
    ----------
    ids : int64 [B, N], ids < N of the value of T for each of the N inputs.
    labels : int64 [N], classes < n_classes.

    Returns
    -------
    (I_XT, I_TY), float64 tensors [B]. Each input is one x with p(x) = 1/N and T = f(x) is
    deterministic, so H(T|X) = 0 and I(X;T) = H(T); I(T;Y) = H(T) - sum_y p(y) H(T|Y=y)
    ([ST17] §3, plug-in estimates).
    """
    n_batch, n = ids.shape
    offsets = torch.arange(n_batch, device=ids.device)[:, None] * (n * n_classes)
    flat = offsets + ids * n_classes + labels[None, :]
    counts = torch.bincount(flat.flatten(), minlength=n_batch * n * n_classes).view(n_batch, n, n_classes)
    n_y = torch.bincount(labels, minlength=n_classes).double()  # [C]
    h_t = _entropy_from_counts(counts.sum(-1), torch.full((n_batch,), n, device=ids.device))
    h_t_given_y = torch.zeros(n_batch, dtype=torch.float64, device=ids.device)
    for y in range(n_classes):
        if n_y[y] > 0:
            h_y = _entropy_from_counts(counts[:, :, y], n_y[y].expand(n_batch))
            h_t_given_y += (n_y[y] / n) * h_y
    return h_t, h_t - h_t_given_y
