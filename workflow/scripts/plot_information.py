"""Snakemake adapter: information plane and I vs epoch figures (rule plot_information)."""

import pandas as pd

from infoplane import plots
from infoplane.runtime import job

with job(snakemake):
    table = pd.read_csv(snakemake.input[0])
    plots.information_plane(table, snakemake.output.plane[0].removesuffix(".pdf"))
    plots.information_vs_epoch(table, snakemake.output.epochs[0].removesuffix(".pdf"))
