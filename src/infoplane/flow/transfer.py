"""Transfer entropy between state series and its significance against surrogates.

Schreiber (2000), eq. 4, with a source lag (Wibral et al. 2013, eq. 4): the information the
source's value ``lag`` steps back adds about the target's present beyond the target's own last
``history`` values,

    TE(S -> T) = I(T_t ; S_{t-lag} | T_{t-1}, ..., T_{t-history})        (bits),

estimated by :func:`~infoplane.flow.cmi.conditional_mutual_information` on the embedded samples
of every usable time step t (t >= max(lag, history)) of every trial. A series is [T] (one
trial) or [R, T] (R trials of one process, e.g. a recurrent network's neuron over R input
windows), the trials' samples pooled.

Significance (:func:`significance`): the estimate against the same estimate on surrogates that
keep the source's own statistics and destroy only its alignment with the target:

* ``"trials"`` (R >= 2): the source's trials permuted among themselves (Lindner et al. 2011,
  the trial-shuffling surrogate), so each target trial meets another trial's source;
* ``"shift"``: each source trial shifted circularly in time by a random offset of at least
  ``min_shift`` steps (Quian Quiroga et al. 2002's time-shifted surrogates).

The p-value is (1 + #{surrogate TE >= TE}) / (1 + n_surrogates) (Phipson and Smyth 2010).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cmi import conditional_mutual_information

__all__ = ["embed", "transfer_entropy", "significance", "Significance", "SURROGATES"]

#: Surrogate methods of :func:`significance`.
SURROGATES = ("trials", "shift")


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
                     seed: int = 0) -> float:  # fmt: skip
    """TE(source -> target) in bits (module docstring); ``k``, ``jitter``, ``seed`` as
    :func:`~infoplane.flow.cmi.conditional_mutual_information`.

    Raises
    ------
    ValueError
        As :func:`embed`.
    """
    present, past_source, past_target = embed(source, target, lag=lag, history=history)
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


def _surrogate(source: np.ndarray, method: str, rng: np.random.Generator, min_shift: int) -> np.ndarray:
    if method == "trials":
        order = rng.permutation(len(source))
        while len(source) > 1 and (order == np.arange(len(source))).any():  # every target meets another trial
            order = rng.permutation(len(source))
        return source[order]
    length = source.shape[1]
    shifts = rng.integers(min_shift, length - min_shift + 1, size=len(source))
    return np.stack([np.roll(row, int(s)) for row, s in zip(source, shifts)])


def significance(source, target, *, lag: int = 1, history: int = 1, k: int = 4, n_surrogates: int = 99,
                 method: str = "trials", min_shift: int | None = None, seed: int = 0,
                 jitter: float = 0.0) -> Significance:  # fmt: skip
    """TE(source -> target) with its surrogate p-value (module docstring).

    Parameters
    ----------
    method : ``"trials"`` (needs at least 3 trials) or ``"shift"``; min_shift : the smallest
        circular shift (default: a quarter of the series, at least lag + history).
    n_surrogates, seed : the surrogates' count and random seed; other arguments as
        :func:`transfer_entropy`.

    Raises
    ------
    ValueError
        For an unknown method, too few trials for ``"trials"``, a series too short for its
        shifts, or what :func:`embed` refuses.
    """
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
    observed = transfer_entropy(source_trials, target_trials, lag=lag, history=history, k=k, jitter=jitter, seed=seed)
    rng = np.random.default_rng(seed)
    null = np.array([
        transfer_entropy(_surrogate(source_trials, method, rng, min_shift), target_trials, lag=lag, history=history, k=k,
                         jitter=jitter, seed=seed)
        for _ in range(int(n_surrogates))
    ])  # fmt: skip
    p_value = (1 + int((null >= observed).sum())) / (1 + len(null))
    return Significance(observed, p_value, float(null.mean()), float(np.quantile(null, 0.95)), len(null), method)
