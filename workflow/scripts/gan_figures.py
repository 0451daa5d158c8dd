"""Snakemake adapter: one GAN experiment's figures (rule gan_figures): the discriminator's
information planes with intervals and the grid of generated samples per recorded epoch."""

import pandas as pd

from infoplane.plots import gan as plots
from infoplane.plots.claims import plane_intervals
from infoplane.recording import read_info, read_series
from infoplane.runtime import job

#: Seeds shown side by side in the sample grid (the first kept ones).
GRID_SEEDS = 3

with job(snakemake):
    experiment = snakemake.wildcards.experiment
    curves = pd.read_csv(snakemake.input.curves)
    plane_intervals(curves[curves["experiment"] == experiment], snakemake.output.planes.removesuffix(".pdf"),
                    title=f"{experiment}: the discriminator's layers, means over seeds with bootstrap intervals")
    status = pd.read_csv(snakemake.input.seeds)
    status = status[status["experiment"] == experiment]
    info = read_info(snakemake.input.chunk)
    kept = set(status.loc[status["kept"], "seed"].astype(int))
    chunk_seeds = [int(s) for s in info.seeds]
    shown = [s for s in chunk_seeds if s in kept][:GRID_SEEDS] or chunk_seeds[:GRID_SEEDS]
    samples = read_series(snakemake.input.chunk, "samples")[:, [chunk_seeds.index(s) for s in shown]]
    plots.sample_grid(samples, info.epochs, shown, snakemake.output.samples.removesuffix(".pdf"),
                      title=f"{experiment}: generated images from fixed latent codes; rows: recorded epoch")
