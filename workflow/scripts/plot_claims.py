"""Snakemake adapter: information plane with intervals and the SNR transition (rule plot_claims)."""

import pandas as pd

from infoplane.plots import claims as plots
from infoplane.runtime import job

with job(snakemake):
    curves = pd.read_csv(snakemake.input.curves, dtype={"estimator": str}, keep_default_na=False, na_values=[""])
    curves["estimator"] = curves["estimator"].fillna("")
    claims = pd.read_csv(snakemake.input.claims, dtype={"layer": str, "n_seeds": str})
    plots.plane_intervals(curves, snakemake.output.planes.removesuffix(".pdf"))
    plots.snr_transition(curves, claims, snakemake.output.snr.removesuffix(".pdf"))
