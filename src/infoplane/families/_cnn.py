"""The torch side of the ``cnn`` family (declared in :mod:`infoplane.families.cnn`): the
ensemble and the plain per-seed network."""

from __future__ import annotations

import math
import torch
from torch import nn
from torch.nn import functional as F

from ..choices import ACTIVATIONS, INITIALISATIONS
from ._layers import ActivationModule, SeedBatchNorm, SeedDropout, SeedEnsemble, check_common
from .cnn import layer_shapes

__all__ = ["EnsembleCNN", "single_network"]


class EnsembleCNN(SeedEnsemble):
    """S convolutional networks of the same shape, evaluated together.

    Parameters
    ----------
    seeds : the S seeds; seed ``seeds[s]`` initialises network ``s`` from its own generator
        (conv layers, then fully connected layers, each weight drawn as [fan_in, fan_out]).
    input_shape : [C, H, W] of one input; n_outputs : units of the output layer.
    params : the family's parameters (:data:`PARAMETERS`, defaults filled in).
    activation, init, dropout, batch_norm : as :class:`~infoplane.families.mlp.EnsembleMLP`.

    Raises
    ------
    ValueError
        As :func:`layer_shapes`, and for an unknown activation or initialisation or a bad seed list.
    """

    def __init__(self, seeds, input_shape, n_outputs, params, activation: str, init: str, *,
                 dropout: float = 0.0, batch_norm: bool = False):  # fmt: skip
        super().__init__()
        self.seeds = check_common(seeds, activation, init)
        self.shapes = layer_shapes(input_shape, n_outputs, params)
        self.input_shape = tuple(int(v) for v in input_shape)
        self.activation_name = activation
        self.activation = ACTIVATIONS[activation].apply
        self.kernel, self.stride, self.padding = (int(params[k]) for k in ("kernel_size", "stride", "padding"))
        self.pool, self.pooling = int(params["pool"]), params["pooling"]
        n, k = len(self.seeds), self.kernel
        channels = [self.input_shape[0], *(int(c) for c in params["channels"])]
        self.n_conv = len(channels) - 1
        widths = [math.prod(self.shapes[self.n_conv - 1]), *(int(w) for w in params["hidden_widths"]), int(n_outputs)]
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.empty(n, o, i, k, k)) for i, o in zip(channels[:-1], channels[1:])]
            + [nn.Parameter(torch.empty(n, o, i)) for i, o in zip(widths[:-1], widths[1:])]
        )  # fmt: skip
        self.biases = nn.ParameterList(
            [nn.Parameter(torch.empty(n, o)) for o in channels[1:]] + [nn.Parameter(torch.empty(n, 1, o)) for o in widths[1:]]
        )  # fmt: skip
        self.norms = None
        if batch_norm:
            self.norms = nn.ModuleList(
                [SeedBatchNorm((n, c, 1, 1), dims=(0, 2, 3)) for c in channels[1:]]  # per seed, on [B, C, H, W]
                + [SeedBatchNorm((n, 1, w), dims=(1,)) for w in widths[1:-1]]
            )  # fmt: skip
        self.dropout = SeedDropout(self.seeds, dropout)
        fill = INITIALISATIONS[init].apply
        if batch_norm:  # batch norm's shift replaces the bias of the layer it follows (Ioffe & Szegedy 2015, 3.2)
            for bias in list(self.biases)[:-1]:
                bias.requires_grad_(False)
        with torch.no_grad():
            for s, seed in enumerate(self.seeds):
                generator = torch.Generator().manual_seed(seed)
                for weight, bias in zip(self.weights, self.biases):
                    w = weight[s]
                    if w.dim() == 4:  # [out, in, k, k]: fan_in in x k x k, fan_out out x k x k
                        area = w.shape[2] * w.shape[3]
                        drawn = torch.empty(w.shape[1] * area, w.shape[0])
                        fill(drawn, bias[s], drawn.shape[0], w.shape[0] * area, generator)
                        w.copy_(drawn.T.reshape(w.shape))
                    else:  # [out, in]
                        view = w.T
                        fill(view, bias[s, 0], view.shape[0], view.shape[1], generator)
                    if not bias.requires_grad:
                        bias[s].zero_()

    def layer_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's output, flattened per input: ``n_layers`` tensors [S, B, d_l] (conv
        blocks' feature maps after pooling, hidden layers, then the output layer's logits).

        x : [S, B, C, H, W] (each network its own batch) or [B, C, H, W] (the same inputs)."""
        if x.dim() == 4:
            x = x.unsqueeze(0).expand(self.n_seeds, *x.shape)
        n, h = self.n_seeds, x  # [S, B, C, H, W]
        outputs = []
        for layer in range(self.n_conv):
            weight, bias = self.weights[layer], self.biases[layer]
            # each seed's convolution, batch norm, activation and pooling on its own slice, then
            # stacked: on 2 CPU cores faster than one grouped convolution (groups=S) or
            # torch.func.vmap (which runs as one), and than pooling the stacked maps (measured: 8
            # seeds, batch 128, 1x28x28 -> 8x28x28, kernel 5); a lone seed's numbers exactly
            blocks = []
            for s in range(n):
                y = F.conv2d(h[s], weight[s], bias[s], self.stride, self.padding)
                if self.norms is not None:
                    y = self.norms[layer].forward_seed(y, s, (0, 2, 3))
                y = self.activation(y)
                if self.pool > 1:
                    y = (F.max_pool2d if self.pooling == "max" else F.avg_pool2d)(y, self.pool)
                blocks.append(y)
            h = torch.stack(blocks)
            outputs.append(h.flatten(2))  # [S, B, C*H*W]
            h = self.dropout(h)
        h = h.flatten(2)  # [S, B, D]
        for layer in range(self.n_conv, self.n_layers):
            h = self._finish_layer(torch.baddbmm(self.biases[layer], h, self.weights[layer].transpose(1, 2)), layer, outputs)
        return outputs

    def training_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """All N inputs [N, C, H, W], as they are."""
        return x

    def training_outputs(self, stored: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        """Outputs [S, n_outputs, B] of each seed's mini-batch, rows ``index`` [S, B]."""
        batch = stored.index_select(0, index.flatten()).view(*index.shape, *stored.shape[1:])  # = stored[index], faster
        return self.layer_outputs(batch)[-1].transpose(1, 2)


def single_network(seed: int, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False) -> nn.Sequential:
    """See :func:`infoplane.families.cnn.single`."""
    ensemble = EnsembleCNN([seed], input_shape, n_outputs, params, activation, init, batch_norm=batch_norm)
    k, layers = ensemble.kernel, []
    for layer in range(ensemble.n_layers):
        weight, bias = ensemble.weights[layer][0], ensemble.biases[layer][0].flatten()
        with_bias = not (batch_norm and layer < ensemble.n_layers - 1)  # batch norm's shift replaces it
        if layer < ensemble.n_conv:
            module = nn.Conv2d(weight.shape[1], weight.shape[0], k, ensemble.stride, ensemble.padding, bias=with_bias)
        else:
            module = nn.Linear(weight.shape[1], weight.shape[0], bias=with_bias)
        with torch.no_grad():
            module.weight.copy_(weight)
            if with_bias:
                module.bias.copy_(bias)
        if layer == ensemble.n_conv:
            layers.append(nn.Flatten())
        layers.append(module)
        if layer < ensemble.n_layers - 1:
            if batch_norm:
                layers.append((nn.BatchNorm2d if layer < ensemble.n_conv else nn.BatchNorm1d)(weight.shape[0]))
            layers.append(ActivationModule(activation))
            if layer < ensemble.n_conv and ensemble.pool > 1:
                layers.append((nn.MaxPool2d if ensemble.pooling == "max" else nn.AvgPool2d)(ensemble.pool))
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)
