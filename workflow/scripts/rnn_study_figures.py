"""Snakemake adapter: the recurrent study's data figure (each series and its split) and its
training figure (test error against the baselines, gradient SNR) (rule rnn_study_figures)."""

import pandas as pd

from infoplane.datasets import temperatures
from infoplane.plots import rnn as plots
from infoplane.runtime import job

with job(snakemake):
    p = snakemake.params
    shown = []
    for experiment, spec, fraction, path in zip(p.experiments, p.datasets, p.train_fractions, snakemake.input.data):
        times, temps = temperatures.series(path)
        _, _, target_times = temperatures.windows(times, temps, int(spec["window"]))
        _, test = temperatures.chronological_split(len(target_times), fraction)
        shown.append((f"{experiment}: {temperatures.describe(spec)}", times, temps, target_times[test[0]]))
    plots.series_figure(shown, snakemake.output.data.removesuffix(".pdf"))
    plots.training_figure(pd.read_csv(snakemake.input.curves), pd.read_csv(snakemake.input.performance), p.experiments,
                          snakemake.output.training.removesuffix(".pdf"))
