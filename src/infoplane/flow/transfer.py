"""Transfer entropy between state series and its significance against surrogates.

Schreiber (2000), eq. 4, with a source lag (Wibral et al. 2013, eq. 4): the information the
source's value ``lag`` steps back adds about the target's present beyond the target's own last
``history`` values,

    TE(S -> T) = I(T_t ; S_{t-lag} | T_{t-1}, ..., T_{t-history})        (bits),

estimated on the embedded samples of every usable time step t (t >= max(lag, history)) of every
trial by one of :data:`ESTIMATORS`:

* ``"knn"`` (default): :func:`~infoplane.flow.cmi.conditional_mutual_information`, the
  Frenzel-Pompe k-nearest-neighbour estimator, which sees any dependence;
* ``"gaussian"``: :func:`~infoplane.flow.gaussian.gaussian_conditional_mutual_information`, the
  linear estimator (JIDT's ``TransferEntropyCalculatorGaussian``; half the Granger causality
  statistic, Barnett, Barrett and Seth 2009), which sees only linear dependence and is orders of
  magnitude faster.

A series is [T] (one trial) or [R, T] (R trials of one process, e.g. a recurrent network's neuron
over R input windows), the trials' samples pooled.

Significance (:func:`significance`): the estimate against the same estimate on surrogates that
keep the source's own statistics and destroy only its alignment with the target:

* ``"trials"`` (R >= 2): the source's trials permuted among themselves (Lindner et al. 2011,
  the trial-shuffling surrogate), so each target trial meets another trial's source;
* ``"shift"``: each source trial shifted circularly in time by a random offset of at least
  ``min_shift`` steps (Quian Quiroga et al. 2002's time-shifted surrogates).

The p-value is (1 + #{surrogate TE >= TE}) / (1 + n_surrogates) (Phipson and Smyth 2010).

With the Gaussian estimator the trial-shuffling surrogates are not re-embedded: a permutation of
the source's trials changes, of the covariance of (target present, source past, target past),
only the source past's covariances with the target's columns, and each of those is a sum over the
trials r of G_c[r, perm[r]], with G_c[r, q] the (centred) product of target trial r's column c
and source trial q's past, precomputed once; a surrogate then costs O(trials)
(:func:`_gaussian_trials_null`), and the permutations are the same draws as the other estimators'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cmi import conditional_mutual_information
from .gaussian import conditioned_variance, gaussian_conditional_mutual_information

__all__ = ["embed", "transfer_entropy", "significance", "Significance", "SURROGATES", "ESTIMATORS"]

#: Surrogate methods of :func:`significance`.
SURROGATES = ("trials", "shift")
#: Conditional mutual information estimators of :func:`transfer_entropy` (module docstring).
ESTIMATORS = ("knn", "gaussian")


def check_estimator(estimator) -> str:
    """``estimator`` if it is one of :data:`ESTIMATORS`; a ValueError naming it otherwise."""
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    return estimator


def _trials(series, name: str) -> np.ndarray:
    array = np.asarray(series, dtype=np.float64)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"{name} must be [T] or [trials, T], got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} holds non-finite values")
    return array


def embed(source, target, *, lag: int = 1, history: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The samples of TE(S -> T): target present [M], source past [M], target past [M, history],
    over every trial's time steps t = max(lag, history) … T - 1 (M = R (T - max(lag, history))).

    Raises
    ------
    ValueError
        For shapes that disagree, lag or history below 1, or series too short for them.
    """
    source, target = _trials(source, "source"), _trials(target, "target")
    if source.shape != target.shape:
        raise ValueError(f"source {source.shape} and target {target.shape} must have the same [trials, T] shape")
    if int(lag) < 1 or int(history) < 1:
        raise ValueError(f"lag and history must be >= 1, got lag {lag}, history {history}")
    start, length = max(int(lag), int(history)), source.shape[1]
    if length - start < 2:
        raise ValueError(f"series of {length} steps are too short for lag {lag} and history {history}")
    present = target[:, start:]
    past_source = source[:, start - lag : length - lag]
    past_target = np.stack([target[:, start - h : length - h] for h in range(1, int(history) + 1)], axis=-1)
    return present.reshape(-1), past_source.reshape(-1), past_target.reshape(-1, int(history))


def transfer_entropy(source, target, *, lag: int = 1, history: int = 1, k: int = 4, jitter: float = 0.0,
                     seed: int = 0, estimator: str = "knn") -> float:  # fmt: skip
    """TE(source -> target) in bits (module docstring).

    Parameters
    ----------
    estimator : one of :data:`ESTIMATORS`: ``"knn"`` (``k``, ``jitter``, ``seed`` as
        :func:`~infoplane.flow.cmi.conditional_mutual_information`) or ``"gaussian"``
        (:func:`~infoplane.flow.gaussian.gaussian_conditional_mutual_information`; ``k``,
        ``jitter`` and ``seed`` are ignored).

    Raises
    ------
    ValueError
        For an unknown estimator, as :func:`embed`, and for ``"gaussian"`` a singular
        covariance (e.g. a constant series), naming the block.
    """
    check_estimator(estimator)
    present, past_source, past_target = embed(source, target, lag=lag, history=history)
    if estimator == "gaussian":
        names = ("the target's present", "the source's past", "the target's past")
        return gaussian_conditional_mutual_information(present, past_source, past_target, names=names)
    return conditional_mutual_information(present, past_source, past_target, k=k, jitter=jitter, seed=seed)


@dataclass(frozen=True)
class Significance:
    """A transfer entropy and its surrogate test."""

    te_bits: float
    p_value: float
    surrogate_mean_bits: float
    surrogate_high_bits: float  # the surrogates' 95th percentile
    n_surrogates: int
    method: str
    estimator: str = "knn"


def _surrogate(source: np.ndarray, method: str, rng: np.random.Generator, min_shift: int) -> np.ndarray:
    if method == "trials":
        order = rng.permutation(len(source))
        while len(source) > 1 and (order == np.arange(len(source))).any():  # every target meets another trial
            order = rng.permutation(len(source))
        return source[order]
    length = source.shape[1]
    shifts = rng.integers(min_shift, length - min_shift + 1, size=len(source))
    return np.stack([np.roll(row, int(s)) for row, s in zip(source, shifts)])


def _trial_orders(rng: np.random.Generator, trials: int, count: int, *, batch_elements: int = 1 << 18):
    """The first ``count`` trial orders that ``count`` calls of :func:`_surrogate` (``"trials"``)
    would draw from ``rng``, in chunks [b, trials] of at most about ``batch_elements`` entries.

    Row by row, ``Generator.permuted`` of a [b, trials] array makes the same draws as b calls of
    ``Generator.permutation(trials)`` (one Fisher-Yates shuffle each; ``tests/test_flow.py``
    checks it), so drawing in bulk and keeping the orders that move every trial (the draws
    :func:`_surrogate` does not reject) yields the same sequence of orders. It may draw beyond
    the last one kept: ``rng`` is not to be used afterwards.
    """
    identity = np.arange(int(trials))
    remaining = int(count)
    while remaining > 0:
        # about 1/e of the permutations of more than a few trials move every trial
        draws = max(1, min(max(1, int(batch_elements) // len(identity)), int(remaining * 2.8) + 16))
        drawn = rng.permuted(np.broadcast_to(identity, (draws, len(identity))), axis=1)
        if len(identity) > 1:
            drawn = drawn[~(drawn == identity).any(axis=1)]
        drawn = drawn[:remaining]
        remaining -= len(drawn)
        if len(drawn):
            yield drawn


def selector(orders: np.ndarray, trials: int):
    """The sparse [b, trials^2] matrix whose row k sums the entries (r, orders[k, r]) of a
    flattened [trials, trials] matrix: one sparse product gives every surrogate's cross
    covariance. Cached for the last orders (flow_graph tests every pair against the same ones)."""
    from scipy.sparse import csr_matrix

    cached = _SELECTOR.get("value")
    if cached is not None and cached[0] is orders:
        return cached[1]
    count = len(orders)
    columns = (np.arange(trials) * trials + orders).reshape(-1)
    matrix = csr_matrix((np.ones(columns.size), columns, np.arange(0, columns.size + 1, trials)), shape=(count, trials * trials))
    _SELECTOR["value"] = (orders, matrix)
    return matrix


_SELECTOR: dict = {}


def _gaussian_trials_null(source: np.ndarray, target: np.ndarray, orders, *, lag: int, history: int) -> np.ndarray:
    """The Gaussian TE(source[order] -> target) in bits of each order (a row of a chunk of
    ``orders``, source trial order[r] facing target trial r), without re-embedding.

    With s the source past and C = (target present, target past) the target's columns, the
    estimate is 1/2 log2( var(s | target past) / var(s | C) ), the determinant ratio of
    :func:`~infoplane.flow.gaussian.gaussian_conditional_mutual_information` as Schur
    complements. Permuting the source's trials leaves var(s), cov(C) and the pooled means as
    they are; cov(s, C_c) becomes sum_r G_c[r, order[r]] / (M - 1) with
    G_c[r, q] = sum_t C_c[r, t] s[q, t] (both centred by their pooled means).
    """
    present, past_source, past_target = embed(source, target, lag=lag, history=history)
    trials, samples = len(source), len(present)
    steps = samples // trials
    columns = np.column_stack([present, past_target])
    columns -= columns.mean(axis=0)
    past = past_source - past_source.mean()
    cov_target = columns.T @ columns / (samples - 1)
    var_source = float(past @ past) / (samples - 1)
    # products[c, r * trials + q] = G_c[r, q]
    by_column = columns.T.reshape(-1, trials, steps)
    products = (by_column @ past.reshape(trials, steps).T).reshape(len(by_column), trials * trials)
    cross = [selector(chunk, trials) @ products.T for chunk in orders]  # sum_r G_c[r, order[r]] per order, [b, 1 + history]
    cross = np.concatenate(cross) / (samples - 1) if cross else np.zeros((0, len(products)))  # [n, 1 + history]
    given_past = conditioned_variance(var_source, cross[:, 1:], cov_target[1:, 1:])
    given_all = conditioned_variance(var_source, cross, cov_target)
    if not (given_all > 0).all():
        raise ValueError("the covariance of (the target's present, the source's past, the target's past) is singular "
                         "for a trial-shuffled surrogate")  # fmt: skip
    return 0.5 * np.log2(given_past / given_all)


def significance(source, target, *, lag: int = 1, history: int = 1, k: int = 4, n_surrogates: int = 99,
                 method: str = "trials", min_shift: int | None = None, seed: int = 0,
                 jitter: float = 0.0, estimator: str = "knn", trial_orders: np.ndarray | None = None) -> Significance:  # fmt: skip
    """TE(source -> target) with its surrogate p-value (module docstring).

    Parameters
    ----------
    method : ``"trials"`` (needs at least 3 trials) or ``"shift"``; min_shift : the smallest
        circular shift (default: a quarter of the series, at least lag + history).
    n_surrogates, seed : the surrogates' count and random seed; other arguments as
        :func:`transfer_entropy`. With ``estimator="gaussian"`` and ``method="trials"`` the
        surrogates are the same trial orders (same ``seed``, same draws) and their estimates
        come from precomputed products, O(trials) each (module docstring), not re-embedded.
    trial_orders : with ``estimator="gaussian"`` and ``method="trials"`` only: the surrogates'
        trial orders [n_surrogates, trials] (each moving every trial) in place of drawing them
        from ``seed``: :func:`~infoplane.flow.graph.flow_graph` tests every pair against one set.

    Raises
    ------
    ValueError
        For an unknown method or estimator, too few trials for ``"trials"``, a series too
        short for its shifts, or what :func:`transfer_entropy` refuses.
    """
    check_estimator(estimator)
    if method not in SURROGATES:
        raise ValueError(f"method must be one of {SURROGATES}, got {method!r}")
    source_trials, target_trials = _trials(source, "source"), _trials(target, "target")
    if method == "trials" and len(source_trials) < 3:
        raise ValueError(f"trial-shuffling surrogates need at least 3 trials, got {len(source_trials)}")
    length = source_trials.shape[1]
    if min_shift is None:
        min_shift = max(length // 4, int(lag) + int(history))
    if method == "shift" and length - 2 * min_shift < 0:
        raise ValueError(f"series of {length} steps cannot be shifted by at least {min_shift} both ways")
    observed = transfer_entropy(source_trials, target_trials, lag=lag, history=history, k=k, jitter=jitter, seed=seed,
                                estimator=estimator)  # fmt: skip
    rng = np.random.default_rng(seed)
    if trial_orders is not None and not (estimator == "gaussian" and method == "trials"):
        raise ValueError("trial_orders serve the gaussian estimator with trial-shuffled surrogates only")
    if estimator == "gaussian" and method == "trials":
        if trial_orders is None:
            orders = _trial_orders(rng, len(source_trials), int(n_surrogates))
        else:
            orders = [np.asarray(trial_orders, dtype=np.int64)]
            if orders[0].shape != (int(n_surrogates), len(source_trials)):
                raise ValueError(f"trial_orders must be [{n_surrogates}, {len(source_trials)}], got {orders[0].shape}")
        null = _gaussian_trials_null(source_trials, target_trials, orders, lag=lag, history=history)
    else:
        null = np.array([
            transfer_entropy(_surrogate(source_trials, method, rng, min_shift), target_trials, lag=lag, history=history,
                             k=k, jitter=jitter, seed=seed, estimator=estimator)
            for _ in range(int(n_surrogates))
        ])  # fmt: skip
    p_value = (1 + int((null >= observed).sum())) / (1 + len(null))
    return Significance(observed, p_value, float(null.mean()), float(np.quantile(null, 0.95)), len(null), method,
                        estimator)  # fmt: skip
