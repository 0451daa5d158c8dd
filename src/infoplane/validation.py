"""The validation study: every estimator on synthetic layers whose mutual information is known.

Task families (:data:`TASKS`), each drawn for several sample sizes N, variants and repeats:

``gaussian``       X ~ N(0, I_dim), T = rho X + sqrt(1 - rho^2) W: each coordinate pair has
                   correlation rho, I(X;T) = -(dim/2) log2(1 - rho^2) (:data:`RHO`).
``channel``        the Gaussian channel T = X + Z, X ~ N(0, v I_dim), Z ~ N(0, s2 I_dim):
                   I(X;T) = (dim/2) log2(1 + v/s2) (:data:`CHANNEL_SNR` = v/s2).
                   With ``total_bits`` in the settings, both tasks instead spread each listed
                   total I(X;T) evenly over the dim coordinates (wide layers: a fixed per-
                   coordinate value would give a truth of hundreds of bits at d = 1024, beyond
                   the log2 N that any estimator on N samples can return).
``deterministic``  random tanh and ReLU layers T = f(X) over N of the 4096 Tishby inputs (X
                   uniform over them): I(X;T) = log2 of the number of distinct rows, I(T;Y)
                   from the exact discrete joint distribution of (T, Y).
``noisy``          the same layers with Gaussian noise, T = f(X) + Z, Z ~ N(0, s2 I) (the model
                   of the KDE bounds, [GBG19]): I(X;T) and I(T;Y) of the known N-component
                   mixture by Monte Carlo, to a standard error of at most
                   ``truth_standard_error_bits``.

How each estimator sees a task: estimators of a deterministic layer (binning, adaptive
binning, k-NN) get one draw of T and, for k-NN, the inputs X; estimators with a noise model
(``NOISE_MODEL``: the KDE bounds, the noisy-layer Monte Carlo) get the noise-free f(X) and the
task's noise variance (on ``deterministic`` tasks their own configured one, so they measure
T + Z there, not T); pooled estimators (``POOLS``: ensemble, AIR) get S independent draws of T
(S identical copies on ``deterministic`` tasks). On the Gaussian tasks X is continuous and
I(T;Y) is not defined: only I(X;T) is compared. Every estimate is what the workflow would
compute on a layer with that distribution, compared with the true value.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from . import estimators as registry
from .datasets import load_dataset
from .instances import Instance
from .summary import CEILING_TOLERANCE_BITS  # "at log2 N": the same tolerance as the study's layers

__all__ = ["TASKS", "RHO", "CHANNEL_SNR", "POOLED_DRAWS", "Sample", "task_samples", "run_task", "summarise_validation"]

log = logging.getLogger(__name__)

TASKS = ("gaussian", "channel", "deterministic", "noisy")
#: Correlation of each coordinate pair in the ``gaussian`` task: 0.32 bits per dimension.
RHO = 0.6
#: Signal-to-noise ratio v / s2 of the ``channel`` task: 0.5 bits per dimension.
CHANNEL_SNR = 1.0
#: Draws of T per input given to pooled estimators (ensemble; AIR uses its window).
POOLED_DRAWS = 8
_ACTIVATIONS = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0)}
_TASK_IDS = {name: i for i, name in enumerate(TASKS)}


@dataclass
class Sample:
    """One synthetic layer with its truth.

    ``inputs`` [N, d_x], ``labels`` [N] (zeros where there are none), ``clean`` the noise-free
    f(X) [N, d], ``noise_variance`` s2 of the noise added to it (0 for a deterministic layer),
    ``truth`` {"I_XT": bits, "I_TY": bits or None}, ``truth_se`` Monte Carlo standard errors.
    """

    task: str
    variant: str
    dim: int
    n_samples: int
    repeat: int
    inputs: np.ndarray
    labels: np.ndarray
    clean: np.ndarray
    noise_variance: float
    truth: dict
    truth_se: dict

    def draws(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` independent draws of T [count, N, d] (copies of f(X) when deterministic)."""
        noise = rng.standard_normal((count, *self.clean.shape)) * math.sqrt(self.noise_variance)
        return (self.clean[None] + noise).astype(np.float32)


def _discrete_truth(layer: np.ndarray, labels: np.ndarray) -> dict:
    """Exact I(X;T), I(T;Y) in bits of a deterministic layer over N equally likely inputs."""
    _, ids = np.unique(layer, axis=0, return_inverse=True)
    ids = ids.ravel()
    n = len(ids)

    def entropy(counts):
        p = counts[counts > 0] / counts.sum()
        return float(-(p * np.log2(p)).sum())

    h_t = entropy(np.bincount(ids))
    joint = np.bincount(ids * (labels.max() + 1) + labels)
    h_ty = entropy(joint)
    h_y = entropy(np.bincount(labels))
    return {"I_XT": h_t, "I_TY": h_t + h_y - h_ty} if n else {}


def _noisy_truth(clean: np.ndarray, labels: np.ndarray, s2: float, target_se: float, seed: int):
    """I(X;T + Z), I(T + Z;Y) in bits of the Gaussian mixture by stratified Monte Carlo, adding
    rounds of N draws until both standard errors are at most ``target_se`` (at most 4 million
    draws; the standard errors are reported)."""
    import torch

    from .estimators.noisy import monte_carlo, standard_error

    n, d = clean.shape
    layer = torch.from_numpy(np.asarray(clean, dtype=np.float64))
    y = torch.from_numpy(labels)
    n_classes = int(labels.max()) + 1
    generator = torch.Generator().manual_seed(seed)
    parts_xt, parts_ty = [], []
    rounds = 0
    while True:
        for _ in range(4):
            noise = torch.randn(n, d, generator=generator, dtype=torch.float64)
            xt, ty = monte_carlo(layer, y, n_classes, s2, torch.arange(n), noise)
            parts_xt.append(xt)
            parts_ty.append(ty)
            rounds += 1
        xt, ty = torch.cat(parts_xt), torch.cat(parts_ty)
        se = (standard_error(xt, n) / math.log(2), standard_error(ty, n) / math.log(2))
        if max(se) <= target_se or rounds * n >= 4_000_000:
            break
    return {"I_XT": float(xt.mean()) / math.log(2), "I_TY": float(ty.mean()) / math.log(2)}, {"I_XT": se[0], "I_TY": se[1]}


def _gaussian_layer(task: str, x: np.ndarray, total: float | None):
    """``(clean, s2, truth_bits, variant)`` of a Gaussian task on inputs ``x`` [N, d]: per
    coordinate correlation :data:`RHO` (``gaussian``) or SNR :data:`CHANNEL_SNR` (``channel``)
    when ``total`` is None; otherwise the per-coordinate correlation or SNR that makes the total
    I(X;T) ``total`` bits, spread evenly over the d coordinates (rho^2 = 1 - 2^(-2 total / d),
    v/s2 = 2^(2 total / d) - 1), so that wide layers get a truth an estimator can reach."""
    dim = x.shape[1]
    if task == "gaussian":
        rho = RHO if total is None else math.sqrt(1.0 - 2.0 ** (-2.0 * total / dim))
        truth = -0.5 * dim * math.log2(1.0 - rho**2)
        variant = f"rho={RHO:g}, dim={dim}" if total is None else f"I={total:g} bits, dim={dim}"
        return rho * x, 1.0 - rho**2, truth, variant
    snr = CHANNEL_SNR if total is None else 2.0 ** (2.0 * total / dim) - 1.0
    truth = 0.5 * dim * math.log2(1.0 + snr)
    variant = f"v/s2={CHANNEL_SNR:g}, dim={dim}" if total is None else f"I={total:g} bits, dim={dim}"
    return x * math.sqrt(snr), 1.0, truth, variant


def task_samples(task: str, settings: Mapping, rng_seed: int) -> list[Sample]:
    """Every sample of one task family for the ``validation`` settings of the config.

    Raises
    ------
    ValueError
        For an unknown task.
    """
    if task not in TASKS:
        raise ValueError(f"unknown validation task {task!r}; tasks: {list(TASKS)}")
    samples = []
    x_all, y_all = load_dataset("tishby") if task in ("deterministic", "noisy") else (None, None)
    for n in settings["n_samples"]:
        for repeat in range(settings["repeats"]):
            rng = np.random.default_rng([rng_seed, _TASK_IDS[task], n, repeat])
            if task in ("gaussian", "channel"):
                for dim in settings["dims"]:
                    for total in settings.get("total_bits") or (None,):
                        x = rng.standard_normal((n, dim))
                        clean, s2, truth, variant = _gaussian_layer(task, x, total)
                        samples.append(Sample(task, variant, dim, n, repeat, x.astype(np.float32), np.zeros(n, np.int64),
                                              clean.astype(np.float32), s2, {"I_XT": truth, "I_TY": None}, {}))
                continue
            rows = rng.choice(len(y_all), size=n, replace=False) if n < len(y_all) else np.arange(len(y_all))
            x, labels = x_all[rows], y_all[rows]
            for activation, fn in _ACTIVATIONS.items():
                for width in settings["layer_widths"]:
                    weights = rng.standard_normal((x.shape[1], width)) * (2.0 / math.sqrt(x.shape[1]))
                    bias = rng.standard_normal(width) * 0.5
                    clean = fn((x - 0.5) @ weights + bias).astype(np.float32)
                    if task == "deterministic":
                        samples.append(Sample(task, f"{activation}, width {width}", width, n, repeat, x, labels, clean,
                                              0.0, _discrete_truth(clean, labels), {}))
                        continue
                    for s2 in settings["noise_variances"]:
                        truth, se = _noisy_truth(clean, labels, s2, settings["truth_standard_error_bits"],
                                                 seed=int(rng.integers(2**31)))
                        samples.append(Sample(task, f"{activation}, width {width}, s2={s2:g}", width, n, repeat, x,
                                              labels, clean, s2, truth, se))
    return samples


def _estimate(instance: Instance, sample: Sample, rng: np.random.Generator) -> tuple[float, float]:
    module = registry.get(instance.method)
    params = dict(instance.params)
    if getattr(module, "POOLS", None):
        count = params["window"] if "window" in params else POOLED_DRAWS
        i_xt, i_ty = module.information_plane(sample.draws(count, rng), sample.labels, **params)
        return float(np.ravel(i_xt)[-1]), float(np.ravel(i_ty)[-1])
    extra = {"inputs": sample.inputs} if getattr(module, "USES_INPUTS", False) else {}
    if getattr(module, "NOISE_MODEL", False) and sample.noise_variance > 0:
        params["noise_variance"] = sample.noise_variance
        layer = sample.clean
    else:
        layer = sample.draws(1, rng)[0]
    i_xt, i_ty = module.information_plane(layer, sample.labels, **params, **extra)
    return float(i_xt), float(i_ty)


def run_task(task: str, settings: Mapping, instances: Mapping[str, Instance]):
    """Run every instance on every sample of one task family.

    Returns
    -------
    Tidy pandas DataFrame, one row per instance x sample x quantity: ``estimator, method, task,
    variant, n_samples, dim, repeat, quantity, truth_bits, truth_se_bits, estimate_bits,
    error_bits, seconds`` (``error_bits`` = estimate - truth; ``seconds`` the estimator's time
    on the sample, both quantities together).
    """
    rows = []
    for sample in task_samples(task, settings, settings["seed"]):
        for name, instance in instances.items():
            rng = np.random.default_rng([settings["seed"], 7, _TASK_IDS[task], sample.n_samples, sample.repeat,
                                         sample.dim, zlib_crc(sample.variant)])  # fmt: skip
            start = time.perf_counter()
            estimate = _estimate(instance, sample, rng)
            seconds = time.perf_counter() - start
            for quantity, value in zip(("I_XT", "I_TY"), estimate):
                truth = sample.truth[quantity]
                if truth is None:
                    continue
                rows.append({
                    "estimator": name, "method": instance.method, "task": task, "variant": sample.variant,
                    "n_samples": sample.n_samples, "dim": sample.dim, "repeat": sample.repeat, "quantity": quantity,
                    "truth_bits": truth, "truth_se_bits": sample.truth_se.get(quantity, 0.0),
                    "estimate_bits": value, "error_bits": value - truth, "seconds": seconds,
                })  # fmt: skip
        log.info("%s: %s N=%d repeat %d done", task, sample.variant, sample.n_samples, sample.repeat)
    import pandas as pd

    return pd.DataFrame(rows)


def zlib_crc(text: str) -> int:
    """A stable integer from a string (seeds must not depend on Python's hash randomisation)."""
    import zlib

    return zlib.crc32(text.encode())


#: An estimator is "within" the truth on a task when its mean error is at most this, in bits.
TOLERANCE_BITS = 0.1


def summarise_validation(table):
    """Bias of every estimator per task, variant, quantity and N.

    Returns
    -------
    pandas DataFrame with ``estimator, method, task, variant, quantity, n_samples, dim, truth_bits``
    (mean over repeats), ``bias_bits`` (mean of estimate - truth over repeats), ``bias_sd_bits``
    (its standard deviation over repeats), ``abs_bias_bits``, ``repeats``, ``within_tolerance``
    (|bias| <= :data:`TOLERANCE_BITS`), ``estimate_bits`` (mean over repeats), ``ceiling_bits``
    (log2 N for I(X;T), NaN for I(T;Y)) and ``at_ceiling`` (the mean I(X;T) estimate within
    :data:`CEILING_TOLERANCE_BITS` of log2 N).
    """
    keys = ["estimator", "method", "task", "variant", "quantity", "n_samples", "dim"]
    grouped = table.groupby(keys, sort=False)
    summary = grouped.agg(truth_bits=("truth_bits", "mean"), bias_bits=("error_bits", "mean"),
                          bias_sd_bits=("error_bits", "std"), repeats=("repeat", "nunique"),
                          estimate_bits=("estimate_bits", "mean")).reset_index()  # fmt: skip
    summary["abs_bias_bits"] = summary["bias_bits"].abs()
    summary["within_tolerance"] = summary["abs_bias_bits"] <= TOLERANCE_BITS
    summary["ceiling_bits"] = np.where(summary["quantity"] == "I_XT", np.log2(summary["n_samples"].astype(float)), np.nan)
    summary["at_ceiling"] = (summary["ceiling_bits"] - summary["estimate_bits"]).abs() <= CEILING_TOLERANCE_BITS
    return summary
