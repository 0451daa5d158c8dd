"""Snakemake adapter: every skipping variant on every seed's truth, their summary with
intervals, the claims on the interpolated curves and the recommendations (rule skipping_tables)."""

import numpy as np
import pandas as pd

from infoplane.recording import read_info
from infoplane.runtime import job
from infoplane.skipping import study

with job(snakemake) as log:
    p, given = snakemake.params, snakemake.input
    section = p.section
    chosen = study.variants(section)
    training = {e: pd.read_csv(path, dtype={"layer": "Int64"}) for e, path in zip(p.experiments, given.training)}
    seeds = {e: pd.read_csv(path, dtype={"diverged_epoch": "Int64"}) for e, path in zip(p.experiments, given.seeds)}
    infos = {e: read_info(path) for e, path in zip(p.experiments, given.chunks)}
    rows, changes = [], []
    for (experiment, estimator), truth_path, timing_path in zip(p.pairs, given.truth, given.timing):
        truth, timing = pd.read_csv(truth_path), pd.read_csv(timing_path)
        labels = infos[experiment].labels
        counts = np.bincount(labels).astype(float)
        probabilities = counts[counts > 0] / counts.sum()
        entropies = (float(np.log2(len(labels))), float(-(probabilities * np.log2(probabilities)).sum()))
        part = study.evaluate(truth, timing, chosen, workers=int(section["workers"]), entropies=entropies)
        rows.append(part.assign(experiment=experiment, estimator=estimator))
        recorded = [int(e) for e in infos[experiment].epochs]
        changes.append(study.claim_changes(truth, chosen, recorded, training[experiment], seeds[experiment], p.claims,
                                           experiment, estimator, entropies=entropies))  # fmt: skip
        log.info("%s %s: %d variants x %d seeds", experiment, estimator, len(chosen), part["seed"].nunique())
    methods = pd.concat(rows, ignore_index=True)
    methods.to_csv(snakemake.output.methods, index=False)
    summary = study.summary(methods, resamples=int(section["resamples"]), confidence=float(section["confidence"]),
                            seed=int(section["bootstrap_seed"]))  # fmt: skip
    summary.to_csv(snakemake.output.summary, index=False)
    pd.concat(changes, ignore_index=True).to_csv(snakemake.output.claims, index=False)
    study.recommendations(summary).to_csv(snakemake.output.recommendations, index=False)
