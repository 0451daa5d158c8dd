"""Snakemake adapter: tidy table of losses, accuracies and gradient statistics (rule training_table)."""

from infoplane.runtime import job
from infoplane.tables import training_table

with job(snakemake):
    table = training_table(snakemake.input, experiment=snakemake.wildcards.experiment)
    table.to_csv(snakemake.output[0], index=False)
