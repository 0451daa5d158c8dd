"""Snakemake adapter: the index of every built study, their verdicts side by side (rule index)."""

import shutil

import pandas as pd

from infoplane import report
from infoplane.report.index import index_context
from infoplane.runtime import job

with job(snakemake) as log:
    claims = {
        study: pd.read_csv(path, dtype={"layer": str, "n_seeds": str})
        for study, path in zip(snakemake.params.studies, snakemake.input.claims)
    }
    report.render(snakemake.input.template, index_context(claims), snakemake.output.tex)
    pdf = report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk")
    shutil.copyfile(pdf, snakemake.output.pdf)
    log.info("index of %d studies: %s", len(claims), snakemake.output.pdf)
