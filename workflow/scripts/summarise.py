"""Snakemake adapter: peak/final values and compression test of one information table (rule summarise)."""

import pandas as pd

from infoplane.runtime import job
from infoplane.summary import summarise_information

with job(snakemake):
    summarise_information(pd.read_csv(snakemake.input[0])).to_csv(snakemake.output[0], index=False)
