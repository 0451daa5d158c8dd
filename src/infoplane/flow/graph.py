"""The directed graph of significant information flows among n state series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..multiple_testing import fewest_surrogates
from .transfer import check_estimator, significance

__all__ = ["flow_graph", "fewest_surrogates"]


def flow_graph(states, *, names: Sequence | None = None, lag: int = 1, history: int = 1, k: int = 4,
               n_surrogates: int | None = None, method: str = "trials", alpha: float = 0.05, seed: int = 0,
               jitter: float = 0.0, estimator: str = "knn"):  # fmt: skip
    """A ``networkx.DiGraph`` of the flows i -> j whose transfer entropy is significant.

    Parameters
    ----------
    states : [T, n] (one trial) or [R, T, n] (R trials): n series, e.g. a recurrent network's
        neurons over the time steps of R input windows.
    names : the n nodes' names (default 0 … n - 1).
    alpha : family-wise level over the m = n (n - 1) ordered pairs, Holm's step-down correction
        (Holm 1979) of the surrogate p-values.
    n_surrogates : per pair; at least m / alpha - 1, the fewest with which the smallest p-value,
        1 / (1 + n_surrogates), can pass Holm's first threshold alpha / m (default: that many,
        and at least 99). Other arguments as
        :func:`~infoplane.flow.transfer.significance` (pair (i, j) uses ``seed + i n + j``).
    estimator : ``"knn"`` (default) or ``"gaussian"``
        (:data:`~infoplane.flow.transfer.ESTIMATORS`). With the Gaussian estimator and
        ``"trials"`` surrogates every pair is tested against one set of surrogate trial orders,
        drawn once from ``seed`` (each pair's test is still a permutation test, and Holm's
        correction holds under any dependence between the tests); it is the one that scales to
        many series, where ``"knn"`` would take days for 16 series; it sees only linear flows.

    Returns
    -------
    networkx.DiGraph: every series a node; an edge i -> j for each significant flow, with
    attributes ``te_bits``, ``p_value``, ``surrogate_high_bits``. The graph's ``tests``
    attribute lists every pair's (i, j, te_bits, p_value, significant).

    Raises
    ------
    ValueError
        For a states array of another rank, fewer than two series, too few surrogates for any
        flow to pass the correction, an unknown estimator, or as ``significance``.
    """
    import networkx as nx

    check_estimator(estimator)
    array = np.asarray(states, dtype=np.float64)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or array.shape[2] < 2:
        raise ValueError(f"states must be [T, n] or [trials, T, n] with n >= 2, got shape {np.shape(states)}")
    n = array.shape[2]
    names = list(range(n)) if names is None else list(names)
    if len(names) != n:
        raise ValueError(f"{len(names)} names for {n} series")
    tests = n * (n - 1)
    needed = fewest_surrogates(tests, alpha)
    if n_surrogates is None:
        n_surrogates = max(99, needed)
    if int(n_surrogates) < needed:
        raise ValueError(f"n_surrogates = {n_surrogates} cannot reach significance: with {tests} pairs at alpha = {alpha:g} "
                         f"the smallest p-value 1/(1 + n_surrogates) must be <= alpha / {tests}; use at least {needed}")
    shared = None
    if estimator == "gaussian" and method == "trials":
        from .transfer import _trial_orders

        shared = np.concatenate(list(_trial_orders(np.random.default_rng(seed), array.shape[0], int(n_surrogates))))
        shared.flags.writeable = False  # transfer.selector caches its sparse matrix by this array's identity
    results = []
    for i in range(n):
        for j in range(n):
            if i != j:
                try:
                    test = significance(array[:, :, i], array[:, :, j], lag=lag, history=history, k=k,
                                        n_surrogates=n_surrogates, method=method, seed=seed + i * n + j, jitter=jitter,
                                        estimator=estimator, trial_orders=shared)  # fmt: skip
                except ValueError as error:  # name the pair (e.g. a constant series for the Gaussian estimator)
                    raise ValueError(f"flow {names[i]!r} -> {names[j]!r}: {error}") from error
                results.append((i, j, test))
    # Holm: the m p-values in increasing order, the r-th (0-based) significant while p <= alpha / (m - r)
    order = sorted(range(len(results)), key=lambda r: results[r][2].p_value)
    significant = np.zeros(len(results), dtype=bool)
    for rank, r in enumerate(order):
        if results[r][2].p_value > alpha / (len(results) - rank):
            break
        significant[r] = True
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.graph["tests"] = [(names[i], names[j], t.te_bits, t.p_value, bool(s)) for (i, j, t), s in zip(results, significant)]
    for (i, j, test), keep in zip(results, significant):
        if keep:
            graph.add_edge(names[i], names[j], te_bits=test.te_bits, p_value=test.p_value,
                           surrogate_high_bits=test.surrogate_high_bits)  # fmt: skip
    return graph
