"""Snakemake adapter: train one chunk of seeds as a batched ensemble (rule train_chunk)."""

from infoplane.datasets import load_dataset
from infoplane.runtime import job
from infoplane.training import train_ensemble

with job(snakemake) as log:
    inputs, labels = load_dataset(snakemake.input.dataset)
    seeds = snakemake.params.seeds
    log.info("training seeds %s on %s", seeds, snakemake.input.dataset)
    train_ensemble(
        inputs, labels, seeds, snakemake.params.settings, snakemake.output[0],
        device=snakemake.params.device, experiment=snakemake.wildcards.experiment,
    )  # fmt: skip
