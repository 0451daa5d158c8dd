"""Snakemake adapter: compression against a swept estimator parameter (rule plot_sweep)."""

import pandas as pd

from infoplane.plots import placeholder, planes
from infoplane.runtime import job

with job(snakemake):
    summaries = [pd.read_csv(path) for path in snakemake.input]
    kept = [(summary, swept) for summary, swept in zip(summaries, snakemake.params.swept) if not summary.empty]
    if kept:  # an empty summary: no finite seed-epoch for that instance
        planes.sweep_compression([k[0] for k in kept], [k[1] for k in kept], snakemake.output.sweep.removesuffix(".pdf"))
    else:
        placeholder(snakemake.output.sweep.removesuffix(".pdf"), f"{snakemake.wildcards.experiment}: sweep {snakemake.wildcards.sweep}")
