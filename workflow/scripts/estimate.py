"""Snakemake adapter: one estimator on all layers, epochs and seeds of an experiment (rule estimate)."""

from infoplane.devices import resolve_device
from infoplane.runtime import job
from infoplane.tables import information_table

with job(snakemake) as log:
    p = snakemake.params
    log.info("estimator %s = %s with %s", snakemake.wildcards.estimator, p.method, dict(p.estimator_params))
    table = information_table(
        snakemake.input, p.method, dict(p.estimator_params),
        experiment=snakemake.wildcards.experiment, estimator=snakemake.wildcards.estimator,
        device=resolve_device(p.device),
    )  # fmt: skip
    table.to_csv(snakemake.output[0], index=False, float_format="%.10g")
