"""Adaptive binning estimator of I(X;T) and I(T;Y) ([CHO19]).

Chelombiev, Houghton & O'Donnell (ICLR 2019) showed that bins fitted to each layer and epoch
reveal compression in ReLU networks that fixed bins miss. Their two adaptive schemes (their
public code, ``set_up_bins`` with ``per_layer_bins``), for one layer at one epoch, with ``low``
= 0 when every activation is >= 0 (ReLU, softplus) and -1 otherwise (tanh; the layer's own
minimum when it lies below -1):

* ``equal_mass`` (their entropy-based, "maxentropy" bins): U sorted distinct values of the
  layer (all units and inputs pooled, ``low`` excluded); edges ``[low] + [u[floor(k U / n_bins)]
  for k = 0 … n_bins-1] + [u[-1]]``, so the bins hold about equal numbers of distinct values;
* ``equal_width``: ``linspace(low, max, n_bins)`` with max the layer-epoch's largest value.

Each activation a becomes ``edges[digitize(a, edges) - 1]`` as in [ST17] (a value below
``edges[0]`` would wrap round to the last edge), and the plug-in information of the binned rows
follows as for :mod:`~infoplane.estimators.binning`:

    I(X;T) = H(T),   I(T;Y) = H(T) - sum_y p(y) H(T|Y=y)     (bits)

optionally with Miller-Madow's correction.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from ._bin_codes import adaptive_edges, as_float, edge_codes
from ._common import as_array
from ._discrete import CORRECTIONS, binned_information
from ..params import Parameter, check

__all__ = [
    "PARAMETERS", "SCHEMES", "check_params", "describe", "layer_edges", "bin_codes", "information_plane",
    "pooled_information",
]  # fmt: skip

SOURCE = "[CHO19] §3 and their code (set_up_bins)"
SCHEMES = ("equal_mass", "equal_width")
PARAMETERS = (
    Parameter("n_bins", "integer", 30, "number of bins fitted to each layer and epoch", "[CHO19]: 30", minimum=2),
    Parameter("scheme", "string", "equal_mass", "equal_mass: edges at equal steps through the sorted distinct "
              "values (entropy-based); equal_width: equal bins from 0 (or -1) to the layer's maximum",
              "[CHO19] maxentropy / per-layer max", choices=SCHEMES),
    Parameter("correction", "string", "none", "bias correction of the plug-in entropies",
              "Miller (1955), miller_madow", choices=CORRECTIONS),
)  # fmt: skip


def check_params(**params) -> dict:
    """Validate and complete the parameters (declared in :data:`PARAMETERS`).

    Raises
    ------
    ValueError
        For an undeclared parameter, ``n_bins`` not an integer >= 2, or an unknown ``scheme``
        or ``correction``.
    """
    return check(PARAMETERS, params)


def describe(params: Mapping) -> str:
    """A LaTeX phrase that defines the instance."""
    n = params["n_bins"]
    if params["scheme"] == "equal_mass":
        text = rf"[CHO19] adaptive binning: {n} equal-mass bins per layer and epoch (edges at equal steps through the sorted distinct values)"
    else:
        text = rf"[CHO19] adaptive binning: {n} equal-width bins from 0 (or $-1$) to each layer and epoch's maximum"
    if params["correction"] == "miller_madow":
        text += r"; Miller--Madow correction $+(m-1)/2N$ nats"
    return text


def layer_edges(values: np.ndarray, n_bins: int, scheme: str) -> np.ndarray:
    """Bin edges of one layer-epoch from all its activations ``values`` (any shape), float64
    (the equal-mass edges from :func:`._bin_codes.adaptive_edges`, as :func:`bin_codes` fits them).

    Raises
    ------
    ValueError
        For ``n_bins`` < 1 or ``values`` without elements.
    """
    values = as_float(np.asarray(values)).ravel()
    _check_bins(n_bins, values.size)
    if scheme == "equal_width":
        low = 0.0 if values.min() >= 0 else min(-1.0, float(values.min()))
        return np.linspace(low, float(values.max()), n_bins)
    edges, counts = adaptive_edges(np.sort(values)[None], n_bins)  # float32 stays float32: its sort is twice as fast
    return edges[0, : counts[0]]


def _check_bins(n_bins: int, size: int) -> None:
    """Raise ValueError for ``n_bins`` < 1 or a layer-epoch of ``size`` = 0 values."""
    if n_bins < 1 or size == 0:
        raise ValueError(f"adaptive binning needs n_bins >= 1 and a layer with values, got n_bins = {n_bins} and "
                         f"{size} values")


def bin_codes(activations: np.ndarray, n_bins: int, scheme: str) -> tuple[np.ndarray, list[int]]:
    """Codes [B, N, d] and the number of codes per column, for activations [B, N, d] binned per
    batch element.

    The codes are integer-valued float64: each value's index into its layer-epoch's edges as
    [CHO19] bin it, ``digitize(a, edges) - 1`` (the number of edges at or below a, minus one;
    a value below every edge wraps round to the last), counted in one compiled pass
    (:func:`._bin_codes.edge_codes`; the equal-mass edges from one sort of each layer-epoch's
    N x d values). The number of codes is the largest number of edges in the batch.

    Raises
    ------
    ValueError
        For a layer without values (N = 0 or d = 0) or ``n_bins`` < 1.
    """
    a = as_float(np.asarray(activations))
    n_batch, n, d = a.shape
    _check_bins(n_bins, n * d)
    if scheme == "equal_mass":
        edges, counts = adaptive_edges(np.sort(a.reshape(n_batch, n * d), axis=-1), n_bins)
    else:
        edges = np.array([layer_edges(layer, n_bins, scheme) for layer in a]).reshape(n_batch, n_bins)
        counts = np.full(n_batch, n_bins, dtype=np.int64)
    return edge_codes(a, edges, counts), [int(counts.max(initial=1))] * d


def information_plane(
    activations,
    labels,
    *,
    n_bins: int = 30,
    scheme: str = "equal_mass",
    correction: str = "none",
    device=None,
) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T) and I(T;Y) in bits with bins fitted to each layer and epoch ([CHO19]).

    Parameters
    ----------
    activations : array or tensor [..., N, d]: one layer's activations for the N inputs; each
        leading element (e.g. epoch, seed) gets its own bins.
    labels : int array [N].
    n_bins : number of bins (default 30); scheme : ``"equal_mass"`` or ``"equal_width"``.
    correction : ``"none"`` (plug-in) or ``"miller_madow"``.
    device : accepted for a uniform interface; the counting runs on the CPU (NumPy).

    Returns
    -------
    (I_XT, I_TY) : float64 arrays of the leading shape, in bits;
    0 <= I_TY <= I_XT <= log2 N and I_TY <= H(Y) for any finite input.

    Raises
    ------
    ValueError
        For bad parameters, shapes, labels, or non-finite activations.
    """
    params = check_params(n_bins=n_bins, scheme=scheme, correction=correction)
    t = as_array(activations)
    leading, (n, d) = t.shape[:-2], t.shape[-2:]
    codes = functools.partial(bin_codes, n_bins=params["n_bins"], scheme=params["scheme"])
    i_xt, i_ty = binned_information(t.reshape(-1, 1, n, d), labels, codes, params["correction"])
    return i_xt.reshape(leading), i_ty.reshape(leading)


def pooled_information(samples, labels, *, n_bins=30, scheme="equal_mass", correction="none", device=None):
    """Plug-in I(X;T), I(T;Y) in bits of S samples of T per input, with bins fitted to all S·N
    samples of each batch element (the ensemble and AIR estimators).

    ``samples`` [B, S, N, d] -> two float64 arrays [B].
    """
    params = check_params(n_bins=n_bins, scheme=scheme, correction=correction)
    codes = functools.partial(bin_codes, n_bins=params["n_bins"], scheme=params["scheme"])
    return binned_information(samples, labels, codes, params["correction"])
