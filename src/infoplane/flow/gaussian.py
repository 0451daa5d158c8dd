"""Conditional mutual information of jointly Gaussian variables (the linear estimator).

For jointly Gaussian X, Y, Z the conditional mutual information is a ratio of determinants of
covariance blocks S (each entropy is 1/2 log det(2 pi e S), Cover and Thomas 2006, Theorem 8.4.1),

    I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(Z) - H(X,Y,Z)
             = 1/2 log2( det(S_xz) det(S_yz) / (det(S_z) det(S_xyz)) )        (bits),

with det(S_z) = 1 when Z is empty. With the sample covariances it is the estimator JIDT calls
``ConditionalMutualInfoCalculatorMultiVariateGaussian``, and on the embedded samples of
:func:`~infoplane.flow.transfer.embed` the one of ``TransferEntropyCalculatorGaussian``: for
Gaussian variables the transfer entropy is half the Granger causality statistic, the log-ratio
of the target's residual variances without and with the source, F = 2 TE in nats (Barnett,
Barrett and Seth 2009, PRL 103, 238701, their main result). It converges to the transfer
entropy of linear Gaussian processes and sees only the linear part of other dependences; it has
no ``k``, ties do not bias it (no jitter), and it costs O(N d^2) instead of the k-nearest-neighbour
searches.
"""

from __future__ import annotations

import math

import numpy as np

from .cmi import as_columns

__all__ = ["gaussian_conditional_mutual_information", "conditioned_variance"]

#: A column whose standard deviation is at most this fraction of its largest magnitude is constant.
CONSTANT_TOLERANCE = 1e-12
#: A block whose correlation matrix has an eigenvalue at most this is singular (collinear columns).
COLLINEAR_TOLERANCE = 1e-10


def _check_block(cov: np.ndarray, columns: list[int], name: str, scales: np.ndarray, n: int) -> None:
    """Raise a ValueError naming ``name`` when ``cov[columns][:, columns]`` is singular."""
    block = cov[np.ix_(columns, columns)]
    variances = np.diag(block)
    constant = variances <= (CONSTANT_TOLERANCE * scales[columns]) ** 2
    if constant.any():
        which = f"{name} is" if len(columns) == 1 else f"column(s) {np.flatnonzero(constant).tolist()} of {name} are"
        raise ValueError(f"the covariance of {name} is singular: {which} constant over the {n} samples")
    correlation = block / np.sqrt(np.outer(variances, variances))
    smallest = float(np.linalg.eigvalsh(correlation)[0])
    if smallest <= COLLINEAR_TOLERANCE:
        raise ValueError(f"the covariance of {name} is singular (smallest eigenvalue of its correlation matrix "
                         f"{smallest:.3g}): its columns are collinear over the {n} samples")  # fmt: skip


def _log_det(matrix: np.ndarray) -> float:
    if matrix.size == 0:
        return 0.0
    sign, value = np.linalg.slogdet(matrix)
    return float(value) if sign > 0 else -math.inf


def gaussian_conditional_mutual_information(x, y, z=None, *, names: tuple[str, str, str] = ("x", "y", "z")) -> float:
    """I(X;Y|Z) in bits of jointly Gaussian variables from their sample covariance,
    1/2 log2( det(S_xz) det(S_yz) / (det(S_z) det(S_xyz)) ) (module docstring: Cover and Thomas
    2006, Theorem 8.4.1; Barnett, Barrett and Seth 2009); I(X;Y) without Z.

    Parameters
    ----------
    x, y : samples [N] or [N, d_x], [N, d_y]; z : [N] or [N, d_z], or None (no columns,
        det(S_z) = 1). Each sample is a row; the covariances are over the N rows (the 1/(N - 1)
        normalisation cancels in the ratio).
    names : what the errors call x, y and z (e.g. the target's present, the source's past and
        the target's past).

    Returns
    -------
    float, bits; >= 0 up to rounding (it is the conditional mutual information of the Gaussian
    with the sample covariance), -1/2 log2(1 - rho^2) for scalars with partial correlation rho.

    Raises
    ------
    ValueError
        For shapes that disagree or non-finite values (as
        :func:`~infoplane.flow.cmi.conditional_mutual_information`), and for a singular
        covariance, naming (with ``names``) the first singular block of x, y, z, (x, z), (y, z),
        (x, y, z): a constant column (e.g. a constant series), collinear columns, or fewer samples
        than d_x + d_y + d_z + 1.
    """
    name_x, name_y, name_z = names
    x = as_columns(x, name_x)
    n = len(x)
    y = as_columns(y, name_y, n)
    z = np.zeros((n, 0)) if z is None else as_columns(z, name_z, n)
    if n < 2:
        raise ValueError(f"a sample covariance needs at least 2 samples, got {n}")
    joint = np.hstack([x, y, z])
    cov = np.atleast_2d(np.cov(joint, rowvar=False))
    scales = np.abs(joint).max(axis=0)
    dx, dy, dz = x.shape[1], y.shape[1], z.shape[1]
    ix = list(range(dx))
    iy = list(range(dx, dx + dy))
    iz = list(range(dx + dy, dx + dy + dz))
    blocks = [(name_x, ix), (name_y, iy), (name_z, iz), (f"({name_x}, {name_z})", ix + iz),
              (f"({name_y}, {name_z})", iy + iz), (f"({name_x}, {name_y}, {name_z})", ix + iy + iz)]  # fmt: skip
    for name, columns in blocks:
        if columns:
            _check_block(cov, columns, name, scales, n)
    # the determinants of the correlation blocks: the variances cancel in the ratio, as the scale does
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)

    def log_det(columns):
        return _log_det(corr[np.ix_(columns, columns)])

    nats = 0.5 * (log_det(ix + iz) + log_det(iy + iz) - log_det(iz) - log_det(ix + iy + iz))
    return float(nats / math.log(2.0))


def conditioned_variance(variance: float, cross: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """var(S | C) = var(S) - c^T cov(C)^-1 c for each row c of ``cross`` [B, d] (the covariances of
    one scalar S with the d columns C, whose covariance is ``cov`` [d, d]): the Schur complement,
    det(S_sc) / det(S_c). An empty C (d = 0) leaves ``variance``."""
    cross = np.atleast_2d(cross)
    if cross.shape[1] == 0:
        return np.full(len(cross), float(variance))
    inverse = np.linalg.inv(np.linalg.cholesky(cov))  # d is small (1 + history): the factor's inverse is cheap
    whitened = inverse @ cross.T
    return float(variance) - np.einsum("db,db->b", whitened, whitened)
