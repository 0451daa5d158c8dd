"""Snakemake adapter: tidy table of losses, accuracies and gradient statistics, and the per-seed
status table (divergence, final accuracies, chance accuracy) (rule training_table)."""

from infoplane.runtime import job
from infoplane.tables import seeds_table, training_table

with job(snakemake):
    table = training_table(snakemake.input, experiment=snakemake.wildcards.experiment)
    table.to_csv(snakemake.output.training, index=False)
    seeds_table(snakemake.input, experiment=snakemake.wildcards.experiment).to_csv(snakemake.output.seeds, index=False)
