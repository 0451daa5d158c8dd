"""Snakemake adapter: every estimator's information plane of one experiment, side by side (rule plot_estimators)."""

import pandas as pd

from infoplane.plots import planes
from infoplane.runtime import job

with job(snakemake):
    tables = [pd.read_csv(path, dtype={"seed": "Int64"}) for path in snakemake.input]
    planes.estimator_planes(tables, snakemake.output[0].removesuffix(".pdf"))
