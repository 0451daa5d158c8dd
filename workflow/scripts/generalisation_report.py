"""Snakemake adapter: the pairwise generalisation study's PDF (rule generalisation_report).

Reads only the rule's inputs: the study's generalisation tables and figures, the first chunk of
each experiment (layer widths, split sizes) and the validation summary."""

import os

import pandas as pd

from infoplane import report
from infoplane.recording import read_info
from infoplane.generalisation import in_grid_order
from infoplane.report import generalisation
from infoplane.runtime import job

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    config = p.config
    in_grid_order(config["generalisation"], p.order)
    chunk_infos = {os.path.basename(os.path.dirname(path)): read_info(path) for path in given.chunks}
    context = generalisation.build_context(
        study=snakemake.wildcards.study,
        config=config,
        config_files=p.config_files,
        table=pd.read_csv(given.table),
        verdicts=pd.read_csv(given.verdicts),
        collapse=pd.read_csv(given.collapse),
        rules=pd.read_csv(given.rules, dtype={"unit": str}),
        pairs=pd.read_csv(given.pairs),
        features=pd.read_csv(given.features),
        chunk_infos=chunk_infos,
        validation_summary=pd.read_csv(given.validation_summary),
        figures={"collapse": given.collapse_figure, "predictions": given.predictions_figure,
                 "validation_estimates": given.validation_estimates},
        report_dir=os.path.dirname(snakemake.output.tex),
    )
    report.render(given.template, context, snakemake.output.tex)
    log.info("rendered %s", snakemake.output.tex)
    log.info("compiled %s", report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk"))
