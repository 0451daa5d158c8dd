"""Snakemake adapter: the flow graphs between neurons of an experiment's recorded networks, at
the section's flow epochs, for the trained networks and their shuffled controls (rule
rnn_flows; infoplane.rnn.flows)."""

import h5py
import numpy as np
import pandas as pd

from infoplane.rnn import VARIANTS
from infoplane.rnn.flows import flow_epochs, graph_tables
from infoplane.runtime import job

with job(snakemake) as log:
    section = snakemake.params.section
    with h5py.File(snakemake.input.run, "r") as handle:
        recorded = [int(e) for e in handle.attrs["recorded_epochs"]]
        seeds = [int(s) for s in handle.attrs["seeds"]]
        inputs = [int(i) for i in handle.attrs["input_neurons"]]
        outputs = [int(o) for o in handle.attrs["output_neurons"]]
        chosen = flow_epochs(recorded, int(section["flow_epochs"]))
        rows = [recorded.index(e) for e in chosen]
        edges, nodes = [], []
        for variant in VARIANTS:
            states = handle[f"states/{variant}"][rows]
            e, n = graph_tables(states, seeds, chosen, variant, section, inputs, outputs, log=log)
            edges.append(e)
            nodes.append(n)
    pd.concat(edges, ignore_index=True).to_csv(snakemake.output.edges, index=False)
    pd.concat(nodes, ignore_index=True).to_csv(snakemake.output.nodes, index=False)
