"""Snakemake adapter: grid of all information planes (rule plot_overview)."""

import pandas as pd

from infoplane import plots
from infoplane.runtime import job

with job(snakemake):
    tables = [pd.read_csv(path) for path in snakemake.input]
    plots.information_plane_overview(tables, snakemake.output[0].removesuffix(".pdf"))
