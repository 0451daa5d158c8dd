"""k-nearest-neighbour estimators of mutual information ([KSG04]; [Ross14] for a discrete label).

* :func:`mutual_information` (two continuous samples, [KSG04] algorithm 1, eq. 8): with the
  max-norm in the joint space Z = (X, T), eps_i the distance from z_i to its k-th neighbour,
  and n_x(i), n_t(i) the numbers of points strictly closer than eps_i to x_i and to t_i in the
  marginal spaces (max-norm too),

      I(X;T) = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_t + 1) >          (nats).

* I(T;Y) with a discrete label ([Ross14] eq. 2, as scikit-learn's ``mutual_info_classif``
  computes it for one feature; here for d dimensions, max-norm): for each point, d_i is the
  distance to its k-th neighbour among the N_y points of its own label and m_i the number of
  all points strictly within d_i (itself included):

      I(T;Y) = psi(N) - < psi(N_y) > + psi(k) - < psi(m) >                (nats).

  Points whose label occurs once are left out, and k is at most N_y - 1, as in scikit-learn.

:func:`information_plane` gives I(X;T) between the network's inputs X [N, d_x] and the layer
T, and I(T;Y), in bits. Up to :data:`BRUTE_FORCE_MAX` points of at least
:data:`PAIRWISE_MIN_UNITS` units the searches compare every pair, one row of max-norm
distances at a time in a compiled pass on the job's threads (:mod:`._knn_pass`,
:func:`_brute_force_nats`); otherwise they are scipy's
``cKDTree`` (k nearest neighbours) and scikit-learn's ``KDTree`` (counts within a radius, which
counts whole tree nodes at once). Both give the same counts, so the same estimates (tested).

Bounds: the estimates are clipped to 0 <= I(T;Y) <= I(X;T) <= log2 N and I(T;Y) <= H(Y). The
clips are not cosmetic: [KSG04] assumes continuous densities, and on N distinct inputs X with
ties in their distances (the 12-bit Tishby inputs are all 1 apart in the max-norm) n_x is 0 and
the raw estimate can pass H(X) = log2 N; the validation study shows where this estimator fails.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import numpy as np
from scipy.special import digamma

from ._common import as_array, as_label_array, threads_allowed
from ..params import Parameter, check

__all__ = ["PARAMETERS", "USES_INPUTS", "check_params", "data_problems", "width_problems", "MAX_DIMENSIONS", "describe", "mutual_information", "information_plane"]

SOURCE = "[KSG04] algorithm 1; [Ross14] eq. 2"
PARAMETERS = (
    Parameter("k", "integer", 3, "number of nearest neighbours", "[KSG04]; scikit-learn's default 3", minimum=1),
)
USES_INPUTS = True
#: The pairwise searches (layers of :data:`PAIRWISE_MIN_UNITS` units or more) run on the job's
#: threads (see :data:`BRUTE_FORCE_MAX`).
PARALLEL = True
#: Largest joint dimension d_x + d (inputs X and layer T) at which this estimator is run. Beyond
#: it, KSG's max-norm neighbour counts lose their resolution (every point's k-th neighbour in
#: the joint space is about as far as most points in each marginal space) and the estimate falls
#: towards 0 whatever the truth. Measured with the validation study's tasks (N = 1000 and 4096):
#: a 2-bit Gaussian I(X;T) spread over 32 + 32 dimensions comes out at 0.10 and 0.26 bits, over
#: 64 + 64 at 0.11 bits; a deterministic layer of 64 units over the 12-bit Tishby inputs (joint
#: 76, truth log2 N = 9.97 bits) at 0.2 to 0.7 bits; at 784 + 1024 dimensions 0.00 bits, in
#: 79 s per layer-epoch at N = 4096 on one core with the trees (9.4 s with 2 threads pairwise;
#: on a tanh(Wx) layer of 4096 Fashion-MNIST images, truth 12 bits, it gives 4.7 bits). Below
#: it, the validation study gives the bias.
MAX_DIMENSIONS = 64


def check_params(**params) -> dict:
    """Validate and complete the parameters (declared in :data:`PARAMETERS`).

    Raises
    ------
    ValueError
        For an undeclared parameter or ``k`` not an integer >= 1.
    """
    return check(PARAMETERS, params)


def data_problems(params: Mapping, *, n_samples: int | None, n_epochs: int) -> list[str]:
    """k must be below the number of probe rows N ([KSG04]: the k-th neighbour among N - 1 others)."""
    if n_samples is not None and int(params["k"]) >= n_samples:
        return [f"k = {params['k']} needs more than k probe rows, the experiment records {n_samples}"]
    return []


def width_problems(params: Mapping, *, widths, input_width: int) -> list[str]:
    """Layers whose joint dimension with the inputs (``input_width`` + units) exceeds
    :data:`MAX_DIMENSIONS`, where KSG's estimate no longer follows the truth (see there)."""
    too_wide = [(layer, width) for layer, width in enumerate(widths, start=1) if input_width + width > MAX_DIMENSIONS]
    if not too_wide:
        return []
    shown = ", ".join(f"layer {layer} ({width} units)" for layer, width in too_wide[:4])
    shown += f" and {len(too_wide) - 4} more" if len(too_wide) > 4 else ""
    return [f"k-NN (KSG) estimates I(X;T) in the joint space of the inputs ({input_width} values) and the layer: "
            f"with {shown} it exceeds {MAX_DIMENSIONS} dimensions, beyond which its estimate falls towards 0 bits "
            f"whatever the truth (validation study; infoplane.estimators.knn.MAX_DIMENSIONS); leave it out of "
            f"this experiment or record narrower layers"]  # fmt: skip


def describe(params: Mapping) -> str:
    """A LaTeX phrase that defines the instance."""
    return (rf"[KSG04] $k$-NN estimator, $k = {params['k']}$, max-norm: $I(X;T)$ between inputs and layer "
            r"(algorithm 1), $I(T;Y)$ by [Ross14]")  # fmt: skip


def _kth_distance(points: np.ndarray, k: int) -> np.ndarray:
    """Max-norm distance from each point to its k-th nearest other point."""
    from scipy.spatial import cKDTree

    distances, _ = cKDTree(points).query(points, k=k + 1, p=np.inf, workers=threads_allowed())
    return distances[:, -1]


def _count_within(points: np.ndarray, radius: np.ndarray, queries: np.ndarray | None = None) -> np.ndarray:
    """Points within ``radius`` (max-norm, inclusive) of each query (default: of each point,
    itself included), counted node by node by scikit-learn's ``KDTree``."""
    from sklearn.neighbors import KDTree

    return KDTree(points, metric="chebyshev").query_radius(points if queries is None else queries, radius, count_only=True)


class _Inputs:
    """What KSG needs of the inputs X [N, d_x], computed once for all layer-epochs: ``equidistant``,
    the one distance between every two distinct inputs where there is one (1 on the 12-bit Tishby
    inputs), else None; each point's largest distance to any point (max-norm: per coordinate,
    the farther of the column's minimum and maximum); and, for the tree searches only (on first
    use), each point's k-th neighbour distance."""

    def __init__(self, x: np.ndarray, k: int):
        self.x = x
        self.k = k
        self.farthest = np.maximum(x - x.min(0), x.max(0) - x).max(1)
        if len(x) <= BRUTE_FORCE_MAX:  # every pair: cheaper than a tree on inputs whose distances all tie
            from ._knn_pass import nearest_distances

            nearest = nearest_distances(x)
        else:
            nearest = _kth_distance(x, 1)
        # (constant inputs, all 0 apart, are not "equidistant": their joint distance is the layer's)
        self.equidistant = float(nearest[0]) if nearest.min() == self.farthest.max() > 0 else None

    @functools.cached_property
    def kth(self) -> np.ndarray:
        """Max-norm distance from each input to its k-th nearest other input."""
        return _kth_distance(self.x, self.k)

    def count_within(self, radius: np.ndarray) -> np.ndarray:
        """Points with d_x <= radius (itself included): all N where the ball holds every point."""
        counts = np.full(len(radius), len(self.x))
        partial = np.flatnonzero(radius < self.farthest)
        if partial.size:
            counts[partial] = _count_within(self.x, queries=self.x[partial], radius=radius[partial])
        return counts


_PREPARED: dict = {}


def _prepared_inputs(x: np.ndarray, k: int) -> _Inputs:
    """:class:`_Inputs` of ``x``, kept for the next call with the same inputs and k."""
    import hashlib

    key = (hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(), x.shape, k)
    if key not in _PREPARED:
        _PREPARED.clear()
        _PREPARED[key] = _Inputs(x, k)
    return _PREPARED[key]


def _ksg_from_counts(n: int, k: int, n_x: np.ndarray, n_z: np.ndarray) -> float:
    """[KSG04] eq. 8 in nats from each point's marginal counts n_x, n_z [N]."""
    return float(digamma(n) + digamma(k) - np.mean(digamma(n_x + 1)) - np.mean(digamma(n_z + 1)))


def _ross_from_counts(k_used: np.ndarray, label_counts: np.ndarray, m: np.ndarray) -> float:
    """[Ross14] eq. 2 in nats over the kept points [M]: each one's k, its label's size N_y and
    its count m of all kept points within its radius (itself included)."""
    return float(digamma(len(m)) + np.mean(digamma(k_used)) - np.mean(digamma(label_counts)) - np.mean(digamma(m)))


#: Largest number of points N at which the searches compare every pair (the compiled pass of
#: :mod:`._knn_pass`, on the job's threads) instead of walking trees: O(N^2 d) work, against trees
#: that run on one thread and, at the layers' widths and N = 4096, visit most pairs anyway.
BRUTE_FORCE_MAX = 16384
#: Fewest layer units at which the pairwise pass runs. Measured on trained Tishby layers (N = 4096,
#: the default study's seed 0 at 4 recorded epochs from 0 to 8000, ms of one thread per
#: layer-epoch, pairwise / trees, 2026-12-04):
#: d = 10: 49 / 569 (tanh), 49 / 408 (ReLU); d = 7: 40 / 124, 45 / 85; d = 5: 37 / 58, 35 / 54;
#: d = 4: 32 / 42, 31 / 39; d = 3: 29 / 30, 29 / 43; d = 2: 26 / 22, 27 / 33.
PAIRWISE_MIN_UNITS = 2


def _pairwise(n: int, d: int) -> bool:
    """Whether N points of d units are searched pair by pair (else by trees)."""
    return n <= BRUTE_FORCE_MAX and d >= PAIRWISE_MIN_UNITS


def _brute_force_nats(inputs: "_Inputs", z: np.ndarray, labels: np.ndarray | None, k: int) -> tuple[float, float]:
    """[KSG04] algorithm 1 (I(X;Z)) and, given ``labels``, [Ross14] (I(Z;Y)), in nats, from every
    pair of points (:func:`._knn_pass.neighbour_counts`): the same counts as the tree searches of
    :func:`_ksg_nats` and :func:`_ross_nats`, so the same estimates. Where every two inputs are
    the same distance apart (``inputs.equidistant``) no distance of X is computed. Returns
    (I(X;Z), I(Z;Y)); I(Z;Y) is nan without labels."""
    from ._knn_pass import neighbour_counts

    n = len(z)
    n_x, n_z, m = neighbour_counts(z, labels=labels, k=k, inputs=inputs.x, equidistant=inputs.equidistant,
                                   threads=threads_allowed())
    ksg = _ksg_from_counts(n, k, n_x, n_z)
    if labels is None:
        return ksg, math.nan
    label_counts = np.bincount(labels)[labels]
    kept = label_counts > 1  # [Ross14]: a label that occurs once is left out
    if not kept.any():
        return ksg, 0.0
    return ksg, _ross_from_counts(np.minimum(k, label_counts - 1)[kept], label_counts[kept], m[kept])


def _ksg_nats(inputs: "_Inputs", z: np.ndarray, k: int) -> float:
    """[KSG04] algorithm 1 in nats, exact; fast where the inputs tie.

    eps_i (the joint k-th neighbour distance) is at least L_i = max(k-th neighbour distance in
    X, in Z), since a joint distance is at least either. Where the closed joint ball of radius
    L_i holds k other points, eps_i = L_i and n_x, n_z are the counts strictly inside L_i; only
    the other points need a neighbour search in the joint space. Where the X ball of radius L_i
    holds every input (on the 12-bit Tishby inputs, all 1 apart, it always does), the joint
    ball is the Z ball and needs no search of its own.
    """
    from scipy.spatial import cKDTree

    x = inputs.x
    n = len(x)
    lower = np.maximum(inputs.kth, _kth_distance(z, k))  # L_i <= eps_i
    radius = np.nextafter(lower, 0)
    n_z = _count_within(z, radius) - 1  # strictly inside L_i: the counts if eps_i = L_i
    n_x = inputs.count_within(radius) - 1
    # eps_i = L_i iff the closed joint ball of radius L_i holds k other points. Where the X ball
    # of radius L_i holds every input, that ball is the closed Z ball, which holds at least the
    # n_z points strictly inside it.
    joint = np.where(lower >= inputs.farthest, n_z, -1)
    others = np.flatnonzero(lower < inputs.farthest)
    if others.size:
        both = np.hstack([x, z])
        joint[others] = _count_within(both, queries=both[others], radius=lower[others]) - 1
    settled = joint >= k
    open_ = np.flatnonzero(~settled)
    if open_.size:  # the joint k-th neighbour lies at L_i or beyond: search for it
        both = np.hstack([x, z])
        distances, _ = cKDTree(both).query(both[open_], k=k + 1, p=np.inf, workers=threads_allowed())
        r_open = np.nextafter(distances[:, -1], 0)
        n_z[open_] = _count_within(z, queries=z[open_], radius=r_open) - 1
        n_x[open_] = _count_within(x, queries=x[open_], radius=r_open) - 1
    return _ksg_from_counts(n, k, n_x, n_z)


def mutual_information(x, z, *, k: int = 3) -> float:
    """I(X;Z) in bits between two continuous samples by [KSG04] algorithm 1 (max-norm).

    Parameters
    ----------
    x : array [N, d_x]; z : array [N, d_z] (1-D arrays are one column); N > k.
    k : number of nearest neighbours (default 3).

    Returns
    -------
    float, bits; the raw estimate (it can be slightly negative when X and Z are independent).

    Raises
    ------
    ValueError
        If the samples differ in length, hold NaN or infinity, or N <= k.
    """
    k = check_params(k=k)["k"]
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    z = np.asarray(z, dtype=np.float64).reshape(len(z), -1)
    if len(x) != len(z):
        raise ValueError(f"x and z must have the same number of samples, got {len(x)} and {len(z)}")
    if len(x) <= k:
        raise ValueError(f"need more than k = {k} samples, got {len(x)}")
    if not (np.isfinite(x).all() and np.isfinite(z).all()):
        raise ValueError("x and z must be finite")
    inputs = _Inputs(x, k)
    nats = _brute_force_nats(inputs, z, None, k)[0] if _pairwise(*z.shape) else _ksg_nats(inputs, z, k)
    return nats / math.log(2)


def _ross_nats(t: np.ndarray, y: np.ndarray, k: int) -> float:
    n = len(y)
    radius = np.zeros(n)
    k_used = np.zeros(n)
    label_counts = np.bincount(y)[y]
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        if len(members) > 1:
            k_label = min(k, len(members) - 1)
            radius[members] = np.nextafter(_kth_distance(t[members], k_label), 0)
            k_used[members] = k_label
    keep = label_counts > 1
    if not keep.any():
        return 0.0
    m = _count_within(t[keep], radius[keep])
    return _ross_from_counts(k_used[keep], label_counts[keep], m)


def information_plane(activations, labels, *, k: int = 3, inputs=None, device=None) -> tuple[np.ndarray, np.ndarray]:
    """I(X;T) ([KSG04], inputs against layer) and I(T;Y) ([Ross14]) in bits.

    Parameters
    ----------
    activations : array or tensor [..., N, d]: one layer's activations for the N inputs;
        leading dimensions are estimated one after another.
    labels : int array [N].
    k : number of nearest neighbours (default 3).
    inputs : array [N, d_x], the network's inputs X (required).
    device : accepted for a uniform interface; the searches run on the CPU (the job's threads).

    Returns
    -------
    (I_XT, I_TY) : float64 arrays of the leading shape, in bits, clipped to
    0 <= I_TY <= I_XT <= log2 N and I_TY <= H(Y) (see the module docstring).

    Raises
    ------
    ValueError
        For bad parameters, shapes, labels, non-finite values, missing inputs, or N <= k.
    """
    k = check_params(k=k)["k"]
    t = as_array(activations).astype(np.float64)
    leading, (n, d) = t.shape[:-2], t.shape[-2:]
    if inputs is None:
        raise ValueError("the knn estimator needs the network's inputs X: pass inputs=[N, d_x]")
    x = as_array(np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)[None])[0]
    if len(x) != n:
        raise ValueError(f"inputs have {len(x)} rows but the activations {n}")
    if n <= k:
        raise ValueError(f"need more than k = {k} inputs, got {n}")
    y, _ = as_label_array(labels, n)
    p_y = np.bincount(y) / n
    h_y = float(-(p_y[p_y > 0] * np.log2(p_y[p_y > 0])).sum())
    flat = t.reshape(-1, n, d)
    i_xt = np.empty(flat.shape[0])
    i_ty = np.empty(flat.shape[0])
    prepared = _prepared_inputs(x, k)  # the same inputs for every layer-epoch of a job
    for b, layer in enumerate(flat):
        if _pairwise(n, d):
            ksg, ross = _brute_force_nats(prepared, layer, y, k)
        else:
            ksg, ross = _ksg_nats(prepared, layer, k), _ross_nats(layer, y, k)
        i_xt[b] = min(max(ksg / math.log(2), 0.0), math.log2(n))
        i_ty[b] = min(max(ross / math.log(2), 0.0), i_xt[b], h_y)
    return i_xt.reshape(leading), i_ty.reshape(leading)
