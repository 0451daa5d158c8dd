"""Snakemake adapter: the recurrent study's answers to seed 004's five questions, its mean
curves with intervals and the networks' errors against the baselines (rule rnn_tables;
infoplane.rnn.answers)."""

import pandas as pd

from infoplane.rnn import answers
from infoplane.rnn.recording import read_run
from infoplane.runtime import job

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    rows, curves, errors = [], [], []
    for i, experiment in enumerate(p.experiments):
        run = read_run(given.runs[i], states=False)
        tables = {name: pd.read_csv(given[name][i]) for name in ("neurons", "pairs", "states", "edges", "nodes")}
        rows.append(answers.answers(run, tables["neurons"], tables["states"], tables["edges"], tables["nodes"], p.claims,
                                    p.section, experiment))  # fmt: skip
        curves.append(answers.curves(run, tables["neurons"], tables["states"], p.claims, experiment, tables["pairs"]))
        errors.append(answers.performance(run, p.claims, experiment))
        log.info("%s: %d of %d seeds kept", experiment, len(answers.kept_seeds(run)), len(run["seeds"]))
    pd.concat(rows, ignore_index=True).to_csv(snakemake.output.answers, index=False)
    pd.concat(curves, ignore_index=True).to_csv(snakemake.output.curves, index=False)
    pd.concat(errors, ignore_index=True).to_csv(snakemake.output.performance, index=False)
