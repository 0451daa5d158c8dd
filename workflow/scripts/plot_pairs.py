"""Snakemake adapter: the collapse map and the predictions figure (rule plot_pairs)."""

import pandas as pd

from infoplane.plots import pairs
from infoplane.runtime import job

with job(snakemake):
    pairs.collapse_map(pd.read_csv(snakemake.input.collapse), snakemake.output.collapse.removesuffix(".pdf"))
    pairs.predictions(pd.read_csv(snakemake.input.table), snakemake.output.predictions.removesuffix(".pdf"))
