"""Snakemake adapter: train one chunk of seeds as a batched ensemble (rule train_chunk)."""

from infoplane.datasets import load_dataset, load_input_shape, load_split
from infoplane.runtime import job
from infoplane.training import train_ensemble

with job(snakemake) as log:
    inputs, labels = load_dataset(snakemake.input.dataset)
    inputs = inputs.reshape(len(inputs), *load_input_shape(snakemake.input.dataset))  # images keep [C, H, W]
    split = load_split(snakemake.input.dataset)  # MNIST standard: the fixed 60000/10000 split
    seeds = snakemake.params.seeds
    log.info("training seeds %s on %s (%s)", seeds, snakemake.input.dataset,
             "its fixed split" if split is not None else "split by train_fraction and split_seed")
    train_ensemble(
        inputs, labels, seeds, snakemake.params.settings, snakemake.output[0],
        device=snakemake.params.device, experiment=snakemake.wildcards.experiment, split=split,
    )  # fmt: skip
