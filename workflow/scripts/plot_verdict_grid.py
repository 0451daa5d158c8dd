"""Snakemake adapter: the verdict grid of a study's claims (rule plot_verdict_grid)."""

import pandas as pd

from infoplane.plots.verdicts import verdict_grid
from infoplane.runtime import job

with job(snakemake):
    claims = pd.read_csv(snakemake.input[0], dtype={"layer": str, "n_seeds": str})
    verdict_grid(
        claims, snakemake.output.grid.removesuffix(".pdf"),
        experiments=snakemake.params.experiments, estimators=snakemake.params.estimators,
    )  # fmt: skip
