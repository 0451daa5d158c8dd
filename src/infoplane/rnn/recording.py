"""Reading the recurrent study's recorded file (written by :func:`infoplane.rnn.training.train_rnn`,
whose docstring gives the layout); h5py only, no torch."""

from __future__ import annotations

import json
import os

import numpy as np

__all__ = ["read_run"]


def read_run(path: str | os.PathLike, states: bool = True) -> dict:
    """The recorded file as a dict: ``series`` (name -> array), ``probe_inputs``,
    ``probe_targets``, ``probe_rows``, ``states`` (variant -> [R, S, P, L, n], when asked), ``parameters``
    and the attributes (baselines and causes decoded)."""
    import h5py

    with h5py.File(path, "r") as handle:
        out = {key: (value.tolist() if isinstance(value, np.ndarray) else value) for key, value in handle.attrs.items()}
        out["baselines"] = json.loads(handle.attrs["baselines"])
        out["divergence_cause"] = json.loads(handle.attrs["divergence_cause"])
        out["series"] = {name: handle[f"series/{name}"][()] for name in handle["series"]}
        out["probe_inputs"], out["probe_targets"] = handle["probe/inputs"][()], handle["probe/targets"][()]
        out["probe_rows"] = handle["probe/rows"][()]
        out["parameters"] = {name: handle[f"parameters/{name}"][()] for name in handle["parameters"]}
        if states:
            out["states"] = {variant: handle[f"states/{variant}"][()] for variant in handle["states"]}
    return out
