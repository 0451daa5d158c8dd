"""The initialisations declared in :mod:`infoplane.choices.initialisations`, on torch tensors:
each fills one seed's weight (any shape) and bias in place from the seed's generator."""

from __future__ import annotations

import math

from torch import nn

__all__ = ["truncated_normal_fan_in", "truncated_normal_fan_out", "torch_default", "glorot_uniform"]


def _truncated_normal(weight, bias, sd, generator):
    nn.init.trunc_normal_(weight, 0.0, sd, -2.0 * sd, 2.0 * sd, generator=generator)
    nn.init.zeros_(bias)


def truncated_normal_fan_in(weight, bias, fan_in, fan_out, generator):
    """[ST17]: truncated normal, sd 1/sqrt(fan_in), truncated at 2 sd, bias 0."""
    _truncated_normal(weight, bias, 1.0 / math.sqrt(fan_in), generator)


def truncated_normal_fan_out(weight, bias, fan_in, fan_out, generator):
    """[SB18]: truncated normal, sd 1/sqrt(fan_out), truncated at 2 sd, bias 0."""
    _truncated_normal(weight, bias, 1.0 / math.sqrt(fan_out), generator)


def torch_default(weight, bias, fan_in, fan_out, generator):
    bound = 1.0 / math.sqrt(fan_in)
    nn.init.uniform_(weight, -bound, bound, generator=generator)
    nn.init.uniform_(bias, -bound, bound, generator=generator)


def glorot_uniform(weight, bias, fan_in, fan_out, generator):
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    nn.init.uniform_(weight, -bound, bound, generator=generator)
    nn.init.zeros_(bias)
