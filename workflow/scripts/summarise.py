"""Snakemake adapter: one instance's information table and its summary (rule summarise)."""

import pandas as pd

from infoplane.runtime import job
from infoplane.summary import summarise_information

with job(snakemake):
    table = pd.read_csv(snakemake.input[0], dtype={"seed": "Int64"})
    table = table[table["estimator"] == snakemake.wildcards.estimator]
    table.to_csv(snakemake.output.information, index=False, float_format="%.10g")
    summarise_information(table).to_csv(snakemake.output.summary, index=False)
