"""``rnn``: fully recurrent networks (seed 004), trained as an ensemble of S independently
seeded copies.

n neurons, each connected to every neuron by a dense recurrent matrix (self-connections
included); at time step t = 1 … L of an input window x (one value per step),

    h_t = f(W h_{t-1} + u x_t + b),    h_0 = 0,

where ``u`` is non-zero only on the first ``input_neurons`` neurons (the input neurons: all n
when 0); the prediction is read from the last ``output_neurons`` neurons (all when 0) after the
last step, ``y = V h_L[out] + c``. No layers are given: the recurrent matrix is one dense
"layer" of n neurons. The recorded layers are the hidden state after the last step, h_L [n],
and the output [n_outputs]; :meth:`~infoplane.families._rnn.EnsembleRNN.states` returns every
neuron's state at every step, [S, B, L, n], for the neuron-level study (:mod:`infoplane.rnn`).
A vector input of d values is read as a sequence of d steps.

Initialisation: W with the declared initialisation (fan-in = fan-out = n), u with it as a
[1, k_in] matrix, V as [k_out, n_outputs]; every bias starts as the initialisation sets it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..params import Parameter

if TYPE_CHECKING:
    import torch

__all__ = ["PARAMETERS", "SOURCE", "REGULARISERS", "layer_shapes", "cost", "build", "single", "roles"]

SOURCE = "seed 004 (a fully recurrent network); Elman 1990 for the recurrence h_t = f(W h_{t-1} + u x_t + b)"
DESCRIPTION = "fully recurrent network"
PARAMETERS = (
    Parameter("neurons", "integer", 16, "n, neurons of the recurrent matrix (each connected to every neuron)", "seed 004",
              minimum=2),
    Parameter("input_neurons", "integer", 4, "neurons that receive the input (the first ones; 0: all)", "seed 004",
              minimum=0),
    Parameter("output_neurons", "integer", 4, "neurons the prediction is read from (the last ones; 0: all)", "seed 004",
              minimum=0),
)  # fmt: skip
RECORDED = (
    "The n neurons' states after the last time step of the window (one recurrent layer, every neuron "
    "connected to every neuron), then the affine read-out from the output neurons."
)
REGULARISERS = ()
INPUT_RANK = None


def roles(params) -> tuple[list[int], list[int]]:
    """(input neurons, output neurons) of checked ``params``, 0-based.

    Raises
    ------
    ValueError
        If ``input_neurons`` or ``output_neurons`` exceeds ``neurons``.
    """
    n, k_in, k_out = int(params["neurons"]), int(params["input_neurons"]), int(params["output_neurons"])
    for key, value in (("input_neurons", k_in), ("output_neurons", k_out)):
        if value > n:
            raise ValueError(f"{key} = {value} exceeds neurons = {n}")
    k_in, k_out = k_in or n, k_out or n
    return list(range(k_in)), list(range(n - k_out, n))


def layer_shapes(input_shape: Sequence[int], n_outputs: int, params) -> list[tuple[int, ...]]:
    """The hidden state after the last step (n,) and the output (n_outputs,)."""
    roles(params)
    return [(int(params["neurons"]),), (int(n_outputs),)]


def cost(input_shape: Sequence[int], n_outputs: int, params) -> dict:
    """Per seed: parameters, and FLOPs of one window's forward pass (L steps of the n x n
    product and the input, then the read-out)."""
    n = int(params["neurons"])
    inputs, outputs = roles(params)
    steps = math.prod(input_shape)
    parameters = n * n + n + len(inputs) + len(outputs) * int(n_outputs) + int(n_outputs)
    return {"parameters": parameters, "flops": 2 * steps * (n * n + len(inputs)) + 2 * len(outputs) * int(n_outputs)}


def _check_regularisers(dropout, batch_norm) -> None:
    if dropout or batch_norm:
        raise ValueError("the rnn family implements neither dropout nor batch_norm (set dropout: 0, batch_norm: false)")


def build(seeds, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False) -> "torch.nn.Module":
    """The ensemble of ``seeds`` (:class:`~infoplane.families._rnn.EnsembleRNN`)."""
    from ._rnn import EnsembleRNN

    _check_regularisers(dropout, batch_norm)
    inputs, outputs = roles(params)
    return EnsembleRNN(seeds, math.prod(input_shape), int(params["neurons"]), inputs, outputs, int(n_outputs), activation, init)


def single(seed: int, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False):
    """One network: the ensemble of the single seed ``seed`` (its forward pass is the plain
    recurrence; there is no torch layer that restricts the input and read-out neurons)."""
    return build([seed], input_shape, n_outputs, params, activation=activation, init=init, dropout=dropout, batch_norm=batch_norm)
