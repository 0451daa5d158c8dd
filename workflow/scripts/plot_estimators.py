"""Snakemake adapter: every estimator's information plane of one experiment, side by side (rule plot_estimators)."""

import pandas as pd

from infoplane.plots import placeholder, planes
from infoplane.runtime import job

with job(snakemake):
    tables = [pd.read_csv(path, dtype={"seed": "Int64"}) for path in snakemake.input]
    tables = [table for table in tables if not table.empty]  # empty: no finite seed-epoch
    if tables:
        planes.estimator_planes(tables, snakemake.output.planes.removesuffix(".pdf"))
    else:
        placeholder(snakemake.output.planes.removesuffix(".pdf"), f"{snakemake.wildcards.experiment}: every estimator")
