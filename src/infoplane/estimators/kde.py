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
1e-1 for MNIST. Both bounds reduce to I(X;T) = log N - mean_i log sum_j exp(-D_ij / 2w) (w = s2
or 4 s2), so 0 <= I(X;T) <= log2 N for any finite layer: every kernel term is at most 1 and the
self term is exactly 1.

Computation (:func:`infoplane.estimators._kernels.kernel_sums`): one pass over the upper
triangle of the kernel per layer-epoch; terms below 2^-40 are left out. On the CPU the pass is
fused and compiled (:mod:`infoplane.estimators._fused`: float32 coordinate differences,
Cody-Waite float32 exponentials, float64 accumulation); elsewhere it is a tensor pass (float64
distances, float32 exponentials). When both bounds are asked for with the same noise variance
(:func:`information_planes`), the upper bound's kernel is the fourth power of the lower
bound's, from the same pass. Both stay within 1e-7 bits of the float64 formula (tests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from ._common import as_labels, as_tensor
from ._kernels import kernel_sums
from ..params import Parameter, check, format_value

__all__ = [
    "PARAMETERS", "NOISE_MODEL", "check_params", "describe", "shared_pass", "information_plane",
    "information_planes", "pooled_information", "entropy_bound", "conditional_entropy",
]  # fmt: skip

SOURCE = "[KT17] eq. 10; [SB18] kde.py"
#: Long kernel passes (wide layers) are split over the job's threads (infoplane.estimators._fused).
PARALLEL = True
BOUNDS = ("upper", "lower")
PARAMETERS = (
    Parameter("noise_variance", "number", 1e-3, "variance s2 of the Gaussian noise added to T, squared activation units",
              "[SB18]: 1e-3 for the Tishby network, 1e-1 for MNIST", exclusive_minimum=0),
    Parameter("bound", "string", "upper", "upper (H_KL) or lower (H_BD) bound of the mixture entropy",
              "[KT17] eqs. 10 and 11", choices=BOUNDS),
)  # fmt: skip
NOISE_MODEL = True


def check_params(**params) -> dict:
    """Validate and complete the parameters (declared in :data:`PARAMETERS`).

    Raises
    ------
    ValueError
        For an undeclared parameter, ``noise_variance`` not a finite number > 0, or ``bound``
        not ``"upper"`` or ``"lower"``.
    """
    return check(PARAMETERS, params)


def describe(params: Mapping) -> str:
    """A LaTeX phrase that defines the instance."""
    bound = "upper bound $H_{\\mathrm{KL}}$" if params["bound"] == "upper" else "lower bound $H_{\\mathrm{BD}}$"
    return rf"[KT17] KDE {bound}, noise variance $s^2 = {format_value(params['noise_variance'])}$"


def shared_pass(params: Mapping):
    """Instances with the same noise variance share one pass over the pairwise distances."""
    return ("kde", float(params["noise_variance"]))


def conditional_entropy(d: int, noise_variance: float) -> float:
    """H(T|X) in nats of the added Gaussian noise, ``(d/2)(log(2 pi s2) + 1)`` ([SB18] ``kde_condentropy``)."""
    return 0.5 * d * (math.log(2.0 * math.pi * noise_variance) + 1.0)


def entropy_bound(log_sums, n: int, d: int, noise_variance: float, bound: str):
    """[KT17] bound on the mixture entropy in nats from the per-row log kernel sums [..., n] (a
    tensor or an array; the result is of the same kind, with the leading shape).

    ``log_sums`` must have been computed with kernel width ``noise_variance`` for the upper
    bound and ``4 * noise_variance`` for the lower bound.

    Raises
    ------
    ValueError
        If ``bound`` is not ``"upper"`` or ``"lower"``.
    """
    return _bound_from_mean_log(log_sums.mean(-1), n, d, noise_variance, bound)


def _bound_from_mean_log(mean_log_sums, n: int, d: int, noise_variance: float, bound: str):
    """:func:`entropy_bound` from the mean over rows of the log kernel sums (nats)."""
    if bound not in BOUNDS:
        raise ValueError(f"bound must be one of {BOUNDS}, got {bound!r}")
    width = noise_variance if bound == "upper" else 4.0 * noise_variance
    h = 0.5 * d - (mean_log_sums - math.log(n) - 0.5 * d * math.log(2.0 * math.pi * width))  # H_KL with this width
    if bound == "lower":
        h = h + 0.5 * d * math.log(0.25)  # H_BD
    return h


def information_from_sums(sums, y, n_classes: int, d: int, noise_variance: float, bound: str, clip: bool = True):
    """I(X;T), I(T;Y) in bits from per-row, per-class kernel sums [N, C] (rows in input order).

    ``sums`` and the labels ``y`` [N] may be tensors (on any device) or arrays; the few
    operations on N rows run in NumPy, so that no thread pool of torch is woken (its threads
    would spin on the other cores through the next kernel pass).

    With ``clip`` (default) the values are clipped into 0 <= I(T;Y) <= I(X;T) <= log2 N, I(T;Y) <= H(Y): the bounds' formulas obey the
    first three up to rounding; I(T;Y) can fall a little below 0 on layers that carry no label
    information (it is a difference of two bounds), and is then reported as 0.
    """
    sums = sums.detach().cpu().numpy() if isinstance(sums, torch.Tensor) else np.asarray(sums, dtype=np.float64)
    y = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    n = sums.shape[0]
    h_t = entropy_bound(np.log(sums.sum(-1)), n, d, noise_variance, bound)
    h_t_given_y = 0.0
    n_y = np.bincount(y, minlength=n_classes)
    # each row's log sum over its own class, summed by class: the class-conditional bounds' means
    log_own = np.bincount(y, weights=np.log(sums[np.arange(n), y]), minlength=n_classes)
    for c in np.flatnonzero(n_y):
        h_t_given_y += int(n_y[c]) / n * float(_bound_from_mean_log(log_own[c] / n_y[c], int(n_y[c]), d, noise_variance, bound))
    i_xt = float((h_t - conditional_entropy(d, noise_variance)) / math.log(2))
    i_ty = float((h_t - h_t_given_y) / math.log(2))
    if not clip:
        return i_xt, i_ty
    p_y = n_y[n_y > 0] / n
    h_y = float(-(p_y * np.log2(p_y)).sum())
    i_xt = min(max(i_xt, 0.0), math.log2(n))
    return i_xt, min(max(i_ty, 0.0), i_xt, h_y)


def information_planes(
    activations, labels, params_list: Sequence[Mapping], *, device: str | torch.device | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Several KDE instances on the same activations, one kernel pass per noise variance.

    Returns one ``(I_XT, I_TY)`` pair per entry of ``params_list`` (see :func:`information_plane`).
    """
    checked = [check_params(**p) for p in params_list]
    t = as_tensor(activations, device)
    leading, (n, d) = t.shape[:-2], t.shape[-2:]
    y, n_classes = as_labels(labels, n, t.device)
    flat = t.reshape(-1, n, d)
    results = [(np.empty(flat.shape[0]), np.empty(flat.shape[0])) for _ in checked]
    for s2 in sorted({p["noise_variance"] for p in checked}):
        members = [k for k, p in enumerate(checked) if p["noise_variance"] == s2]
        bounds = {checked[k]["bound"] for k in members}
        widths = [4.0 * s2, s2] if bounds == {"upper", "lower"} else [4.0 * s2 if "lower" in bounds else s2]
        for b in range(flat.shape[0]):
            sums = kernel_sums(flat[b], y, n_classes, widths)
            by_bound = dict(zip(["lower", "upper"] if len(widths) == 2 else list(bounds), sums))
            for k in members:
                bound = checked[k]["bound"]
                results[k][0][b], results[k][1][b] = information_from_sums(by_bound[bound], y, n_classes, d, s2, bound)
    return [(i_xt.reshape(leading), i_ty.reshape(leading)) for i_xt, i_ty in results]


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
        estimated one after another in one call.
    labels : int array [N] (any integer values).
    noise_variance : s2, the variance of the Gaussian noise added to T (default 1e-3, [SB18]'s
        value for the Tishby network), in squared activation units.
    bound : ``"upper"`` (H_KL) or ``"lower"`` (H_BD).
    device : torch device for the computation (default: the tensor's, else CPU).

    Returns
    -------
    (I_XT, I_TY) : float64 numpy arrays of the leading shape, in bits, with
    0 <= I_TY <= I_XT <= log2 N and I_TY <= H(Y) for any finite input: 0 when all rows
    coincide, log2 N when they are far apart compared with sqrt(s2).

    Raises
    ------
    ValueError
        For bad parameters, shapes, labels, or non-finite activations.
    """
    return information_planes(activations, labels, [{"noise_variance": noise_variance, "bound": bound}], device=device)[0]


def pooled_information(samples, labels, *, noise_variance: float = 1e-3, bound: str = "upper", device=None):
    """KDE bound of I(X;T), I(T;Y) in bits with S samples of T per input (the ensemble and AIR
    estimators): p(t) is the mixture of all S·N Gaussians of variance s2, p(t|x) the mixture of
    the S Gaussians of input x, p(t|y) of the S·N_y of class y, and every entropy is bounded by
    the same [KT17] bound. With S identical samples this equals :func:`information_plane`.

    ``samples`` [B, S, N, d] -> two float64 arrays [B], clipped to
    0 <= I(T;Y) <= I(X;T) <= log2 N and I(T;Y) <= H(Y).
    """
    params = check_params(noise_variance=noise_variance, bound=bound)
    s2, bound = params["noise_variance"], params["bound"]
    t = as_tensor(samples, device)
    n_batch, n_draws, n, d = t.shape
    y, n_classes = as_labels(labels, n, t.device)
    width = s2 if bound == "upper" else 4.0 * s2
    groups = y.repeat(n_draws)
    p_y = torch.bincount(y, minlength=n_classes).double() / n
    h_y = float(-(p_y[p_y > 0] * torch.log2(p_y[p_y > 0])).sum())
    out = (np.empty(n_batch), np.empty(n_batch))
    for b in range(n_batch):
        (sums,) = kernel_sums(t[b].reshape(n_draws * n, d), groups, n_classes, [width])
        i_xt, i_ty = information_from_sums(sums, groups, n_classes, d, s2, bound, clip=False)
        per_input = t[b].double().transpose(0, 1)  # [N, S, d]
        distances = torch.cdist(per_input, per_input, compute_mode="donot_use_mm_for_euclid_dist").square()
        within = torch.logsumexp(-distances / (2.0 * width), dim=-1)  # [N, S]
        h_t_given_x = float(entropy_bound(within, n_draws, d, s2, bound).mean())
        # information_from_sums took H(T|X) of one Gaussian; replace it by the pooled one
        i_xt += (conditional_entropy(d, s2) - h_t_given_x) / math.log(2)
        out[0][b] = min(max(i_xt, 0.0), math.log2(n))
        out[1][b] = min(max(i_ty, 0.0), out[0][b], h_y)
    return out
