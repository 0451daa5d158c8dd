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

from collections.abc import Mapping

import numpy as np

from ..params import check

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


def pooled_information(samples, labels, base: str, params: Mapping, device=None) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T), I(T;Y) in bits of S pooled samples per input, by the base estimator's own
    ``pooled_information`` (looked up by name, so a pooled instance's code is its base's).

    Parameters
    ----------
    samples : array or tensor [B, S, N, d]: for each of B batch elements, S samples of the
        layer for the N inputs.
    labels : int array [N].
    base : one of :data:`BASES`; params : the base's checked parameters.

    Returns
    -------
    (I_XT, I_TY), float64 [B], within 0 <= I_TY <= I_XT <= log2 N and I_TY <= H(Y).
    """
    from . import get

    return get(base).pooled_information(samples, labels, **params, device=device)
