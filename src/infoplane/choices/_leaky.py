"""Leaky ReLU with slope 0.2 below zero, the discriminators' activation of Radford, Metz and
Chintala (2016, section 3), which most GAN discriminators since use: ``max(x, 0.2 x)``."""

from __future__ import annotations

from torch.nn import functional as F

__all__ = ["SLOPE", "leaky_relu"]

#: Slope below zero.
SLOPE = 0.2


def leaky_relu(x):
    """``max(x, 0.2 x)`` elementwise (``torch.nn.functional.leaky_relu`` with slope 0.2)."""
    return F.leaky_relu(x, SLOPE)
