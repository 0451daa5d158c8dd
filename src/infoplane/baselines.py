"""The straightforward per-seed training loop, for validation and benchmarks.

One ``torch.nn.Sequential`` of ``nn.Linear`` layers per seed, trained on its own, with the same
initial weights and the same mini-batch order as seed ``s`` of
:func:`infoplane.training.train_ensemble`. Tests use it to show that the batched ensemble
trains every seed exactly as if it were alone; the benchmark times it against the ensemble.
Do not use it in the workflow.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .datasets import train_test_split
from .models import ACTIVATIONS, EnsembleMLP

__all__ = ["single_network", "train_single"]


class _Activation(nn.Module):
    def __init__(self, name: str):
        super().__init__()
        self.fn = ACTIVATIONS[name]

    def forward(self, x):
        return self.fn(x)


def single_network(seed: int, widths, activation: str, init: str) -> nn.Sequential:
    """An ``nn.Sequential`` with the initial weights of seed ``seed`` of an ensemble."""
    ensemble = EnsembleMLP([seed], widths, activation, init)
    layers: list[nn.Module] = []
    for index, (weight, bias) in enumerate(zip(ensemble.weights, ensemble.biases)):
        linear = nn.Linear(weight.shape[2], weight.shape[1])
        with torch.no_grad():
            linear.weight.copy_(weight[0])
            linear.bias.copy_(bias[0, :, 0])
        layers.append(linear)
        if index < ensemble.n_layers - 1:
            layers.append(_Activation(activation))
    return nn.Sequential(*layers)


def train_single(
    inputs: np.ndarray, labels: np.ndarray, seed: int, settings: Mapping, *, epochs: int | None = None
) -> nn.Sequential:
    """Train seed ``seed`` alone for ``epochs`` (default ``settings["epochs"]``); returns the network.

    Same split, initial weights, mini-batch order, optimiser and loss as
    :func:`~infoplane.training.train_ensemble`, without recording.
    """
    x = torch.from_numpy(np.asarray(inputs, dtype=np.float32))
    y = torch.from_numpy(np.asarray(labels, dtype=np.int64))
    train_index, _ = train_test_split(len(y), float(settings["train_fraction"]), int(settings["split_seed"]))
    widths = [x.shape[1], *settings["hidden_widths"], int(y.max()) + 1]
    net = single_network(seed, widths, settings["activation"], settings["init"])
    lr = float(settings["learning_rate"])
    optimizer = torch.optim.Adam(net.parameters(), lr=lr) if settings["optimizer"] == "adam" else torch.optim.SGD(net.parameters(), lr=lr)
    rng = np.random.default_rng([int(seed), 1])
    batch_size = int(settings["batch_size"])
    train_t = torch.from_numpy(train_index)
    for _ in range(int(settings["epochs"]) if epochs is None else epochs):
        order = train_t[torch.from_numpy(rng.permutation(len(train_index)))]
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            loss = F.cross_entropy(net(x[index]), y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net
