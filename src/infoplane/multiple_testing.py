"""Multiple testing with surrogate (permutation) p-values, shared by the flow graphs
(:mod:`infoplane.flow.graph`) and the config check of the recurrent study (:mod:`infoplane.rnn`);
free of heavy imports so that the config check can use it anywhere."""

from __future__ import annotations

import math

__all__ = ["fewest_surrogates"]


def fewest_surrogates(pairs: int, alpha: float) -> int:
    """The fewest surrogates per test with which the smallest p-value, 1 / (1 + n_surrogates)
    (Phipson and Smyth 2010), can pass Holm's (1979) first threshold alpha / pairs:
    ceil(pairs / alpha) - 1.

    Raises
    ------
    ValueError
        For fewer than one test or alpha outside (0, 1).
    """
    if int(pairs) < 1 or not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"need at least one test and 0 < alpha < 1, got {pairs} tests at alpha {alpha}")
    return math.ceil(int(pairs) / float(alpha)) - 1
