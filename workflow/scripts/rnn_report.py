"""Snakemake adapter: the recurrent study's PDF (rule rnn_report). Reads only the rule's inputs:
the study's tables and figures."""

import os

import pandas as pd

from infoplane import report
from infoplane.report import rnn
from infoplane.runtime import job

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    experiments = list(p.experiment_order)
    context = rnn.build_context(
        study=snakemake.wildcards.study, config=p.config, config_files=p.config_files, experiments=experiments,
        answers=pd.read_csv(given.answers), performance=pd.read_csv(given.performance),
        nodes={e: pd.read_csv(path) for e, path in zip(experiments, given.nodes)},
        edges={e: pd.read_csv(path) for e, path in zip(experiments, given.edges)},
        figures={"data": given.data, "training": given.training, "neurons": dict(zip(experiments, given.neurons)),
                 "flow": dict(zip(experiments, given.flow)), "planes": dict(zip(experiments, given.planes))},
        report_dir=os.path.dirname(snakemake.output.tex),
    )  # fmt: skip
    report.render(given.template, context, snakemake.output.tex)
    log.info("compiled %s", report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk"))
