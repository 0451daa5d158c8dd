"""Snakemake adapter: fill the LaTeX template from a study's results and compile it (rule report).

Reads only the rule's inputs: each table and figure by its role in ``snakemake.input``."""

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
    p, given, study = snakemake.params, snakemake.input, snakemake.wildcards.study

    def input_of(pattern, suffix="", **names):
        """The input that ``pattern`` names for this study (every file read is one of the inputs)."""
        path = pattern.format(study=study, **names) + suffix
        if path not in given:
            raise KeyError(f"{path} is not an input of the report rule")
        return path

    config = p.config  # keys sorted (see canonical()); the config's own order:
    config["estimators"] = {name: config["estimators"][name] for name in p.entry_order}
    experiments = {name: infoplane.config.experiment(config, name) for name in p.experiment_order}
    figures = {
        "validation_estimates": given.validation_estimates,
        "validation_bias": given.validation_bias,
        "generalisation": given.generalisation,
        "verdict_grid": given.verdict_grid,
    }
    summaries, training = {}, {}
    for e in experiments.values():
        figures[(e.name, "learning")] = input_of(P.FIGURE_LEARNING_CURVES, ".pdf", experiment=e.name)
        figures[(e.name, "gradients")] = input_of(P.FIGURE_GRADIENTS, ".pdf", experiment=e.name)
        figures[(e.name, "planes")] = input_of(P.FIGURE_ESTIMATOR_PLANES, ".pdf", experiment=e.name)
        figures[(e.name, "plane_intervals")] = input_of(P.FIGURE_PLANE_INTERVALS, ".pdf", experiment=e.name)
        figures[(e.name, "snr")] = input_of(P.FIGURE_SNR_TRANSITION, ".pdf", experiment=e.name)
        for sweep in p.sweeps.get(e.name, []):
            figures[(e.name, sweep, "sweep")] = input_of(P.FIGURE_SWEEP, ".pdf", experiment=e.name, sweep=sweep)
        training[e.name] = pd.read_csv(input_of(P.TRAINING_TABLE, experiment=e.name), dtype={"layer": "Int64"})
        for m in e.estimators:
            names = {"experiment": e.name, "estimator": m}
            figures[(e.name, m, "plane")] = input_of(P.FIGURE_INFORMATION_PLANE, ".pdf", **names)
            figures[(e.name, m, "epochs")] = input_of(P.FIGURE_INFORMATION_EPOCHS, ".pdf", **names)
            summaries[(e.name, m)] = pd.read_csv(input_of(P.SUMMARY_TABLE, **names))
    context = report.build_context(
        study=study,
        config=config,
        experiments=experiments,
        instances=expand_instances(config["estimators"]),
        summaries=summaries,
        training_tables=training,
        datasets={e.dataset: load_dataset(input_of(P.DATASET, dataset=e.dataset)) for e in experiments.values()},
        chunk_infos={e.name: read_info(input_of(P.CHUNK, experiment=e.name, chunk=0)) for e in experiments.values()},
        validation_summary=pd.read_csv(given.validation_summary),
        claims=pd.read_csv(given.claims, dtype={"layer": str, "n_seeds": str}),
        qualified=[pd.read_csv(path) for path in given.qualified],
        claim_instances=p.claim_instances,
        figures=figures,
        sweeps=p.sweeps,
        report_dir=os.path.dirname(snakemake.output.tex),
        config_files=p.config_files,
    )
    report.render(given.template, context, snakemake.output.tex)
    log.info("rendered %s", snakemake.output.tex)
    pdf = report.compile_pdf(snakemake.output.tex, log=snakemake.log[0] + ".latexmk")
    log.info("compiled %s", pdf)
