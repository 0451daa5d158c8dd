"""Snakemake adapter: the pairwise generalisation study's tables (rule generalisation_tables).

Reads only the rule's inputs: every grid experiment's seeds table and the feature estimator's
information table."""

import os

import pandas as pd

from infoplane.generalisation import analysis, in_grid_order
from infoplane.generalisation.signals import feature_table
from infoplane.runtime import job

with job(snakemake) as log:
    # the grid's order (networks, factors, levels as written; the canonical params sort keys)
    section = in_grid_order(snakemake.params.section, snakemake.params.order)

    def experiment_of(path):
        return os.path.basename(os.path.dirname(path) if path.endswith("seeds.csv") else os.path.dirname(os.path.dirname(path)))

    seeds = {experiment_of(p): pd.read_csv(p) for p in snakemake.input.seeds}
    features = {experiment_of(p): feature_table(pd.read_csv(p)) for p in snakemake.input.information}
    networks = analysis.network_table(section, seeds, features)
    pairs = analysis.pair_table(networks, section)
    predicted, rules = analysis.predictions(pairs, section)
    table, verdicts = analysis.summary(pairs, predicted, section)
    out = snakemake.output
    networks.to_csv(out.networks, index=False)
    pairs.to_csv(out.pairs, index=False)
    predicted.to_csv(out.predictions, index=False)
    table.to_csv(out.table, index=False)
    verdicts.to_csv(out.verdicts, index=False)
    analysis.collapse_map(networks, section).to_csv(out.collapse, index=False)
    rules.to_csv(out.rules, index=False)
    analysis.feature_fractions(pairs, section).to_csv(out.features, index=False)
    log.info("%d networks, %d pairs (%s)", len(networks), len(pairs), pairs["status"].value_counts().to_dict())
