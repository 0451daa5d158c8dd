"""The torch side of the ``rnn`` family (declared in :mod:`infoplane.families.rnn`)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..choices import ACTIVATIONS, INITIALISATIONS
from ._layers import SeedEnsemble, check_common

__all__ = ["EnsembleRNN"]


class EnsembleRNN(SeedEnsemble):
    """S fully recurrent networks of n neurons, evaluated together.

    Parameters
    ----------
    seeds : the S seeds; steps : L, time steps of one input (one value each);
    neurons : n; input_neurons, output_neurons : 0-based neuron indices;
    n_outputs : outputs of the read-out; activation, init : declared names.

    Attributes
    ----------
    weights : [recurrent W [S, n, n], read-out V [S, n_outputs, k_out]] (gradient statistics
        and weight norms per recorded layer); input_weights [S, k_in]; biases [S, n] and
        [S, n_outputs].

    Raises
    ------
    ValueError
        For an unknown activation or initialisation, bad seeds or neuron indices.
    """

    norms = None

    def __init__(self, seeds: Sequence[int], steps: int, neurons: int, input_neurons: Sequence[int],
                 output_neurons: Sequence[int], n_outputs: int, activation: str, init: str):  # fmt: skip
        super().__init__()
        seeds = check_common(seeds, activation, init)
        n = int(neurons)
        if not input_neurons or not output_neurons or max(*input_neurons, *output_neurons) >= n:
            raise ValueError(f"input and output neurons must be non-empty indices below {n}")
        self.seeds, self.steps, self.neurons = seeds, int(steps), n
        self.input_neurons, self.output_neurons = list(input_neurons), list(output_neurons)
        self.activation_name = activation
        self.activation = ACTIVATIONS[activation].apply
        s, k_in, k_out = len(seeds), len(self.input_neurons), len(self.output_neurons)
        self.weights = nn.ParameterList([nn.Parameter(torch.empty(s, n, n)), nn.Parameter(torch.empty(s, n_outputs, k_out))])
        self.input_weights = nn.Parameter(torch.empty(s, k_in))
        self.biases = nn.ParameterList([nn.Parameter(torch.empty(s, n)), nn.Parameter(torch.empty(s, n_outputs))])
        fill = INITIALISATIONS[init].apply
        with torch.no_grad():
            for i, seed in enumerate(seeds):
                generator = torch.Generator().manual_seed(seed)
                recurrent = self.weights[0][i].T  # drawn [fan_in, fan_out], stored transposed as nn.Linear's
                fill(recurrent, self.biases[0][i], n, n, generator)
                fill(self.input_weights[i].view(1, k_in), torch.empty(k_in), 1, k_in, generator)
                readout = self.weights[1][i].T
                fill(readout, self.biases[1][i], k_out, n_outputs, generator)

    @property
    def n_layers(self) -> int:
        return 2

    def _sequence(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs as [S, B, L]: x [B, L] or [B, *shape] shared, or [S, B, L]."""
        if x.dim() == 3 and x.shape[0] == self.n_seeds and x.shape[2] == self.steps:
            return x
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.steps:
            raise ValueError(f"inputs of {x.shape[1]} values per row, the network takes windows of {self.steps} steps")
        return x.unsqueeze(0).expand(self.n_seeds, -1, -1)

    def states(self, x: torch.Tensor) -> torch.Tensor:
        """Every neuron's state at every step, [S, B, L, n] (h_1 … h_L)."""
        x = self._sequence(x)
        s, b, steps = x.shape
        drive = x.new_zeros(s, self.neurons)
        index = torch.as_tensor(self.input_neurons, device=x.device)
        drive = drive.index_copy(1, index, self.input_weights)  # u, zero off the input neurons
        h = x.new_zeros(s, b, self.neurons)
        recurrent_t = self.weights[0].transpose(1, 2)
        bias = self.biases[0].unsqueeze(1)
        out = []
        for t in range(steps):
            h = self.activation(torch.baddbmm(bias, h, recurrent_t) + x[:, :, t, None] * drive[:, None, :])
            out.append(h)
        return torch.stack(out, dim=2)

    def readout(self, last: torch.Tensor) -> torch.Tensor:
        """Outputs [S, B, n_outputs] from the last states [S, B, n]."""
        picked = last.index_select(2, torch.as_tensor(self.output_neurons, device=last.device))
        return torch.baddbmm(self.biases[1].unsqueeze(1), picked, self.weights[1].transpose(1, 2))

    def layer_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """[h_L [S, B, n], outputs [S, B, n_outputs]] for inputs [B, L] or [S, B, L]."""
        last = self.states(x)[:, :, -1]
        return [last, self.readout(last)]

    def training_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """All N windows, [N, L]."""
        return x.reshape(x.shape[0], -1).contiguous()

    def training_outputs(self, stored: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Outputs [S, n_outputs, B] of rows ``index`` [S, B]."""
        batch = stored.index_select(0, index.flatten()).view(*index.shape, stored.shape[1])
        return self.layer_outputs(batch)[-1].transpose(1, 2)
