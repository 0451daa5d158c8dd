"""Snakemake adapter: the skipping study's PDF (rule skipping_report). Reads only the rule's inputs."""

import os

import pandas as pd

from infoplane import report
from infoplane.recording import read_info
from infoplane.report import skipping
from infoplane.runtime import job

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    context = skipping.build_context(
        study=snakemake.wildcards.study, config=p.config, config_files=p.config_files, experiments=p.experiment_order,
        summary=pd.read_csv(given.summary), claims=pd.read_csv(given.claims),
        recommendations=pd.read_csv(given.recommendations),
        chunk_infos={os.path.basename(os.path.dirname(path)): read_info(path) for path in given.chunks},
        figure=given.figure, report_dir=os.path.dirname(snakemake.output.tex),
    )  # fmt: skip
    report.render(given.template, context, snakemake.output.tex)
    log.info("compiled %s", report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk"))
