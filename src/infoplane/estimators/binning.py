"""Binning estimator of I(X;T) and I(T;Y) ([ST17] §3, and the bin-size variant of [SB18]).

Each activation is replaced by the index of its bin, p(t) is the empirical distribution of the
distinct binned rows of T [N, d] over the N inputs (each input x has p(x) = 1/N), and

    I(X;T) = H(T) - H(T|X) = H(T)            (T is a deterministic function of X)
    I(T;Y) = H(T) - sum_y p(y) H(T|Y=y)

in bits (log base 2), by plug-in entropies, optionally with Miller-Madow's bias correction.

Bins:

* ``bin_size=None`` ([ST17], the definition of their public code): ``edges =
  numpy.linspace(-1, 1, n_bins)`` and each activation a becomes ``edges[digitize(a, edges) - 1]``.
  As in their code, a value below ``edges[0]`` wraps round to ``edges[-1]`` and every value at
  or above 1 lands in the last bin; comparisons are made in float64. Meant for tanh.
* ``bin_size=b`` ([SB18], ``simplebinmi``): each activation becomes ``floor(a / b)`` (computed in
  the activations' own precision, as NumPy did; in float64 where that precision overflows), for
  any activation range, e.g. ReLU.

The counting is one sort per batch element over N rows, batched over all leading dimensions
(:mod:`infoplane.estimators._discrete`).
"""

from __future__ import annotations

import functools

import numpy as np

from ._common import as_array, as_label_array, in_parallel, leading_batches
from ._bin_codes import sb18_codes, st17_index
from ._discrete import CORRECTIONS, binned_information, plugin_information, row_keys
from ..params import Parameter, check, format_value

__all__ = ["PARAMETERS", "information_plane", "pooled_information", "check_params", "describe", "bin_codes"]

SOURCE = "[ST17] §3; [SB18] (bin_size)"
PARAMETERS = (
    Parameter("n_bins", "integer", None, "number of bin edges on [-1, 1] (default 30 unless bin_size is given)",
              "[ST17] public code: linspace(-1, 1, 30)", minimum=2),
    Parameter("bin_size", "number", None, "bin width in activation units, floor(a / bin_size), any range",
              "[SB18] simplebinmi, 0.07", exclusive_minimum=0),
    Parameter("correction", "string", "none", "bias correction of the plug-in entropies",
              "Miller (1955), miller_madow", choices=CORRECTIONS),
)  # fmt: skip

#: Working set per batched call, bytes: a few dozen layer-epochs stay in the caches.
_BUDGET = 16 * 2**20


def check_params(**params) -> dict:
    """Validate and complete the parameters (declared in :data:`PARAMETERS`).

    Returns ``{"n_bins", "bin_size", "correction"}``: ``n_bins`` is 30 when neither it nor
    ``bin_size`` is given, and None when ``bin_size`` is.

    Raises
    ------
    ValueError
        For an undeclared parameter, both ``n_bins`` and ``bin_size``, ``n_bins`` not an
        integer >= 2, ``bin_size`` not > 0, or an unknown ``correction``.
    """
    out = check(PARAMETERS, params)
    if out["n_bins"] is not None and out["bin_size"] is not None:
        raise ValueError(
            f"give n_bins ([ST17] bins on [-1, 1]) or bin_size ([SB18]), not both "
            f"(n_bins={out['n_bins']}, bin_size={out['bin_size']})"
        )
    if out["bin_size"] is None and out["n_bins"] is None:
        out["n_bins"] = 30
    return out


def describe(params: dict) -> str:
    """A LaTeX phrase that defines the instance."""
    if params.get("bin_size") is not None:
        text = (rf"[SB18] binning: bins of width $b = {format_value(params['bin_size'])}$, "
                r"$\lfloor a / b \rfloor$, any activation range")  # fmt: skip
    else:
        n = params["n_bins"]
        text = (
            rf"[ST17] binning: {n} bin edges \texttt{{linspace(-1, 1, {n})}}, "
            r"$a \mapsto$ \texttt{edges[digitize(a, edges) - 1]} (values outside $[-1, 1]$ land in the last bin)"
        )
    if params.get("correction", "none") == "miller_madow":
        text += r"; Miller--Madow correction $+(m-1)/2N$ nats"
    return text


def _st17_bin_index(a: np.ndarray, n_bins: int) -> np.ndarray:
    """``numpy.digitize(a, linspace(-1, 1, n_bins)) - 1`` with the wrap-round, as float64 integers.

    The index is ``floor((a + 1) c)`` with ``c = (n_bins - 1) / 2``, i.e. ``floor(a c) + c`` for
    an integer c and ``floor(a c + 1/2) + c - 1/2`` otherwise. For float32 activations this is
    computed in float64, where ``a c`` and the addition of 1/2 are exact (24 + 21 significant
    bits), so the index is exact against the rational edges ``-1 + 2k / (n_bins - 1)``; the few
    float32 numbers that lie between a rational edge and NumPy's rounded float64 edge (found
    once per ``n_bins``; none for most) are then set to NumPy's bin; values below -1 wrap round to
    n_bins - 1 ([ST17]). That arithmetic runs compiled (:func:`._bin_codes.st17_index`). For
    float64 activations ``digitize`` itself is used. Equal to ``digitize`` for every value
    (tests compare them).
    """
    if a.dtype == np.float32 and n_bins <= 2**20:
        return st17_index(a, n_bins, _float32_exceptions(n_bins))
    index = (np.digitize(a, np.linspace(-1.0, 1.0, n_bins)) - 1).astype(np.float64)
    index[index < 0] = n_bins - 1.0  # [ST17]: edges[-1] for values below -1
    return index


@functools.lru_cache(maxsize=64)
def _float32_exceptions(n_bins: int) -> tuple[tuple[float, float], ...]:
    """(value, digitize index) of the float32 numbers next to NumPy's float64 edges whose bin
    by the rational edges differs from NumPy's."""
    edges = np.linspace(-1.0, 1.0, n_bins)
    near = edges.astype(np.float32)
    candidates = np.unique(np.concatenate([near, np.nextafter(near, np.float32(-2)), np.nextafter(near, np.float32(2))]))
    c = (n_bins - 1) / 2.0
    rational = np.floor(candidates.astype(np.float64) * c + (c - int(c))) + int(c)  # exact, as above
    numpy_index = np.digitize(candidates, edges) - 1
    differ = np.clip(rational, -1, n_bins - 1) != numpy_index
    return tuple((float(v), float(i)) for v, i in zip(candidates[differ], numpy_index[differ]))


def _rank_columns(values: np.ndarray) -> np.ndarray:
    """Dense ranks along axis 1 of [B, L, d], per column: equal exactly where values are equal."""
    order = np.argsort(values, axis=1, kind="stable")
    sorted_values = np.take_along_axis(values, order, axis=1)
    new = np.ones(values.shape, dtype=np.int64)
    new[:, 0] = 0
    new[:, 1:] = sorted_values[:, 1:] != sorted_values[:, :-1]
    ranks = np.empty_like(new)
    np.put_along_axis(ranks, order, np.cumsum(new, axis=1), axis=1)
    return ranks


def bin_codes(activations: np.ndarray, *, n_bins: int | None, bin_size: float | None):
    """Bin codes of activations [B, N, d] and the number of codes of each column.

    Returns (codes, radix): codes are integers [B, N, d] (integer-valued float64; int64 for [SB18]
    floors that are not finite in the activations' precision or span 2^53) in 0 … radix[c]-1, equal exactly where the binned values are equal.
    For [ST17] the code of a is the index into ``edges`` of the value their code assigns,
    ``(digitize(a, edges) - 1) mod n_bins`` (wrap-round included); for [SB18] it is
    ``floor(a / bin_size)`` minus its minimum over the N inputs, or, when the floors span 2^53
    or more (activations of 1e15 and more), the rank of the floor among the column's distinct
    floors; exact for any finite input.

    Raises
    ------
    ValueError
        Unless exactly one of ``n_bins`` and ``bin_size`` is given, or when ``a / bin_size``
        overflows float64.
    """
    activations = np.asarray(activations)
    if (n_bins is None) == (bin_size is None):
        raise ValueError(f"give exactly one of n_bins and bin_size (n_bins={n_bins}, bin_size={bin_size})")
    if bin_size is None:
        return _st17_bin_index(activations, n_bins), [n_bins] * activations.shape[-1]
    if activations.dtype in (np.float32, np.float64) and activations.size:
        compiled = sb18_codes(activations, bin_size)  # the same codes in one pass; None: the cases below
        if compiled is not None:
            return compiled
    with np.errstate(over="ignore"):
        floors = np.floor(activations / bin_size)  # the activations' own precision, as [SB18]
        if not np.isfinite(floors).all():
            floors = np.floor(activations.astype(np.float64) / bin_size)
    if not np.isfinite(floors).all():
        raise ValueError(f"activations up to {float(np.abs(activations).max()):.3g} overflow a / bin_size "
                         f"in float64 (bin_size={bin_size})")  # fmt: skip
    floors = floors.astype(np.float64, copy=False) - floors.min(axis=1, keepdims=True)
    codes = floors.astype(np.int64) if floors.max() < 2**53 else _rank_columns(floors)
    return codes, (codes.max(axis=(0, 1)) + 1).tolist()


def information_plane(
    activations,
    labels,
    *,
    n_bins: int | None = None,
    bin_size: float | None = None,
    correction: str = "none",
    device=None,
) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T) and I(T;Y) in bits by binning ([ST17] §3; [SB18] with ``bin_size``).

    Parameters
    ----------
    activations : array or tensor [..., N, d]
        One layer's activations T for the N inputs; leading dimensions (e.g. epochs, seeds) are
        estimated together in batched calls.
    labels : int array [N] (any integer values; only which inputs share a label matters).
    n_bins : number of [ST17] bin edges on [-1, 1] (default 30).
    bin_size : [SB18] bin width (e.g. 0.07); exclusive with ``n_bins``.
    correction : ``"none"`` (plug-in) or ``"miller_madow"``.
    device : accepted for a uniform interface; binning always counts on the CPU (NumPy).

    Returns
    -------
    (I_XT, I_TY) : float64 numpy arrays of the leading shape, in bits.
    0 <= I_TY <= I_XT <= log2 N, and I_TY <= H(Y), for any finite input.

    Raises
    ------
    ValueError
        For bad parameters, shapes, labels, or non-finite activations.
    """
    params = check_params(n_bins=n_bins, bin_size=bin_size, correction=correction)
    t = as_array(activations)
    leading, (n, d) = t.shape[:-2], t.shape[-2:]
    y, n_classes = as_label_array(labels, n)
    flat = t.reshape(-1, n, d)
    i_xt = np.empty(flat.shape[0])
    i_ty = np.empty_like(i_xt)

    def run(part: slice) -> None:
        codes, radix = bin_codes(flat[part], n_bins=params["n_bins"], bin_size=params["bin_size"])
        keys, key_range = row_keys(codes, radix)
        i_xt[part], i_ty[part] = plugin_information(keys[:, None], key_range, y, n_classes, params["correction"])

    in_parallel(run, list(leading_batches(flat.shape[0], n * (d * 8 * 2 + 8 * 6), _BUDGET)))
    return i_xt.reshape(leading), i_ty.reshape(leading)


def pooled_information(samples, labels, *, n_bins=None, bin_size=None, correction="none", device=None):
    """Plug-in I(X;T), I(T;Y) in bits of S samples of T per input, binned with one set of bins
    for all S·N samples (the ensemble and AIR estimators, :mod:`infoplane.estimators._pooling`).

    ``samples`` [B, S, N, d] -> two float64 arrays [B].
    """
    params = check_params(n_bins=n_bins, bin_size=bin_size, correction=correction)
    codes = functools.partial(bin_codes, n_bins=params["n_bins"], bin_size=params["bin_size"])
    return binned_information(samples, labels, codes, params["correction"])
