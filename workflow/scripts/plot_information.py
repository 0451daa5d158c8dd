"""Snakemake adapter: information plane and I vs epoch figures of one instance (rule plot_information)."""

import pandas as pd

from infoplane.plots import placeholder, planes
from infoplane.runtime import job

with job(snakemake):
    table = pd.read_csv(snakemake.input[0], dtype={"seed": "Int64"})
    stems = [snakemake.output.plane.removesuffix(".pdf"), snakemake.output.epochs.removesuffix(".pdf")]
    if table.empty:  # no finite seed-epoch (every seed diverged): say so instead of drawing
        for stem, width in zip(stems, (planes.PLANE_WIDTH_IN, planes.EPOCHS_WIDTH_IN)):
            placeholder(stem, f"{snakemake.wildcards.experiment}, {snakemake.wildcards.estimator}", width_in=width)
    else:
        planes.information_plane(table, stems[0])
        planes.information_vs_epoch(table, stems[1])
