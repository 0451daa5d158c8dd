"""Mutual information of the noisy layer T + Z by Monte Carlo ([GBG19] sample propagation).

Goldfeld et al. (ICML 2019) make the layer stochastic, T' = f(X) + Z with Z ~ N(0, s2 I), so
that I(X;T') is finite and the distribution of T' given the N equally likely inputs is a known
mixture of N Gaussians, p(t') = (1/N) sum_j N(t'; t_j, s2 I). Its mutual informations are
expectations over an input i and a noise draw z, which Monte Carlo estimates to any precision:

    I(X;T') = E[ log N - log sum_j K_ij ]
    I(T';Y) = E[ log N - log N_{y_i} + log sum_{j: y_j = y_i} K_ij - log sum_j K_ij ]

    K_ij = exp(-(|t_i + z - t_j|^2 - |z|^2) / (2 s2))        (K_ii = 1)

in nats, then bits. This is h(T') - h(T'|X) with the noise's own density subtracted inside the
expectation (a control variate: the chi-square fluctuation of |z|^2 cancels), so each sample of
I(X;T') lies in [log N - log(1 + sum_{j != i} K_ij), log N] and the Monte Carlo error is small.
These are the true values for the model the KDE bounds ([KT17]) bound, so they show how far
those bounds are from the truth.

Sampling: ``n_samples`` draws; when it is at least N every input gets ``ceil(n_samples / N)``
noise draws (stratified), otherwise a random subset of inputs gets one draw each. The noise
comes from ``torch.Generator().manual_seed(sample_seed)``, the same for every call, so successive
epochs share their noise (common random numbers: differences between epochs are more precise
than the values). The standard error reported is that of the stratified mean when every input
has at least two draws (:func:`standard_error`), else the sample standard deviation over
sqrt(M).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch

from ._common import as_labels, as_tensor
from ._kernels import kernel_sums
from ..params import Parameter, check, format_value

__all__ = [
    "PARAMETERS", "NOISE_MODEL", "STANDARD_ERRORS", "check_params", "describe", "information_plane", "monte_carlo",
    "standard_error", "draws",
]  # fmt: skip

SOURCE = "[GBG19] §3 (sample propagation)"
#: The kernel pass runs on torch's intra-op threads.
PARALLEL = True
PARAMETERS = (
    Parameter("noise_variance", "number", 1e-3, "variance s2 of the Gaussian noise added to T, squared activation units",
              "[GBG19]; [SB18]'s 1e-3 for the Tishby network", exclusive_minimum=0),
    Parameter("n_samples", "integer", 4096, "Monte Carlo samples (input, noise draw) per layer-epoch",
              "precision: the standard error is reported", minimum=2),
    Parameter("sample_seed", "integer", 0, "seed of the Monte Carlo noise draws (shared by all epochs; below 2^32)", "",
              minimum=0, maximum=2**32 - 1),
)  # fmt: skip
NOISE_MODEL = True
STANDARD_ERRORS = True


def check_params(**params) -> dict:
    """Validate and complete the parameters (declared in :data:`PARAMETERS`).

    Raises
    ------
    ValueError
        For an undeclared parameter, ``noise_variance`` not > 0, ``n_samples`` < 2 or a
        negative ``sample_seed``.
    """
    return check(PARAMETERS, params)


def describe(params: Mapping) -> str:
    """A LaTeX phrase that defines the instance."""
    return (rf"[GBG19] noisy layer $T + Z$, $s^2 = {format_value(params['noise_variance'])}$: true $I$ of the Gaussian "
            rf"mixture by Monte Carlo, {params['n_samples']} samples (seed {params['sample_seed']})")  # fmt: skip


def draws(n: int, d: int, n_samples: int, seed: int):
    """Inputs [M] and standard normal noise [M, d] (float64) of the Monte Carlo samples: every
    input ``ceil(n_samples / n)`` times (input i at positions r n + i) when ``n_samples >= n``,
    else a random subset of ``n_samples`` inputs."""
    generator = torch.Generator().manual_seed(seed)
    if n_samples >= n:
        repeats = -(-n_samples // n)
        inputs = torch.arange(n).repeat(repeats)
    else:
        inputs = torch.randperm(n, generator=generator)[:n_samples]
    noise = torch.randn(len(inputs), d, generator=generator, dtype=torch.float64)
    return inputs, noise


def standard_error(samples: torch.Tensor, n: int) -> float:
    """Standard error of the mean of Monte Carlo samples [M] drawn by :func:`draws`.

    With R >= 2 draws for every one of the n inputs (M = R n, stratified by input) it is the
    stratified estimate sqrt(sum_i s_i^2 / R) / n, s_i^2 the variance of input i's draws: the
    spread between inputs is not sampling error, since every input is drawn. Otherwise, the
    sample standard deviation over sqrt(M).
    """
    m = samples.shape[0]
    if m >= 2 * n and m % n == 0:
        within = samples.view(m // n, n).var(dim=0)  # draws r of input i at r * n + i
        return float(within.sum().sqrt()) / math.sqrt(m // n) / n
    return float(samples.std()) / math.sqrt(m)


def monte_carlo(layer: torch.Tensor, y: torch.Tensor, n_classes: int, noise_variance: float, inputs, noise):
    """Per-sample values (nats) of I(X;T') and I(T';Y) for one layer [N, d]: two float64 [M]."""
    n = layer.shape[0]
    z = noise.to(layer.device) * math.sqrt(noise_variance)
    queries = layer.double()[inputs.to(layer.device)] + z
    offsets = (z * z).sum(-1) / (2.0 * noise_variance)
    (sums,) = kernel_sums(layer, y, n_classes, [noise_variance], queries=queries, query_offsets=offsets)
    log_all = sums.sum(-1).log()
    y_i = y[inputs.to(layer.device)]
    n_y = torch.bincount(y, minlength=n_classes).double()
    i_xt = math.log(n) - log_all
    i_ty = math.log(n) - n_y[y_i].log() + sums.gather(1, y_i[:, None])[:, 0].log() - log_all
    return i_xt, i_ty


def information_plane(
    activations,
    labels,
    *,
    noise_variance: float = 1e-3,
    n_samples: int = 4096,
    sample_seed: int = 0,
    device: str | torch.device | None = None,
    return_standard_error: bool = False,
):
    """I(X;T + Z) and I(T + Z;Y) in bits by Monte Carlo over the known Gaussian mixture ([GBG19]).

    Parameters
    ----------
    activations : array or tensor [..., N, d]: the noise-free layer f(X) for the N inputs.
    labels : int array [N].
    noise_variance : s2 of Z ~ N(0, s2 I) (default 1e-3), squared activation units.
    n_samples : Monte Carlo samples per layer-epoch (default 4096).
    sample_seed : seed of the noise draws.
    device : torch device for the kernel sums.
    return_standard_error : also return the Monte Carlo standard errors.

    Returns
    -------
    (I_XT, I_TY), or (I_XT, I_TY, SE_XT, SE_TY) with ``return_standard_error``: float64 arrays
    of the leading shape, in bits. The estimates are clipped to 0 <= I_TY <= I_XT <= log2 N and
    I_TY <= H(Y) (true for the exact values; the clip only acts within Monte Carlo error).

    Raises
    ------
    ValueError
        For bad parameters, shapes, labels, or non-finite activations.
    """
    params = check_params(noise_variance=noise_variance, n_samples=n_samples, sample_seed=sample_seed)
    t = as_tensor(activations, device)
    leading, (n, d) = t.shape[:-2], t.shape[-2:]
    y, n_classes = as_labels(labels, n, t.device)
    p_y = torch.bincount(y, minlength=n_classes).double() / n
    h_y = float(-(p_y[p_y > 0] * torch.log2(p_y[p_y > 0])).sum())
    inputs, noise = draws(n, d, params["n_samples"], params["sample_seed"])
    flat = t.reshape(-1, n, d)
    out = np.empty((4, flat.shape[0]))
    for b in range(flat.shape[0]):
        i_xt, i_ty = monte_carlo(flat[b], y, n_classes, params["noise_variance"], inputs, noise)
        xt, ty = float(i_xt.mean()) / math.log(2), float(i_ty.mean()) / math.log(2)
        out[2, b] = standard_error(i_xt, n) / math.log(2)
        out[3, b] = standard_error(i_ty, n) / math.log(2)
        out[0, b] = min(max(xt, 0.0), math.log2(n))
        out[1, b] = min(max(ty, 0.0), out[0, b], h_y)
    result = [row.reshape(leading) for row in out]
    return tuple(result) if return_standard_error else (result[0], result[1])
