"""Snakemake adapter: every claim of the study, the comparisons between experiments included
(rule study_claims)."""

import pandas as pd

from infoplane.claims import COLUMNS
from infoplane.claims.study import study_claims
from infoplane.runtime import job

with job(snakemake) as log:
    p = snakemake.params
    paths = iter(snakemake.input.information)
    information = {}
    for experiment in p.experiments:
        information[experiment] = {}
        for name in p.estimators[experiment]:
            table = pd.read_csv(next(paths), dtype={"seed": "Int64"})
            information[experiment][name] = table[table["estimator"] == name]
    seeds = {}
    for experiment, path in zip(p.experiments, snakemake.input.seeds):
        seeds[experiment] = pd.read_csv(path, dtype={"diverged_epoch": "Int64"})
        seeds[experiment]["divergence_cause"] = seeds[experiment]["divergence_cause"].fillna("")
    per_seed = {e: pd.read_csv(path) for e, path in zip(p.experiments, snakemake.input.per_seed)}
    within = [pd.read_csv(path, dtype={"layer": str, "n_seeds": str}) for path in snakemake.input.claims]
    between = study_claims(information, seeds, per_seed, p.experiment_settings, p.settings)
    table = pd.concat([*within, between], ignore_index=True)[COLUMNS]
    log.info("%d claim rows (%d comparing experiments)", len(table), len(between))
    table.to_csv(snakemake.output[0], index=False, float_format="%.6g")
