"""Information of a layer whose value for an input is a sample: S samples of p(t|x) per input,
pooled ([ST17]-style counting or the [KT17] bounds over all S·N samples). Shared by the ensemble
(seeds pooled) and AIR (epochs pooled) estimators.

With X uniform over the N inputs and the S samples of each input equally likely,

    I(X;T) = H(T) - H(T|X),      I(T;Y) = H(T) - sum_y p(y) H(T|Y=y)

where H(T) is over all S·N samples, H(T|Y=y) over the S·N_y samples of class y and H(T|X=x)
over the S samples of input x. With S identical samples this is the base estimator on one
sample (H(T|X) = 0 for binning, one Gaussian for the KDE bounds), which the tests check.

* binning bases: one set of bins for all S·N samples (for ``adaptive_binning`` fitted to the
  pooled values), plug-in counts (:func:`infoplane.estimators._discrete.plugin_information`);
* ``kde``: p(t) is the mixture of S·N Gaussians of variance s2 and p(t|x) the mixture of the S
  Gaussians of input x; every entropy is bounded by the same [KT17] bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch

from ._params import check

__all__ = ["BASES", "check_pooled", "pooled_information"]

#: Estimators a pooled estimator can use on the pooled samples.
BASES = ("binning", "adaptive_binning", "kde")


def check_pooled(own_parameters, params: Mapping) -> dict:
    """Check a pooled estimator's own parameters (``base`` …) and its base's; returns both, merged.

    Raises
    ------
    ValueError
        For an unknown base, or bad own or base parameters (naming the base).
    """
    from . import get

    own_names = {p.name for p in own_parameters}
    own = check(own_parameters, {k: v for k, v in params.items() if k in own_names})
    base_params = {k: v for k, v in params.items() if k not in own_names}
    try:
        base = get(own["base"]).check_params(**base_params)
    except (TypeError, ValueError) as error:
        raise ValueError(f"base {own['base']!r}: {error}") from None
    return {**own, **base}


def _binned_keys(samples: np.ndarray, base: str, params: Mapping):
    from ._discrete import row_keys
    from . import adaptive_binning, binning

    n_batch, n_draws, n, d = samples.shape
    flat = samples.reshape(n_batch, n_draws * n, d)
    if base == "binning":
        codes, radix = binning.bin_codes(flat, n_bins=params["n_bins"], bin_size=params["bin_size"])
    else:
        codes, radix = adaptive_binning.bin_codes(flat, params["n_bins"], params["scheme"])
    keys, key_range = row_keys(codes, radix)
    return keys.reshape(n_batch, n_draws, n), key_range


def _kde_pooled(samples: torch.Tensor, y: torch.Tensor, n_classes: int, s2: float, bound: str):
    from ._kernels import kernel_sums
    from .kde import entropy_bound

    n_draws, n, d = samples.shape
    width = s2 if bound == "upper" else 4.0 * s2
    points = samples.reshape(n_draws * n, d)
    groups = y.repeat(n_draws)
    (sums,) = kernel_sums(points, groups, n_classes, [width])
    m = n_draws * n
    h_t = entropy_bound(sums.sum(-1).log(), m, d, s2, bound)
    h_t_given_y = torch.zeros((), dtype=torch.float64, device=samples.device)
    for c in range(n_classes):
        rows = groups == c
        count = int(rows.sum())
        if count:
            h_t_given_y = h_t_given_y + count / m * entropy_bound(sums[rows, c].log(), count, d, s2, bound)
    per_input = samples.double().transpose(0, 1)  # [N, S, d]
    distances = torch.cdist(per_input, per_input, compute_mode="donot_use_mm_for_euclid_dist").square()
    within = torch.logsumexp(-distances / (2.0 * width), dim=-1)  # [N, S]
    h_t_given_x = entropy_bound(within, n_draws, d, s2, bound).mean()
    return float(h_t - h_t_given_x) / math.log(2), float(h_t - h_t_given_y) / math.log(2)


def pooled_information(samples, labels, base: str, params: Mapping, device=None) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T), I(T;Y) in bits of S pooled samples per input.

    Parameters
    ----------
    samples : array or tensor [B, S, N, d]: for each of B batch elements, S samples of the
        layer for the N inputs.
    labels : int array [N].
    base : one of :data:`BASES`; params : the base's checked parameters.

    Returns
    -------
    (I_XT, I_TY), float64 [B], clipped to 0 <= I_TY <= I_XT <= log2 N, I_TY <= H(Y)
    (binning bases meet them exactly; the KDE bounds' differences can fall slightly outside).
    """
    from ._common import as_array, as_label_array, as_labels, as_tensor
    from ._discrete import plugin_information

    n = np.shape(samples)[-2]
    if base in ("binning", "adaptive_binning"):
        s = as_array(samples)
        y, n_classes = as_label_array(labels, n)
        keys, key_range = _binned_keys(s, base, params)
        return plugin_information(keys, key_range, y, n_classes, params["correction"])
    t = as_tensor(samples, device)
    y, n_classes = as_labels(labels, n, t.device)
    p_y = torch.bincount(y, minlength=n_classes).double() / n
    h_y = float(-(p_y[p_y > 0] * torch.log2(p_y[p_y > 0])).sum())
    i_xt, i_ty = np.empty(t.shape[0]), np.empty(t.shape[0])
    for b in range(t.shape[0]):
        xt, ty = _kde_pooled(t[b], y, n_classes, params["noise_variance"], params["bound"])
        i_xt[b] = min(max(xt, 0.0), math.log2(n))
        i_ty[b] = min(max(ty, 0.0), i_xt[b], h_y)
    return i_xt, i_ty
