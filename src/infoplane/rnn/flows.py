"""The direction of information flow inside the recorded recurrent networks.

For each seed, network (trained, shuffled control) and flow epoch, the n neurons' state series
over the window's L time steps, with the probe windows as trials, give the transfer entropy
TE(i -> j) of every ordered pair (:func:`infoplane.flow.flow_graph`: the Gaussian estimator by
default, Barnett, Barrett and Seth 2009; or Frenzel-Pompe's k-NN), tested against
trial-shuffled surrogates with Holm's correction over the n(n - 1) pairs. The significant flows
form a directed graph; a neuron's **depth** is its shortest-path distance (in edges) from the
nearest input neuron in that graph (input neurons 0; NaN when no path reaches it).

Tables: edges (every tested pair: TE, p-value, significance) and nodes (role, depth,
in- and out-degree).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..flow import flow_graph

__all__ = ["flow_epochs", "depths", "graph_tables", "EDGE_COLUMNS", "NODE_COLUMNS", "role"]

EDGE_COLUMNS = ["variant", "seed", "epoch", "source", "target", "te_bits", "p_value", "significant"]
NODE_COLUMNS = ["variant", "seed", "epoch", "neuron", "role", "depth", "in_degree", "out_degree"]


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
    """Each node's shortest-path distance from the nearest input neuron (NaN when unreachable)."""
    import networkx as nx

    lengths = nx.multi_source_dijkstra_path_length(graph, set(int(i) for i in inputs), weight=None)
    return {int(node): float(lengths.get(node, np.nan)) for node in graph.nodes}


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
    trials = int(section["flow_trials"]) or states.shape[2]
    for r, epoch in enumerate(epochs):
        for s, seed in enumerate(seeds):
            series = states[r, s, :trials]
            if not np.isfinite(series).all():  # a diverged seed: no graph
                continue
            graph = flow_graph(
                series, lag=int(section["flow_lag"]), history=int(section["flow_history"]), k=int(section["k"]),
                n_surrogates=int(section["flow_surrogates"]) or None, method="trials", alpha=float(section["flow_alpha"]),
                seed=int(seed) * 1000 + int(epoch), jitter=float(section["jitter"]) if section["flow_estimator"] == "knn" else 0.0,
                estimator=section["flow_estimator"],
            )  # fmt: skip
            for source, target, te, p, significant in graph.graph["tests"]:
                edges.append((variant, int(seed), int(epoch), int(source), int(target), float(te), float(p), bool(significant)))
            depth = depths(graph, inputs)
            for neuron in range(n):
                nodes.append((variant, int(seed), int(epoch), neuron, role(neuron, inputs, outputs), depth[neuron],
                              graph.in_degree(neuron), graph.out_degree(neuron)))  # fmt: skip
            if log is not None:
                log.info("%s seed %d epoch %d: %d significant flows of %d pairs", variant, seed, epoch,
                         graph.number_of_edges(), n * (n - 1))  # fmt: skip
    return pd.DataFrame(edges, columns=EDGE_COLUMNS), pd.DataFrame(nodes, columns=NODE_COLUMNS)
