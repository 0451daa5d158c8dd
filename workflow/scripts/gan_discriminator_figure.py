"""Snakemake adapter: the discriminators' accuracy and the generators' loss over training, all
experiments of a GAN study (rule gan_discriminator_figure)."""

import pandas as pd

from infoplane.plots import gan as plots
from infoplane.runtime import job

with job(snakemake):
    plots.discriminator_curves(pd.read_csv(snakemake.input.training), snakemake.output.pdf.removesuffix(".pdf"))
