"""Snakemake adapter: the stopping rules compared over seeds, and their figures (rule stopping_summary)."""

import pandas as pd

from infoplane.plots import stopping as plots
from infoplane.runtime import job
from infoplane.stopping import analysis

with job(snakemake):
    decided = pd.concat([pd.read_csv(path) for path in snakemake.input.decisions], ignore_index=True)
    curves = pd.concat([pd.read_csv(path) for path in snakemake.input.curves], ignore_index=True)
    table = analysis.summary(decided, snakemake.params.section)
    table.to_csv(snakemake.output.summary, index=False)
    plots.comparison(table, snakemake.output.figure.removesuffix(".pdf"))
    plots.curves(curves, decided, snakemake.params.section, snakemake.output.curves.removesuffix(".pdf"))
