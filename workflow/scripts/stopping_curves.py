"""Snakemake adapter: every seed's check values and each stopping rule's stop, for one experiment
(rule stopping_curves). Reads only the rule's inputs: the experiment's chunk files."""

import pandas as pd

from infoplane import estimators
from infoplane.recording import read_activations, read_info
from infoplane.runtime import job
from infoplane.stopping import analysis

with job(snakemake) as log:
    p = snakemake.params
    section = p.section
    module = estimators.get(p.method)
    params = estimators.check_params(p.method, p.estimator_params)
    frames, seconds = [], {}
    for path in snakemake.input.chunks:
        info = read_info(path)
        checked = analysis.check_epochs(info.epochs, int(section["every"]))
        output = read_activations(path, info.n_layers, list(checked))
        frames.append(analysis.check_curves(info, output, module, params, section, extra={"device": p.device}))
        per_seed = analysis.epoch_seconds_per_seed(info)
        seconds.update({int(seed): per_seed for seed in info.seeds})
        log.info("%s: %d checks of %d seeds", path, len(checked), len(info.seeds))
    curves = pd.concat(frames, ignore_index=True)
    decided = analysis.decisions(curves, seconds, section)
    for table in (curves, decided):
        table.insert(0, "experiment", snakemake.wildcards.experiment)
    curves.to_csv(snakemake.output.curves, index=False)
    decided.to_csv(snakemake.output.decisions, index=False)
