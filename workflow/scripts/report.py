"""Snakemake adapter: fill the LaTeX template from the results and compile it (rule report)."""

import os

import pandas as pd

import infoplane.config
import infoplane.paths as P
from infoplane import report
from infoplane.datasets import load_dataset
from infoplane.instances import expand_instances
from infoplane.recording import read_info
from infoplane.runtime import job

with job(snakemake) as log:
    p = snakemake.params
    config = p.config  # keys sorted (see canonical()); the config's own order:
    config["estimators"] = {name: config["estimators"][name] for name in p.entry_order}
    experiments = {name: infoplane.config.experiment(config, name) for name in p.experiment_order}
    figures = {"validation_estimates": P.FIGURE_VALIDATION_ESTIMATES + ".pdf", "validation_bias": P.FIGURE_VALIDATION_BIAS + ".pdf",
               "generalisation": P.FIGURE_GENERALISATION + ".pdf"}
    summaries, training = {}, {}
    for e in experiments.values():
        figures[(e.name, "learning")] = P.FIGURE_LEARNING_CURVES.format(experiment=e.name) + ".pdf"
        figures[(e.name, "gradients")] = P.FIGURE_GRADIENTS.format(experiment=e.name) + ".pdf"
        figures[(e.name, "planes")] = P.FIGURE_ESTIMATOR_PLANES.format(experiment=e.name) + ".pdf"
        figures[(e.name, "plane_intervals")] = P.FIGURE_PLANE_INTERVALS.format(experiment=e.name) + ".pdf"
        figures[(e.name, "snr")] = P.FIGURE_SNR_TRANSITION.format(experiment=e.name) + ".pdf"
        for sweep in p.sweeps.get(e.name, []):
            figures[(e.name, sweep, "sweep")] = P.FIGURE_SWEEP.format(experiment=e.name, sweep=sweep) + ".pdf"
        training[e.name] = pd.read_csv(P.TRAINING_TABLE.format(experiment=e.name), dtype={"layer": "Int64"})
        for m in e.estimators:
            names = {"experiment": e.name, "estimator": m}
            figures[(e.name, m, "plane")] = P.FIGURE_INFORMATION_PLANE.format(**names) + ".pdf"
            figures[(e.name, m, "epochs")] = P.FIGURE_INFORMATION_EPOCHS.format(**names) + ".pdf"
            summaries[(e.name, m)] = pd.read_csv(P.SUMMARY_TABLE.format(**names))
    context = report.build_context(
        config=config,
        experiments=experiments,
        instances=expand_instances(config["estimators"]),
        summaries=summaries,
        training_tables=training,
        datasets={e.dataset: load_dataset(P.DATASET.format(dataset=e.dataset)) for e in experiments.values()},
        chunk_infos={e.name: read_info(P.CHUNK.format(experiment=e.name, chunk=0)) for e in experiments.values()},
        validation_summary=pd.read_csv(snakemake.input.validation_summary),
        claims=pd.read_csv(snakemake.input.claims, dtype={"layer": str, "n_seeds": str}),
        qualified=[pd.read_csv(path) for path in snakemake.input.qualified],
        claim_instances=p.claim_instances,
        figures=figures,
        sweeps=p.sweeps,
        report_dir=os.path.dirname(snakemake.output.tex),
        config_files=p.config_files,
    )
    report.render(snakemake.input.template, context, snakemake.output.tex)
    log.info("rendered %s", snakemake.output.tex)
    pdf = report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk")
    log.info("compiled %s", pdf)
