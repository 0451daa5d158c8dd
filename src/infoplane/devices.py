"""Choosing the torch device from the config's ``device`` value."""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]


def resolve_device(name: str) -> torch.device:
    """The torch device for a config value ``"cpu"``, ``"cuda"``, ``"cuda:<i>"`` or ``"auto"``.

    Raises
    ------
    RuntimeError
        If a CUDA device is requested and torch sees none.
    ValueError
        For any other string.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device {name!r} requested but torch {torch.__version__} sees no CUDA device; "
                "set device: cpu (or auto) in the config"
            )
        return torch.device(name)
    raise ValueError(f"unknown device {name!r}; expected 'cpu', 'cuda', 'cuda:<index>' or 'auto'")
