"""Snakemake adapter: one experiment's neuron, flow-graph and information-plane figures of the
recurrent study (rule rnn_figures)."""

import pandas as pd

from infoplane.plots import rnn as plots
from infoplane.runtime import job

with job(snakemake):
    experiment, out = snakemake.wildcards.experiment, snakemake.output
    curves = pd.read_csv(snakemake.input.curves)
    plots.neuron_figure(curves, experiment, out.neurons.removesuffix(".pdf"))
    plots.flow_figure(pd.read_csv(snakemake.input.edges), pd.read_csv(snakemake.input.nodes), experiment,
                      out.flow.removesuffix(".pdf"))
    plots.plane_figure(curves, experiment, out.planes.removesuffix(".pdf"))
