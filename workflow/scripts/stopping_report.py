"""Snakemake adapter: the stopping study's PDF (rule stopping_report). Reads only the rule's
inputs: the summary table, the figures and each experiment's first chunk (its split sizes)."""

import os

import pandas as pd

from infoplane import report
from infoplane.recording import read_info
from infoplane.report import stopping
from infoplane.runtime import job

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    context = stopping.build_context(
        study=snakemake.wildcards.study, config=p.config, config_files=p.config_files, experiments=p.experiment_order,
        summary=pd.read_csv(given.summary),
        chunk_infos={os.path.basename(os.path.dirname(path)): read_info(path) for path in given.chunks},
        figures={"comparison": given.figure, "curves": given.curves},
        report_dir=os.path.dirname(snakemake.output.tex),
    )
    report.render(given.template, context, snakemake.output.tex)
    log.info("compiled %s", report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk"))
