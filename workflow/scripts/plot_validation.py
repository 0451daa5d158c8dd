"""Snakemake adapter: figures of the validation study (rule plot_validation)."""

import pandas as pd

from infoplane.plots import validation
from infoplane.runtime import job

with job(snakemake):
    validation.estimates_against_truth(pd.read_csv(snakemake.input.table), snakemake.output.estimates.removesuffix(".pdf"))
    validation.bias(pd.read_csv(snakemake.input.summary), snakemake.output.bias.removesuffix(".pdf"))
