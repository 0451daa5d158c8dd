"""Neuron-level and whole-state information of the recorded recurrent networks, and their
complexity.

X is uniform over the P probe windows; Y is the next hour's temperature (continuous); h_i is
neuron i's state after the window's last step.

* I(h_i;X) and I(H;X): the KDE upper bound on I(T + Z; X), Z ~ N(0, s2 I) ([KT17]; the suite's
  :func:`infoplane.estimators.kde.information_plane`), in [0, log2 P]: a deterministic network's
  I(T;X) is infinite for continuous X, so the noise variance s2 sets the resolution, as in
  [SB18];
* I(h_i;Y), I(h_i;h_j), I(H;Y): the k-NN estimator of [KSG04] algorithm 1
  (:func:`infoplane.flow.conditional_mutual_information` without a condition, validated on
  Gaussian closed forms in ``tests/test_flow.py``), with a tiny jitter for the rounded
  temperatures; not clipped (a small negative value is its bias at zero);
* complexity: the Frobenius norm of the recurrent matrix (recorded), and the effective rank of
  the states H [P, n], exp of the entropy of the normalised singular values of the centred H
  (Roy and Vetterli 2007, eq. 1 and 2): 1 … n.

Groups of neurons by trophic level in the flow graph (:mod:`infoplane.rnn.flows`) have planes of
their own (:func:`group_planes`): each neuron's level at the last flow epoch, rounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..estimators import kde
from ..flow import conditional_mutual_information

__all__ = ["effective_rank", "kde_information", "neuron_table", "pair_table", "state_table", "group_planes", "NEURON_COLUMNS",
           "STATE_COLUMNS", "PAIR_COLUMNS"]  # fmt: skip

NEURON_COLUMNS = ["variant", "seed", "epoch", "neuron", "I_hX_bits", "I_hY_bits"]
PAIR_COLUMNS = ["variant", "seed", "epoch", "neuron_i", "neuron_j", "I_hh_bits"]
STATE_COLUMNS = ["variant", "seed", "epoch", "group", "units", "I_XH_bits", "I_HY_bits", "effective_rank"]


def effective_rank(states) -> float:
    """exp(-sum_k p_k ln p_k), p_k = sigma_k / sum sigma of the centred states [P, n] (Roy and
    Vetterli 2007): 1 for states on a line, n for states spread equally in every direction;
    NaN for constant states or non-finite values."""
    array = np.asarray(states, dtype=np.float64)
    if not np.isfinite(array).all():
        return float("nan")
    sigma = np.linalg.svd(array - array.mean(0), compute_uv=False)
    if sigma.sum() <= 0:
        return float("nan")
    p = sigma / sigma.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def kde_information(states, noise_variance: float) -> np.ndarray:
    """I(T + Z; X) bits of states [..., P, d], X uniform over the P rows (KDE upper bound)."""
    array = np.asarray(states, dtype=np.float64)
    return kde.information_plane(array, np.zeros(array.shape[-2], dtype=np.int64), noise_variance=noise_variance,
                                 bound="upper")[0]  # fmt: skip


def _ksg(a, b, section: Mapping, seed: int) -> float:
    return conditional_mutual_information(a, b, k=int(section["k"]), jitter=float(section["jitter"]), seed=seed)


def neuron_table(last: np.ndarray, targets: np.ndarray, seeds: Sequence[int], epochs: Sequence[int], variant: str,
                 section: Mapping) -> pd.DataFrame:  # fmt: skip
    """I(h_i;X) and I(h_i;Y) of every neuron. ``last`` [R, S, P, n]: the states after the last
    step at R recorded epochs; a diverged seed (non-finite states) gets NaN."""
    rows = []
    n_epochs, n_seeds, _, n = last.shape
    finite = np.isfinite(last).all(axis=(2, 3))
    xh = np.full((n_epochs, n_seeds, n), np.nan)
    if finite.any():
        # every neuron alone: [R, S, n, P, 1]
        per_neuron = np.moveaxis(np.where(finite[:, :, None, None], last, 0.0), 3, 2)[..., None]
        xh = np.where(finite[:, :, None], kde_information(per_neuron, float(section["noise_variance"])), np.nan)
    for r, epoch in enumerate(epochs):
        for s, seed in enumerate(seeds):
            for i in range(n):
                hy = _ksg(last[r, s, :, i], targets, section, seed=i) if finite[r, s] else np.nan
                rows.append((variant, int(seed), int(epoch), i, float(xh[r, s, i]), hy))
    return pd.DataFrame(rows, columns=NEURON_COLUMNS)


def pair_table(last: np.ndarray, seeds: Sequence[int], epochs: Sequence[int], variant: str, section: Mapping) -> pd.DataFrame:
    """I(h_i;h_j) of every pair i < j (k-NN), per seed and recorded epoch."""
    rows = []
    n_epochs, n_seeds, _, n = last.shape
    for r, epoch in enumerate(epochs):
        for s, seed in enumerate(seeds):
            ok = np.isfinite(last[r, s]).all()
            for i in range(n):
                for j in range(i + 1, n):
                    value = _ksg(last[r, s, :, i], last[r, s, :, j], section, seed=i * n + j) if ok else np.nan
                    rows.append((variant, int(seed), int(epoch), i, j, value))
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def state_table(last: np.ndarray, targets: np.ndarray, seeds: Sequence[int], epochs: Sequence[int], variant: str,
                section: Mapping, groups: Mapping[str, Mapping[int, Sequence[int]]] | None = None) -> pd.DataFrame:  # fmt: skip
    """The plane of the whole state (group ``all``) and of each group of neurons: I(X;H) (KDE
    upper bound), I(H;Y) (k-NN) and the effective rank, per seed and recorded epoch.

    ``groups``: group name -> seed -> its neurons (a seed without neurons in a group has no row
    for it)."""
    n = last.shape[-1]
    chosen = {"all": {int(s): list(range(n)) for s in seeds}, **dict(groups or {})}
    rows = []
    for r, epoch in enumerate(epochs):
        for s, seed in enumerate(seeds):
            ok = np.isfinite(last[r, s]).all()
            for name, members in chosen.items():
                units = list(members.get(int(seed), []))
                if not units:
                    continue
                h = last[r, s][:, units]
                if not ok:
                    rows.append((variant, int(seed), int(epoch), name, len(units), np.nan, np.nan, np.nan))
                    continue
                xh = float(kde_information(h, float(section["noise_variance"])))
                hy = _ksg(h, targets, section, seed=int(epoch))
                rows.append((variant, int(seed), int(epoch), name, len(units), xh, hy, effective_rank(h)))
    return pd.DataFrame(rows, columns=STATE_COLUMNS)


def group_planes(nodes: pd.DataFrame, variant: str) -> dict[str, dict[int, list[int]]]:
    """Groups ``level <k>`` of each seed's neurons by their trophic level at the last flow epoch
    of ``variant``, rounded to the nearest integer (``nodes``: the flow job's node table)."""
    table = nodes[nodes["variant"] == variant]
    if table.empty:
        return {}
    last = table[table["epoch"] == table["epoch"].max()]
    groups: dict[str, dict[int, list[int]]] = {}
    for row in last.itertuples(index=False):
        if pd.isna(row.trophic_level):  # a constant neuron: no place in the flow graph
            continue
        groups.setdefault(f"level {int(round(row.trophic_level))}", {}).setdefault(int(row.seed), []).append(int(row.neuron))
    return dict(sorted(groups.items()))
