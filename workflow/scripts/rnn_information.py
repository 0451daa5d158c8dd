"""Snakemake adapter: neuron-level and whole-state information of an experiment's recorded
networks, and the planes of its neurons grouped by depth in the flow graph (rule
rnn_information; infoplane.rnn.information)."""

import h5py
import pandas as pd

from infoplane.rnn import VARIANTS
from infoplane.rnn import information as info
from infoplane.runtime import job

with job(snakemake) as log:
    section = snakemake.params.section
    nodes = pd.read_csv(snakemake.input.nodes)
    neurons, pairs, states = [], [], []
    with h5py.File(snakemake.input.run, "r") as handle:
        recorded = [int(e) for e in handle.attrs["recorded_epochs"]]
        seeds = [int(s) for s in handle.attrs["seeds"]]
        targets = handle["probe/targets"][()]
        for variant in VARIANTS:
            last = handle[f"states/{variant}"][:, :, :, -1, :]  # [R, S, P, n]: after the window's last step
            neurons.append(info.neuron_table(last, targets, seeds, recorded, variant, section))
            if variant == "trained":
                pairs.append(info.pair_table(last, seeds, recorded, variant, section))
            states.append(info.state_table(last, targets, seeds, recorded, variant, section,
                                           info.group_planes(nodes, variant)))  # fmt: skip
            log.info("%s: information of %d neurons at %d epochs", variant, last.shape[-1], len(recorded))
    pd.concat(neurons, ignore_index=True).to_csv(snakemake.output.neurons, index=False)
    pd.concat(pairs, ignore_index=True).to_csv(snakemake.output.pairs, index=False)
    pd.concat(states, ignore_index=True).to_csv(snakemake.output.states, index=False)
