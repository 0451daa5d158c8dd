"""Snakemake adapter: the skipping study's error-against-cost figure (rule skipping_figure)."""

import pandas as pd

from infoplane.plots.skipping import error_vs_cost
from infoplane.runtime import job

with job(snakemake):
    error_vs_cost(pd.read_csv(snakemake.input.summary), snakemake.output.pdf.removesuffix(".pdf"))
