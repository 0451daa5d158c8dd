"""Snakemake adapter: every validated estimator instance on one task family (rule validate_task)."""

from infoplane.instances import Instance
from infoplane.runtime import job
from infoplane.validation import run_task

with job(snakemake) as log:
    p = snakemake.params
    instances = {n: Instance(n, p.instances[n]["method"], p.instances[n]["params"], n) for n in p.order}
    log.info("task %s, estimators %s", snakemake.wildcards.task, list(instances))
    table = run_task(snakemake.wildcards.task, p.settings, instances)
    table.to_csv(snakemake.output[0], index=False, float_format="%.10g")
