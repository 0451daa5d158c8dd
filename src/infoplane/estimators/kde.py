"""KDE (pairwise-distance) bounds on I(X;T) and I(T;Y) ([KT17], as used by [SB18]).

The layer is read as the noisy representation T + Z, Z ~ N(0, s2 I), so p(t) is a mixture of N
Gaussians centred on the rows of T [N, d]. With D_ij = ||t_i - t_j||^2 ([KT17] eq. 10 and the
[SB18] code ``kde.py``):

    upper bound  H_KL(T) = d/2 - mean_i [ logsumexp_j(-D_ij / (2 s2)) - log N - (d/2) log(2 pi s2) ]
    lower bound  H_BD(T) = H_KL(T) evaluated with 4 s2, plus (d/2) log(1/4)
    H(T|X)       = (d/2) (log(2 pi s2) + 1)                      (one Gaussian component)

    I(X;T) = H(T) - H(T|X)
    I(T;Y) = H(T) - sum_y p(y) H(T|Y=y)     (the same bound on both terms, H(T|Y=y) over the
                                            inputs of class y)

in nats, then divided by log 2 to give bits. [SB18] use s2 = 1e-3 for the Tishby network and
1e-1 for MNIST.

Computation: for each row i, the sums of ``exp(-D_ij / (2 s2))`` over the j of each class come
from one pass over the upper triangle of the symmetric N x N kernel, in cache-sized row
blocks, in float64 (the distance D is formed as |t_i|^2 + |t_j|^2 - 2 t_i.t_j on centred
activations; in float32 its rounding error grows with |t|^2 / s2 and spoils the estimate for
unbounded activations such as ReLU). The self term D_ii = 0 makes every row sum >= 1, so no
max-subtraction is needed; exponents below -60 are clipped there (each such term is < 1e-26).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ._common import LOG2, as_labels, as_tensor, leading_batches

__all__ = ["information_plane", "check_params", "entropy_bound", "conditional_entropy"]

BOUNDS = ("upper", "lower")
# Bytes of kernel block held at once: a few MB stay in the CPU caches (measured 4x faster than
# 128 MB blocks on 2 cores); a GPU wants large blocks.
_BUDGET_CPU = 8 * 2**20
_BUDGET_CUDA = 512 * 2**20
_CLIP = -60.0


def check_params(*, noise_variance: float = 1e-3, bound: str = "upper") -> dict:
    """Validate and complete the parameters; returns ``{"noise_variance": …, "bound": …}``.

    Raises
    ------
    ValueError
        If ``noise_variance`` is not > 0 or ``bound`` is not ``"upper"`` or ``"lower"``.
    """
    if isinstance(noise_variance, bool) or not float(noise_variance) > 0 or not math.isfinite(float(noise_variance)):
        raise ValueError(f"noise_variance must be a finite number > 0, got {noise_variance!r}")
    if bound not in BOUNDS:
        raise ValueError(f"bound must be one of {BOUNDS}, got {bound!r}")
    return {"noise_variance": float(noise_variance), "bound": bound}


def _kernel_sums(t: torch.Tensor, bounds: Sequence[int], width: float, budget: int) -> torch.Tensor:
    """Per-row kernel sums within each class, for activations [B, N, d] sorted by class.

    ``bounds[c]:bounds[c+1]`` are the rows of class c. Returns float64 [B, N, C] with entry
    ``[b, i, c] = sum_{j in class c} exp(-D_ij / (2 width))``.

    The exponent comes from one matrix product of augmented rows, ``[s_i, -h_i, 1] .
    [s_j, 1, -h_j] = s_i.s_j - h_i - h_j = -D_ij / (2 width)`` with ``s = t / sqrt(width)``
    and ``h = |s|^2 / 2``; only the upper triangle of the symmetric kernel is evaluated, in
    row blocks of ``budget`` bytes, and each block adds its transpose to the rows below.
    """
    n_batch, n, _ = t.shape
    n_classes = len(bounds) - 1
    x = t.double()
    x = x - x.mean(dim=1, keepdim=True)
    s = x / math.sqrt(width)
    h = 0.5 * (s * s).sum(-1, keepdim=True)
    ones = torch.ones_like(h)
    left = torch.cat([s, -h, ones], dim=-1)  # [B, N, d+2]
    right = torch.cat([s, ones, -h], dim=-1).transpose(1, 2).contiguous()  # [B, d+2, N]
    sums = torch.zeros(n_batch, n, n_classes, dtype=torch.float64, device=t.device)
    rows = max(1, min(n, budget // (8 * n * n_batch)))
    for a in range(0, n, rows):
        b = min(n, a + rows)
        kernel = torch.bmm(left[:, a:b], right[:, :, a:])  # [B, rows, N - a], columns a…N-1
        kernel.clamp_(min=_CLIP, max=0.0).exp_()
        for c in range(n_classes):
            lo, hi = bounds[c], bounds[c + 1]
            if hi > a:  # class-c columns j >= a, for the block's rows
                sums[:, a:b, c] += kernel[:, :, max(lo, a) - a : hi - a].sum(-1)
            r0, r1 = max(lo, a), min(hi, b)
            if r1 > r0 and b < n:  # the block's class-c rows, for the rows j >= b below
                sums[:, b:, c] += kernel[:, r0 - a : r1 - a, b - a :].sum(1)
    return sums


def conditional_entropy(d: int, noise_variance: float) -> float:
    """H(T|X) in nats of the added Gaussian noise, ``(d/2)(log(2 pi s2) + 1)`` ([SB18] ``kde_condentropy``)."""
    return 0.5 * d * (math.log(2.0 * math.pi * noise_variance) + 1.0)


def entropy_bound(log_sums: torch.Tensor, n: int, d: int, noise_variance: float, bound: str) -> torch.Tensor:
    """[KT17] bound on the mixture entropy in nats from the per-row log kernel sums [..., n].

    ``log_sums`` must have been computed with kernel width ``noise_variance`` for the upper
    bound and ``4 * noise_variance`` for the lower bound.

    Raises
    ------
    ValueError
        If ``bound`` is not ``"upper"`` or ``"lower"``.
    """
    if bound not in BOUNDS:
        raise ValueError(f"bound must be one of {BOUNDS}, got {bound!r}")
    width = noise_variance if bound == "upper" else 4.0 * noise_variance
    log_p = log_sums - math.log(n) - 0.5 * d * math.log(2.0 * math.pi * width)
    h = 0.5 * d - log_p.mean(-1)  # H_KL with this width
    if bound == "lower":
        h = h + 0.5 * d * math.log(0.25)  # H_BD
    return h


def information_plane(
    activations,
    labels,
    *,
    noise_variance: float = 1e-3,
    bound: str = "upper",
    device: str | torch.device | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """KDE upper or lower bound of I(X;T) and I(T;Y) in bits ([KT17]; [SB18] §2 and appendix).

    Parameters
    ----------
    activations : array or tensor [..., N, d]
        One layer's activations for the N inputs; leading dimensions (epochs, seeds) are
        estimated together in batched calls.
    labels : int array [N], classes 0 … C-1.
    noise_variance : s2, the variance of the Gaussian noise added to T (default 1e-3, [SB18]'s
        value for the Tishby network), in squared activation units.
    bound : ``"upper"`` (H_KL) or ``"lower"`` (H_BD).
    device : torch device for the computation (default: the tensor's, else CPU).

    Returns
    -------
    (I_XT, I_TY) : float64 numpy arrays of the leading shape, in bits. I_XT lies in
    [0, log2 N]: 0 when all rows coincide, log2 N when they are far apart compared with sqrt(s2).

    Raises
    ------
    ValueError
        For bad parameters, shapes, labels, or non-finite activations.
    """
    params = check_params(noise_variance=noise_variance, bound=bound)
    s2, bound = params["noise_variance"], params["bound"]
    t = as_tensor(activations, device)
    leading, (n, d) = t.shape[:-2], t.shape[-2:]
    y, n_classes = as_labels(labels, n, t.device)
    order = torch.argsort(y, stable=True)  # rows sorted by class: classes are column ranges
    n_y = torch.bincount(y, minlength=n_classes)
    bounds = [0, *torch.cumsum(n_y, 0).tolist()]
    width = s2 if bound == "upper" else 4.0 * s2
    h_t_given_x = conditional_entropy(d, s2)
    flat = t.reshape(-1, n, d)[:, order]
    i_xt = torch.empty(flat.shape[0], dtype=torch.float64, device=t.device)
    i_ty = torch.empty_like(i_xt)
    budget = _BUDGET_CUDA if t.device.type == "cuda" else _BUDGET_CPU
    # Leading elements go through in groups that keep a block of >= 64 rows within the budget.
    for part in leading_batches(flat.shape[0], 8 * n * min(n, 64), budget):
        sums = _kernel_sums(flat[part], bounds, width, budget)  # [B, N, C]
        h_t = entropy_bound(sums.sum(-1).log(), n, d, s2, bound)
        h_t_given_y = torch.zeros_like(h_t)
        for c in range(n_classes):
            lo, hi = bounds[c], bounds[c + 1]
            if hi > lo:
                h_c = entropy_bound(sums[:, lo:hi, c].log(), hi - lo, d, s2, bound)
                h_t_given_y += (hi - lo) / n * h_c
        i_xt[part] = (h_t - h_t_given_x) / LOG2
        i_ty[part] = (h_t - h_t_given_y) / LOG2
    return i_xt.reshape(leading).cpu().numpy(), i_ty.reshape(leading).cpu().numpy()
