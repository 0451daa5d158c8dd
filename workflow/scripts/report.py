"""Snakemake adapter: fill the LaTeX template from the results and compile it (rule report)."""

import os

import pandas as pd

import infoplane.config
import infoplane.paths as P
from infoplane import report
from infoplane.datasets import load_dataset
from infoplane.recording import read_info
from infoplane.runtime import job

with job(snakemake) as log:
    config = snakemake.params.config  # keys sorted (see canonical()); the config's own order:
    config["estimators"] = {name: config["estimators"][name] for name in snakemake.params.estimator_order}
    experiments = {name: infoplane.config.experiment(config, name) for name in snakemake.params.experiment_order}
    pairs = [(e, m) for e in experiments.values() for m in e.estimators]
    fig = {"overview": P.FIGURE_OVERVIEW + ".pdf"}
    summaries, training = {}, {}
    for e in experiments.values():
        fig[(e.name, "learning")] = P.FIGURE_LEARNING_CURVES.format(experiment=e.name) + ".pdf"
        fig[(e.name, "gradients")] = P.FIGURE_GRADIENTS.format(experiment=e.name) + ".pdf"
        training[e.name] = pd.read_csv(P.TRAINING_TABLE.format(experiment=e.name), dtype={"layer": "Int64"})
        for m in e.estimators:
            names = {"experiment": e.name, "estimator": m}
            fig[(e.name, m, "plane")] = P.FIGURE_INFORMATION_PLANE.format(**names) + ".pdf"
            fig[(e.name, m, "epochs")] = P.FIGURE_INFORMATION_EPOCHS.format(**names) + ".pdf"
            summaries[(e.name, m)] = pd.read_csv(P.SUMMARY_TABLE.format(**names))
    context = report.build_context(
        config=config,
        experiments=experiments,
        summaries=summaries,
        training_tables=training,
        datasets={e.dataset: load_dataset(P.DATASET.format(dataset=e.dataset)) for e in experiments.values()},
        chunk_infos={e.name: read_info(P.CHUNK.format(experiment=e.name, chunk=0)) for e in experiments.values()},
        figures=fig,
        report_dir=os.path.dirname(snakemake.output.tex),
        config_files=snakemake.params.config_files,
    )
    report.render(snakemake.input.template, context, snakemake.output.tex)
    log.info("rendered %s", snakemake.output.tex)
    pdf = report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk")
    log.info("compiled %s", pdf)
