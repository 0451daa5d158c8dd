"""The direction of information flow inside the recorded recurrent networks.

For each seed, network (trained, shuffled control) and flow epoch, the n neurons' state series
over the window's L time steps, with the probe windows as trials, give the transfer entropy
TE(i -> j) of every ordered pair (:func:`infoplane.flow.flow_graph`: the Gaussian estimator by
default, Barnett, Barrett and Seth 2009; or Frenzel-Pompe's k-NN), tested against
trial-shuffled surrogates with Holm's correction over the n(n - 1) pairs. The significant flows
form a directed graph, weighted by their transfer entropy. Two positions of each neuron in it:

* its **depth**, the shortest-path distance (in edges) from the nearest input neuron (input
  neurons 0; NaN when no path reaches it);
* its **trophic level** h (MacKay, Johnson and Sansom 2020, "How directed is a directed
  network?", R. Soc. Open Sci. 7: 201138, eq. 2.2): the solution of Lambda h = v with
  Lambda = diag(u) - W - W^T, u_n the total (in + out) weight of neuron n, v_n its in-weight minus
  its out-weight, the lowest level of each weakly connected part set to 0. A perfectly layered
  network has every flow one level up. The graph's **trophic incoherence** (their eq. 2.4)
  F0 = sum_mn w_mn (h_n - h_m - 1)^2 / sum_mn w_mn lies in [0, 1]: 0 for a perfectly layered
  (directed) network, 1 for one without any direction (e.g. flows as strong both ways).

Tables: edges (every tested pair: TE, p-value, significance) and nodes (role, depth, trophic
level, the graph's incoherence, in- and out-degree).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..flow import flow_graph

__all__ = ["flow_epochs", "trial_rows", "depths", "trophic_levels", "graph_tables", "EDGE_COLUMNS", "NODE_COLUMNS", "role"]

EDGE_COLUMNS = ["variant", "seed", "epoch", "source", "target", "te_bits", "p_value", "significant"]
NODE_COLUMNS = ["variant", "seed", "epoch", "neuron", "role", "depth", "trophic_level", "incoherence", "in_degree",
                "out_degree"]  # fmt: skip


def flow_epochs(recorded: Sequence[int], count: int) -> list[int]:
    """``count`` recorded epochs evenly spread over ``recorded`` (first and last included);
    every one for ``count`` 0 or at least their number."""
    recorded = [int(e) for e in recorded]
    if count <= 0 or count >= len(recorded):
        return recorded
    if count == 1:
        return [recorded[-1]]
    picks = np.unique(np.round(np.linspace(0, len(recorded) - 1, count)).astype(int))
    return [recorded[i] for i in picks]


def role(neuron: int, inputs: Sequence[int], outputs: Sequence[int]) -> str:
    """``input``, ``output``, ``input+output`` or ``hidden``."""
    kinds = [name for name, members in (("input", inputs), ("output", outputs)) if neuron in members]
    return "+".join(kinds) or "hidden"


def depths(graph, inputs: Sequence[int]) -> dict[int, float]:
    """Each node's shortest-path distance from the nearest input neuron (NaN when unreachable
    or when no input neuron is in the graph)."""
    import networkx as nx

    if not inputs:
        return {int(node): float("nan") for node in graph.nodes}
    lengths = nx.multi_source_dijkstra_path_length(graph, set(int(i) for i in inputs), weight=None)
    return {int(node): float(lengths.get(node, np.nan)) for node in graph.nodes}


def trophic_levels(weights) -> tuple[np.ndarray, float]:
    """Trophic levels [n] and trophic incoherence F0 of a weighted directed graph (module
    docstring; MacKay, Johnson and Sansom 2020, eqs. 2.2 and 2.4).

    Parameters
    ----------
    weights : [n, n], w[m, n] >= 0 the weight of the edge m -> n (0: none).

    Returns
    -------
    levels : float [n], the lowest of each weakly connected part 0 (an isolated node 0);
    incoherence : F0 in [0, 1], NaN for a graph without edges.

    Raises
    ------
    ValueError
        For a matrix that is not square, negative or non-finite weights.
    """
    from scipy.sparse.csgraph import connected_components

    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1] or not np.isfinite(w).all() or (w < 0).any():
        raise ValueError(f"weights must be a square matrix of finite non-negative values, got shape {w.shape}")
    w = w * (1 - np.eye(len(w)))  # a self-loop would add (h - h - 1)^2 = 1 whatever the levels: left out
    total = w.sum()
    if total == 0:
        return np.zeros(len(w)), float("nan")
    strength_in, strength_out = w.sum(0), w.sum(1)
    laplacian = np.diag(strength_in + strength_out) - w - w.T
    levels = np.linalg.lstsq(laplacian, strength_in - strength_out, rcond=None)[0]
    _, part = connected_components(w + w.T, directed=False)
    for label in np.unique(part):
        levels[part == label] -= levels[part == label].min()
    incoherence = float((w * (levels[None, :] - levels[:, None] - 1.0) ** 2).sum() / total)
    return levels, incoherence


def trial_rows(windows: int, trials: int, seed: int) -> np.ndarray:
    """The probe windows used as trials: all for ``trials`` 0, else ``trials`` of them drawn
    without replacement from NumPy's generator of ``seed`` (sorted; the probe is in time order,
    so its first rows would be one season)."""
    if trials <= 0 or trials >= windows:
        return np.arange(windows)
    return np.sort(np.random.default_rng([int(seed), 7]).choice(windows, int(trials), replace=False))


def graph_tables(states: np.ndarray, seeds: Sequence[int], epochs: Sequence[int], variant: str, section: Mapping,
                 inputs: Sequence[int], outputs: Sequence[int], log=None) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Edge and node tables of the flow graphs.

    Parameters
    ----------
    states : [R, S, P, L, n] at the flow epochs ``epochs`` (R of them); seeds : the S seeds;
    section : the checked ``rnn`` section (estimator, trials, lag, history, alpha, surrogates,
    k, jitter); inputs, outputs : the input and output neurons.
    """
    edges, nodes = [], []
    n = states.shape[-1]
    chosen = trial_rows(states.shape[2], int(section["flow_trials"]), int(section["shuffle_seed"]))
    for r, epoch in enumerate(epochs):
        for s, seed in enumerate(seeds):
            series = states[r, s][chosen]
            if not np.isfinite(series).all():  # a diverged seed: no graph
                continue
            # a constant neuron (dead, or saturated throughout) carries no flow the estimators can measure
            active = [i for i in range(n) if np.ptp(series[:, :, i]) > 0]
            if len(active) < 2:
                continue
            graph = flow_graph(
                series[:, :, active], names=active, lag=int(section["flow_lag"]), history=int(section["flow_history"]), k=int(section["k"]),
                n_surrogates=int(section["flow_surrogates"]) or None, method="trials", alpha=float(section["flow_alpha"]),
                seed=int(seed) * 1000 + int(epoch), jitter=float(section["jitter"]) if section["flow_estimator"] == "knn" else 0.0,
                estimator=section["flow_estimator"],
            )  # fmt: skip
            for source, target, te, p, significant in graph.graph["tests"]:
                edges.append((variant, int(seed), int(epoch), int(source), int(target), float(te), float(p), bool(significant)))
            depth = depths(graph, [i for i in inputs if i in active])
            weights = np.zeros((len(active), len(active)))
            place = {neuron: k for k, neuron in enumerate(active)}
            for source, target, data in graph.edges(data=True):
                weights[place[int(source)], place[int(target)]] = max(float(data["te_bits"]), 0.0)
            levels, incoherence = trophic_levels(weights)
            for neuron in range(n):
                if neuron not in place:  # constant: untested, no position in the graph
                    nodes.append((variant, int(seed), int(epoch), neuron, role(neuron, inputs, outputs), np.nan, np.nan,
                                  incoherence, 0, 0))  # fmt: skip
                    continue
                nodes.append((variant, int(seed), int(epoch), neuron, role(neuron, inputs, outputs), depth[neuron],
                              float(levels[place[neuron]]), incoherence, graph.in_degree(neuron), graph.out_degree(neuron)))  # fmt: skip
            if log is not None:
                log.info("%s seed %d epoch %d: %d significant flows of %d pairs", variant, seed, epoch,
                         graph.number_of_edges(), n * (n - 1))  # fmt: skip
    return pd.DataFrame(edges, columns=EDGE_COLUMNS), pd.DataFrame(nodes, columns=NODE_COLUMNS)
