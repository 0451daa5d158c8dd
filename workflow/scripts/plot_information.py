"""Snakemake adapter: information plane and I vs epoch figures of one instance (rule plot_information)."""

import pandas as pd

from infoplane.plots import placeholder, planes
from infoplane.runtime import job

with job(snakemake):
    table = pd.read_csv(snakemake.input[0], dtype={"seed": "Int64"})
    stems = [snakemake.output.plane[0].removesuffix(".pdf"), snakemake.output.epochs[0].removesuffix(".pdf")]
    if table.empty:  # no finite seed-epoch (every seed diverged): say so instead of drawing
        for stem in stems:
            placeholder(stem, f"{snakemake.wildcards.experiment}, {snakemake.wildcards.estimator}")
    else:
        planes.information_plane(table, stems[0])
        planes.information_vs_epoch(table, stems[1])
