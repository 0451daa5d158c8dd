"""Snakemake adapter: train one chunk of seeds as a batched ensemble (rule train_chunk): the
experiment's classifiers, or in a GAN study (a `gan` section) its GANs, whose discriminator is
the recorded network (infoplane.gan.training)."""

from infoplane.datasets import load_dataset, load_input_shape, load_split
from infoplane.runtime import job

with job(snakemake) as log:
    inputs, labels = load_dataset(snakemake.input.dataset)
    inputs = inputs.reshape(len(inputs), *load_input_shape(snakemake.input.dataset))  # images keep [C, H, W]
    split = load_split(snakemake.input.dataset)  # MNIST standard: the fixed 60000/10000 split
    seeds = snakemake.params.seeds
    settings = dict(snakemake.params.settings)
    gan = settings.pop("gan", None)
    log.info("training %sseeds %s on %s (%s)", "GANs of " if gan is not None else "", seeds, snakemake.input.dataset,
             "its fixed split" if split is not None else "split by train_fraction and split_seed")
    if gan is not None:
        from infoplane.gan.training import train_gan

        train_gan(
            inputs, seeds, settings, gan, snakemake.output[0], device=snakemake.params.device,
            experiment=snakemake.wildcards.experiment, split=split,
        )  # fmt: skip
    else:
        from infoplane.training import train_ensemble

        train_ensemble(
            inputs, labels, seeds, settings, snakemake.output[0],
            device=snakemake.params.device, experiment=snakemake.wildcards.experiment, split=split,
        )  # fmt: skip
