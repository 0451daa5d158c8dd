"""AIR, "as if random": p(t|x) sampled across a window of consecutive epochs of one network.

The project's seed document ``003`` proposes that late in training, when a network's weights
only diffuse, the activations of W consecutive recorded epochs of one network can be read as W
draws of T for each input x ("as if random"), so that H(T|X) > 0 without training more
networks. For every window of W consecutive recorded epochs,

    activations [..., E, N, d]  ->  I(X;T), I(T;Y)  [..., E - W + 1]   (bits, one per window end)

computed by a base estimator on the pooled samples, exactly as the ensemble estimator does
across seeds (:mod:`infoplane.estimators._pooling`). The estimate is meaningful where the
window's epochs are close: the recording schedule's dense tail (``record.tail``) records every
epoch of the last K epochs for this.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..params import Parameter
from ._pooling import BASES, check_pooled, pooled_information

__all__ = ["PARAMETERS", "POOLS", "BASES", "check_params", "data_problems", "describe", "information_plane"]

SOURCE = "seed document 003 (AIR, as if random)"
POOLS = "epochs"
PARAMETERS = (
    Parameter("window", "integer", 10, "number W of consecutive recorded epochs pooled", "seed document 003", minimum=2),
    Parameter("base", "string", "binning", "estimator applied to the samples pooled over the window",
              "binning [ST17], adaptive_binning [CHO19] or kde [KT17]", choices=BASES),
)  # fmt: skip


def check_params(**params) -> dict:
    """Validate ``window``, ``base`` and the base estimator's own parameters.

    Raises
    ------
    ValueError
        For ``window`` < 2, an unknown base or a bad parameter of it.
    """
    return check_pooled(PARAMETERS, params)


def data_problems(params: Mapping, *, n_samples: int | None, n_epochs: int) -> list[str]:
    """A window of W consecutive recorded epochs needs at least W of them."""
    if int(params["window"]) > n_epochs:
        return [f"window = {params['window']} pools {params['window']} consecutive recorded epochs, the experiment "
                f"records {n_epochs} (record more epochs, e.g. a tail, or a smaller window)"]
    return []


def describe(params: Mapping) -> str:
    """A LaTeX phrase that defines the instance."""
    from . import describe as describe_base

    base = {k: v for k, v in params.items() if k not in ("base", "window")}
    return (rf"AIR (as if random): $p(t|x)$ from a window of {params['window']} consecutive recorded epochs of one "
            rf"network; base: {describe_base(params['base'], base)}")  # fmt: skip


def information_plane(activations, labels, *, window: int = 10, base: str = "binning", device=None, **base_params):
    """I(X;T) and I(T;Y) in bits for every window of ``window`` consecutive epochs.

    Parameters
    ----------
    activations : array or tensor [..., E, N, d]: one network's layer at E consecutive
        recorded epochs, for the N inputs.
    labels : int array [N].
    window : W, epochs pooled (2 <= W <= E).
    base : ``"binning"``, ``"adaptive_binning"`` or ``"kde"``; ``base_params`` its parameters.
    device : torch device for the ``kde`` base.

    Returns
    -------
    (I_XT, I_TY) : float64 arrays [..., E - W + 1], in bits; entry e is the window that ends
    at epoch index e + W - 1. Within 0 <= I_TY <= I_XT <= log2 N and I_TY <= H(Y).

    Raises
    ------
    ValueError
        For bad parameters, fewer than 3 dimensions, or fewer than W epochs.
    """
    params = check_params(window=window, base=base, **base_params)
    shape = np.shape(activations)
    if len(shape) < 3:
        raise ValueError(f"activations must have shape [..., E, N, d], got {tuple(shape)}")
    w = params["window"]
    if shape[-3] < w:
        raise ValueError(f"window = {w} needs at least {w} epochs, got {shape[-3]}")
    leading = tuple(shape[:-3])
    n_windows = shape[-3] - w + 1
    flat = activations.reshape(-1, *shape[-3:])
    own = {k: v for k, v in params.items() if k not in ("base", "window")}
    windows = [flat[:, e : e + w] for e in range(n_windows)]  # [B, W, N, d] each
    if isinstance(flat, np.ndarray):
        stacked = np.stack(windows, axis=1)
    else:  # a torch tensor
        import torch

        stacked = torch.stack(windows, dim=1)
    i_xt, i_ty = pooled_information(stacked.reshape(-1, w, *shape[-2:]), labels, params["base"], own, device)
    return i_xt.reshape(*leading, n_windows), i_ty.reshape(*leading, n_windows)
