"""Snakemake adapter: compression against a swept estimator parameter (rule plot_sweep)."""

import pandas as pd

from infoplane.plots import planes
from infoplane.runtime import job

with job(snakemake):
    summaries = [pd.read_csv(path) for path in snakemake.input]
    planes.sweep_compression(summaries, snakemake.params.swept, snakemake.output[0].removesuffix(".pdf"))
