"""The ensemble ("extended") estimator: p(t|x) sampled across independently trained seeds.

A deterministic network has H(T|X) = 0, so binning and KDE measure the geometry of one
network's layer rather than a noise that training removes. The extended estimator of the
project's seed document ``001`` treats the S networks an experiment trains from different seeds
as S draws of T for each input x: the activations of the same layer at the same epoch, pooled
over all S seeds, give p(t|x) with S samples, and H(T|X) can be positive.

    activations [..., S, N, d]  ->  I(X;T), I(T;Y)  [...]   (bits)

computed by a base estimator on the pooled samples (:mod:`infoplane.estimators._pooling`):
``binning`` or ``adaptive_binning`` (one set of bins for all S·N samples) or ``kde`` (the
mixture of all S·N Gaussians). With S identical networks it equals the base estimator on one.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..params import Parameter
from ._pooling import BASES, check_pooled, pooled_information

__all__ = ["PARAMETERS", "POOLS", "BASES", "check_params", "describe", "information_plane"]

SOURCE = "seed document 001 (extended MI estimator)"
POOLS = "seeds"
PARAMETERS = (
    Parameter("base", "string", "binning", "estimator applied to the samples pooled over seeds",
              "binning [ST17], adaptive_binning [CHO19] or kde [KT17]", choices=BASES),
)  # fmt: skip


def check_params(**params) -> dict:
    """Validate ``base`` and the base estimator's own parameters; returns both, completed.

    Raises
    ------
    ValueError
        For an unknown base or a bad parameter of it.
    """
    return check_pooled(PARAMETERS, params)


def describe(params: Mapping) -> str:
    """A LaTeX phrase that defines the instance."""
    from . import describe as describe_base

    base = {k: v for k, v in params.items() if k != "base"}
    return rf"ensemble (extended) estimator: $p(t|x)$ from all seeds of the experiment, pooled; base: {describe_base(params['base'], base)}"


def information_plane(activations, labels, *, base: str = "binning", device=None, **base_params):
    """I(X;T) and I(T;Y) in bits with the layer pooled over seeds.

    Parameters
    ----------
    activations : array or tensor [..., S, N, d]: the layer of S seeds for the N inputs.
    labels : int array [N].
    base : ``"binning"``, ``"adaptive_binning"`` or ``"kde"``; ``base_params`` its parameters.
    device : torch device for the ``kde`` base.

    Returns
    -------
    (I_XT, I_TY) : float64 arrays of the leading shape ``activations.shape[:-3]``, in bits,
    within 0 <= I_TY <= I_XT <= log2 N and I_TY <= H(Y).

    Raises
    ------
    ValueError
        For bad parameters, or activations with fewer than 3 dimensions.
    """
    import numpy as np

    params = check_params(base=base, **base_params)
    shape = np.shape(activations)
    if len(shape) < 3:
        raise ValueError(f"activations must have shape [..., S, N, d], got {tuple(shape)}")
    leading = tuple(shape[:-3])
    samples = activations.reshape(-1, *shape[-3:])
    own = {k: v for k, v in params.items() if k != "base"}
    i_xt, i_ty = pooled_information(samples, labels, params["base"], own, device)
    return i_xt.reshape(leading), i_ty.reshape(leading)
