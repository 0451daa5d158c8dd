"""Conditional mutual information of continuous samples by k nearest neighbours.

Frenzel and Pompe (2007), eq. 2, the conditional form of [KSG04] algorithm 1: with the max-norm
in the joint space (X, Y, Z), eps_i the distance from point i to its k-th nearest other point,
and n_xz(i), n_yz(i), n_z(i) the numbers of other points strictly closer than eps_i to it in the
subspaces (X, Z), (Y, Z) and Z (max-norm too),

    I(X;Y|Z) = psi(k) - < psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1) >      (nats).

Without Z (no columns) it is [KSG04]'s I(X;Y) = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >,
since then n_z = N - 1 for every point. The searches are scipy's ``cKDTree``. Like [KSG04] it
assumes continuous densities: ties (repeated rows) bias it; callers add a tiny noise to
quantised data (:func:`conditional_mutual_information`'s ``jitter``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import digamma

__all__ = ["conditional_mutual_information", "as_columns"]


def as_columns(values, name: str, n: int | None = None) -> np.ndarray:
    """``values`` as a float64 array [N, d] (a vector becomes one column).

    Raises
    ------
    ValueError
        Naming ``name``, for more than two dimensions, non-finite values or a length other
        than ``n``.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"{name} must be [N] or [N, d], got shape {array.shape}")
    if n is not None and len(array) != n:
        raise ValueError(f"{name} has {len(array)} samples, expected {n}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds non-finite values")
    return array


def _strictly_within(points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Other points strictly closer than ``radius`` (max-norm) to each point."""
    from scipy.spatial import cKDTree

    inside = np.nextafter(radius, 0.0)  # cKDTree counts distances <= r; strictly closer than eps
    return cKDTree(points).query_ball_point(points, inside, p=np.inf, return_length=True) - 1


def conditional_mutual_information(x, y, z=None, *, k: int = 4, jitter: float = 0.0, seed: int = 0) -> float:
    """I(X;Y|Z) in bits by the Frenzel-Pompe estimator (module docstring); I(X;Y) without Z.

    Parameters
    ----------
    x, y : samples [N] or [N, d_x], [N, d_y]; z : [N] or [N, d_z], or None.
    k : neighbours (4 in Frenzel and Pompe's examples; at most N - 1).
    jitter : standard deviation of Gaussian noise added to every column, relative to that
        column's standard deviation (Kraskov et al.'s remedy for ties); 0 for none.
    seed : seed of the jitter.

    Returns
    -------
    float, bits; not clipped (a small negative value is the estimator's bias at zero).

    Raises
    ------
    ValueError
        For shapes that disagree, non-finite values, or k outside 1 … N - 1.
    """
    x = as_columns(x, "x")
    n = len(x)
    y = as_columns(y, "y", n)
    z = np.zeros((n, 0)) if z is None else as_columns(z, "z", n)
    if not 1 <= int(k) < n:
        raise ValueError(f"k must lie in 1 … N - 1 = {n - 1}, got {k}")
    parts = [x, y, z]
    if jitter:
        rng = np.random.default_rng(seed)
        parts = [p + jitter * p.std(0, keepdims=True) * rng.standard_normal(p.shape) for p in parts]
    x, y, z = parts
    from scipy.spatial import cKDTree

    joint = np.hstack([x, y, z])
    distances, _ = cKDTree(joint).query(joint, k=int(k) + 1, p=np.inf)
    eps = distances[:, -1]
    n_xz = _strictly_within(np.hstack([x, z]), eps)
    n_yz = _strictly_within(np.hstack([y, z]), eps)
    n_z = _strictly_within(z, eps) if z.shape[1] else np.full(n, n - 1)
    nats = digamma(k) - np.mean(digamma(n_xz + 1) + digamma(n_yz + 1) - digamma(n_z + 1))
    return float(nats / math.log(2.0))
