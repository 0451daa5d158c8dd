"""Snakemake adapter: the validation table and its bias summary (rule validation_table)."""

import pandas as pd

from infoplane.runtime import job
from infoplane.validation import summarise_validation

with job(snakemake):
    table = pd.concat([pd.read_csv(path) for path in snakemake.input], ignore_index=True)
    table.to_csv(snakemake.output.table, index=False, float_format="%.10g")
    summarise_validation(table).to_csv(snakemake.output.summary, index=False, float_format="%.10g")
