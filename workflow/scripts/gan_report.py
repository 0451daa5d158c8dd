"""Snakemake adapter: the GAN study's PDF (rule gan_report). Reads only the rule's inputs: the
GAN tables, the figures and each experiment's first chunk (its probe and split sizes)."""

import os

import pandas as pd

from infoplane import report
from infoplane.recording import read_info
from infoplane.report import gan
from infoplane.runtime import job

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    experiments = list(p.experiment_order)
    infos = {os.path.basename(os.path.dirname(path)): read_info(path) for path in given.chunks}
    context = gan.build_context(
        study=snakemake.wildcards.study, config=p.config, config_files=p.config_files, experiments=experiments,
        claims=pd.read_csv(given.claims), training=pd.read_csv(given.training), seeds=pd.read_csv(given.seeds),
        chunk_infos=infos,
        figures={"discriminator": given.discriminator,
                 "samples": dict(zip(experiments, given.samples)), "planes": dict(zip(experiments, given.planes))},
        report_dir=os.path.dirname(snakemake.output.tex),
    )  # fmt: skip
    report.render(given.template, context, snakemake.output.tex)
    log.info("compiled %s", report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk"))
