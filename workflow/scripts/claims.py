"""Snakemake adapter: the claims within one experiment (rule claims)."""

import pandas as pd

from infoplane.claims.experiment import experiment_claims, qualify
from infoplane.runtime import job

with job(snakemake) as log:
    p = snakemake.params
    information = {}
    for name, path in zip(p.estimators, snakemake.input.information):
        table = pd.read_csv(path, dtype={"seed": "Int64"})
        information[name] = table[table["estimator"] == name]
    training = pd.read_csv(snakemake.input.training, dtype={"layer": "Int64"})
    seeds = pd.read_csv(snakemake.input.seeds, dtype={"diverged_epoch": "Int64"}, keep_default_na=True)
    seeds["divergence_cause"] = seeds["divergence_cause"].fillna("")
    claims, curves, per_seed = experiment_claims(information, training, seeds, p.settings, snakemake.wildcards.experiment)
    log.info("%d claim rows for %d estimators; verdicts %s", len(claims), len(information),
             claims[claims["layer"] == "hidden"]["verdict"].value_counts().to_dict())
    claims.to_csv(snakemake.output.claims, index=False, float_format="%.6g")
    curves.to_csv(snakemake.output.curves, index=False, float_format="%.6g")
    per_seed.to_csv(snakemake.output.per_seed, index=False, float_format="%.6g")
    status = qualify(seeds, p.settings["chance_margin"])
    status.insert(0, "experiment", snakemake.wildcards.experiment)
    status.to_csv(snakemake.output.qualified, index=False)
