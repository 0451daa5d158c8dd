"""The straightforward per-seed training loop, for validation and benchmarks.

One plain ``nn.Module`` per seed (the family's ``single``: ``nn.Linear``, ``nn.Conv2d`` ...),
trained on its own, with the same initial weights, mini-batch order and optimiser as seed ``s``
of :func:`infoplane.training.train_ensemble`. Tests use it to show that the batched ensemble
trains every seed exactly as if it were alone; the benchmark times it against the ensemble.
Do not use it in the workflow. (Dropout here draws from torch's global generator, not the
seed's stream: with dropout the two agree in distribution, not number by number.)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import families
from .datasets import train_test_split
from .training import _check_settings, make_optimizer

__all__ = ["single_network", "train_single"]


def single_network(seed: int, settings: Mapping, input_shape, n_outputs: int) -> nn.Module:
    """A plain ``nn.Module`` with the initial weights of seed ``seed`` of an ensemble with
    ``settings`` (resolved or not, :func:`infoplane.settings.resolve`)."""
    settings = _check_settings(settings)
    return families.single(
        settings["model"], seed, input_shape, n_outputs, activation=settings["activation"], init=settings["init"],
        dropout=settings["dropout"], batch_norm=settings["batch_norm"],
    )  # fmt: skip


def train_single(
    inputs: np.ndarray, labels: np.ndarray, seed: int, settings: Mapping, *, epochs: int | None = None
) -> nn.Module:
    """Train seed ``seed`` alone for ``epochs`` (default ``settings["epochs"]``); returns the network.

    Same split, initial weights, mini-batch order, optimiser and loss as
    :func:`~infoplane.training.train_ensemble`, without recording.
    """
    settings = _check_settings(settings)
    x = torch.from_numpy(np.asarray(inputs, dtype=np.float32))
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    train_index, _ = train_test_split(len(y), float(settings["train_fraction"]), int(settings["split_seed"]))
    net = single_network(seed, settings, x.shape[1:], int(y.max()) + 1)
    optimizer = make_optimizer(settings, net.parameters())
    rng = np.random.default_rng([int(seed), 1])
    batch_size = int(settings["batch_size"])
    train_t = torch.from_numpy(train_index)
    net.train()
    for _ in range(int(settings["epochs"]) if epochs is None else epochs):
        order = train_t[torch.from_numpy(rng.permutation(len(train_index)))]
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            loss = F.cross_entropy(net(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net
