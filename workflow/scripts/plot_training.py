"""Snakemake adapter: gradient statistics and learning curves (rule plot_training)."""

import pandas as pd

from infoplane.plots import training
from infoplane.runtime import job

with job(snakemake):
    table = pd.read_csv(snakemake.input[0], dtype={"layer": "Int64"})
    training.gradients(table, snakemake.output.gradients.removesuffix(".pdf"))
    training.learning_curves(table, snakemake.output.learning.removesuffix(".pdf"))
