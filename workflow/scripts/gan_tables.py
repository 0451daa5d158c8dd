"""Snakemake adapter: the GAN study's tables (rule gan_tables): the claim that the discriminator
compresses with the mean planes (infoplane.gan.analysis.discriminator_claims), and the
discriminator's and generator's curves over training from the chunks' series."""

import numpy as np
import pandas as pd

from infoplane.gan import analysis
from infoplane.recording import read_info, read_series, read_statistics
from infoplane.runtime import job

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    information = {}
    for (experiment, estimator), path in zip(p.pairs, given.information):
        information.setdefault(experiment, {})[estimator] = pd.read_csv(path)
    seeds = {experiment: pd.read_csv(path) for experiment, path in zip(p.experiments, given.seeds)}
    chunks = {}
    for path in given.chunks:
        chunks.setdefault(read_info(path).attrs["experiment"], []).append(path)
    claims, curves, training, status = [], [], [], []
    for experiment in p.experiments:
        table, mean = analysis.discriminator_claims(information.get(experiment, {}), seeds[experiment], p.claims, experiment)
        claims.append(table)
        curves.append(mean)
        kept, listed = analysis.kept_seeds(seeds[experiment])
        status.append(listed.assign(experiment=experiment))
        paths = chunks[experiment]
        order = [int(s) for path in paths for s in read_info(path).seeds]
        series = {name: np.concatenate([read_series(path, name) for path in paths], axis=1)
                  for name in analysis.SERIES if name != "train_accuracy"}  # fmt: skip
        series["train_accuracy"] = np.concatenate([read_statistics(path)["train_accuracy"] for path in paths], axis=1)
        epochs = read_info(paths[0]).epochs
        training.append(analysis.training_curves(series, epochs, order, kept, p.claims, experiment))
        log.info("%s: %d of %d seeds kept", experiment, len(kept), len(listed))
    pd.concat(claims, ignore_index=True).to_csv(snakemake.output.claims, index=False)
    frames = [c for c in curves if len(c)]
    (pd.concat(frames, ignore_index=True) if frames else curves[0]).to_csv(snakemake.output.curves, index=False)
    pd.concat(training, ignore_index=True).to_csv(snakemake.output.training, index=False)
    pd.concat(status, ignore_index=True)[["experiment", "seed", "kept", "reason"]].to_csv(snakemake.output.seeds, index=False)
