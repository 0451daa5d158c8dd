"""Snakemake adapter: test accuracy against the fall of I(X;T), per seed (rule plot_generalisation)."""

import pandas as pd

from infoplane.plots import claims as plots
from infoplane.runtime import job

with job(snakemake):
    frames = [pd.read_csv(path) for path in snakemake.input.per_seed]
    per_seed = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else frames[0]
    claims = pd.read_csv(snakemake.input.claims, dtype={"layer": str, "n_seeds": str})
    plots.generalisation(per_seed, claims, snakemake.output.figure.removesuffix(".pdf"))
