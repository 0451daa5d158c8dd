"""Snakemake adapter: information plane and I vs epoch figures of one instance (rule plot_information)."""

import pandas as pd

from infoplane.plots import planes
from infoplane.runtime import job

with job(snakemake):
    table = pd.read_csv(snakemake.input[0], dtype={"seed": "Int64"})
    planes.information_plane(table, snakemake.output.plane[0].removesuffix(".pdf"))
    planes.information_vs_epoch(table, snakemake.output.epochs[0].removesuffix(".pdf"))
