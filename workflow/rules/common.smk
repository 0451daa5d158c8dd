# Loads the library from this repository's src/, validates the config before any job is
# scheduled, and defines the input functions and code hashes the rules share.

import hashlib
import json
import os
import re
import sys

SRC = os.path.join(workflow.basedir, "src")
sys.path.insert(0, SRC)
# Jobs run the scripts in fresh interpreters (in conda environments too, and on cluster nodes,
# where Snakemake re-reads this file): they import the same src/ tree, whose hashes are below.
# This sets a variable for the jobs; it does not require one from the user.
os.environ.update(PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p))

from snakemake.exceptions import WorkflowError

import infoplane.config
import infoplane.datasets
import infoplane.estimators
import infoplane.instances
import infoplane.validation
import infoplane.paths as P
import infoplane.runtime
from infoplane.provenance import code_hash

# Snakemake has parsed the config files already; read them again strictly, so that a key given
# twice (which YAML silently drops) stops the run naming the file and line.
for _path in workflow.overwrite_configfiles or workflow.configfiles:
    infoplane.config.load_config(_path)
infoplane.config.validate_config(
    config, os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml")
)
CONFIG_FILES = [os.path.relpath(f) for f in (workflow.overwrite_configfiles or workflow.configfiles)]
REPORT_SOURCES = os.path.join(workflow.basedir, "report")
EXPERIMENTS = {name: infoplane.config.experiment(config, name) for name in config["experiments"]}
#: Estimator instances (sweeps expanded) and, per experiment, the jobs that compute them.
INSTANCES = infoplane.instances.expand_instances(config["estimators"])
JOBS = {
    e.name: {job.name: job for job in infoplane.instances.estimation_jobs(INSTANCES, e.estimators)}
    for e in EXPERIMENTS.values()
}
JOB_OF = {(e, name): job for e, jobs in JOBS.items() for job in jobs.values() for name in job.instances}
#: Sweeps (config entries with a list of values) run in full by an experiment.
SWEEPS = {
    e.name: [entry for entry, members in infoplane.instances.sweeps(INSTANCES).items()
             if all(m.name in e.estimators for m in members)]
    for e in EXPERIMENTS.values()
}  # fmt: skip
VALIDATED = [i for i in INSTANCES.values() if i.entry in config["validation"].get("estimators", config["estimators"])]
VALIDATION_TASKS = infoplane.validation.TASKS

# After a killed run (infoplane.runtime): stale locks are removed when no Snakemake process of this
# directory is running, and chunk files that do not open or whose layout is broken are moved aside
# (<name>.damaged) so that this run trains them again. Only in Snakemake's main process (not when a
# cluster or group job re-reads this file); a dry run only says what a run would do.
if workflow.is_main_process:
    from snakemake.logging import logger

    _dry_run = getattr(workflow.output_settings, "dryrun", False)  # None through the API: a real run
    for _message in infoplane.runtime.start_run(".snakemake", dry_run=_dry_run):
        logger.warning(f"infoplane: {_message}")
    _chunks = [P.CHUNK.format(experiment=e.name, chunk=i) for e in EXPERIMENTS.values() for i in range(len(e.chunks))]
    for _message in infoplane.runtime.set_aside_damaged(_chunks, dry_run=_dry_run):
        logger.warning(f"infoplane: {_message}")


def _alternatives(names):
    return "|".join(re.escape(name) for name in sorted(set(names), key=len, reverse=True))


wildcard_constraints:
    experiment=_alternatives(EXPERIMENTS),
    estimator=_alternatives(INSTANCES),
    job=_alternatives(job for jobs in JOBS.values() for job in jobs),
    sweep=_alternatives(infoplane.instances.sweeps(INSTANCES)),
    dataset=_alternatives(config["datasets"]),
    task=_alternatives(VALIDATION_TASKS),
    chunk=r"\d+",


def canonical(value):
    """``value`` with every mapping's keys sorted: Snakemake compares params by their text, so
    reordering keys in a config file must not look like a change."""
    return json.loads(json.dumps(value, sort_keys=True))


def job_threads(step):
    """Threads a job of ``step`` (train, estimate, validate) runs with: the config's, capped by
    --max-threads and --cores as Snakemake caps them (remote jobs too)."""
    threads = int(config["threads"][step])
    for cap in (workflow.resource_settings.max_threads, workflow.resource_settings.cores):
        if isinstance(cap, int) and cap > 0:
            threads = min(threads, cap)
    return threads


# What the rules run, for their `code` params: a hash of the import closure of their code
# (infoplane.provenance), so that an edit reruns exactly the rules whose code it touches, and
# the thread count, which changes the order of float sums and so the numbers. (A param computed
# from `threads` would not do: Snakemake leaves params of functions that take threads, input,
# output or resources out of its "params changed" trigger.)
TRAINING_CODE = f"{code_hash('infoplane.training')}, {job_threads('train')} threads"


def job_code(wildcards):
    job = JOBS[wildcards.experiment][wildcards.job]
    modules = ["infoplane.estimation"]
    for name in job.instances:
        modules += infoplane.estimators.module_names(job.method, INSTANCES[name].params)
    return f"{code_hash(*modules)}, {job_threads('estimate')} threads"


VALIDATION_CODE = "{}, {} threads".format(
    code_hash("infoplane.validation", *[m for i in VALIDATED for m in infoplane.estimators.module_names(i.method, i.params)]),
    job_threads("validate"),
)


# Settings that decide a chunk's numbers (seed count and chunking are in the chunk's seed list,
# so adding seeds trains only the new chunks).
def chunk_settings(wildcards):
    settings = dict(EXPERIMENTS[wildcards.experiment].settings)
    for key in ("seeds", "first_seed", "chunk_size"):
        settings.pop(key)
    # the disk budget is checked at start-up and changes no number
    settings["record"] = {k: v for k, v in settings["record"].items() if k != "disk_budget_gb"}
    return canonical(settings)


def chunk_seeds(wildcards):
    chunks = EXPERIMENTS[wildcards.experiment].chunks
    index = int(wildcards.chunk)
    if index >= len(chunks):
        raise ValueError(
            f"experiment {wildcards.experiment} has chunks 0-{len(chunks) - 1}, not {index}"
        )
    return list(chunks[index])


def chunk_files(wildcards):
    experiment = EXPERIMENTS[wildcards.experiment]
    return expand(P.CHUNK, experiment=experiment.name, chunk=range(len(experiment.chunks)))


def experiment_dataset(wildcards):
    return P.DATASET.format(dataset=EXPERIMENTS[wildcards.experiment].dataset)


def estimator_pairs():
    """(experiment, instance) pairs the study runs."""
    return [(e.name, name) for e in EXPERIMENTS.values() for name in e.estimators]


def per_pair(pattern, suffixes=("",)):
    return [
        pattern.format(experiment=e, estimator=m) + s
        for e, m in estimator_pairs()
        for s in suffixes
    ]


def per_experiment(pattern, suffixes=("",)):
    return [pattern.format(experiment=e) + s for e in EXPERIMENTS for s in suffixes]


def per_sweep(pattern, suffixes=(".pdf",)):
    return [
        pattern.format(experiment=e, sweep=sweep) + s
        for e, sweeps in SWEEPS.items()
        for sweep in sweeps
        for s in suffixes
    ]


def instance_estimates(wildcards):
    """The job table that holds an instance's rows."""
    job = JOB_OF[(wildcards.experiment, wildcards.estimator)]
    return P.ESTIMATES.format(experiment=wildcards.experiment, job=job.name)


def experiment_information_tables(wildcards):
    return [
        P.INFORMATION_TABLE.format(experiment=wildcards.experiment, estimator=name)
        for name in EXPERIMENTS[wildcards.experiment].estimators
    ]


def sweep_summaries(wildcards):
    return [
        P.SUMMARY_TABLE.format(experiment=wildcards.experiment, estimator=i.name)
        for i in infoplane.instances.sweeps(INSTANCES)[wildcards.sweep]
    ]


# The claims (infoplane.claims): which instances each experiment tests (default every instance
# whose entry is listed under claims.estimators, all by default, except those that pool seeds:
# they have no seeds to resample).
def _claim_instances(experiment):
    entries = config["claims"].get("estimators", list(config["estimators"]))
    return [
        name for name in experiment.estimators
        if INSTANCES[name].entry in entries
        and getattr(infoplane.estimators.get(INSTANCES[name].method), "POOLS", None) != "seeds"
    ]  # fmt: skip


CLAIM_INSTANCES = {e.name: _claim_instances(e) for e in EXPERIMENTS.values()}
CLAIM_SETTINGS = canonical({k: v for k, v in config["claims"].items() if k != "estimators"})


def claim_information_tables(wildcards):
    return [
        P.INFORMATION_TABLE.format(experiment=wildcards.experiment, estimator=name)
        for name in CLAIM_INSTANCES[wildcards.experiment]
    ]


def study_information_tables():
    return [
        P.INFORMATION_TABLE.format(experiment=e, estimator=name)
        for e, names in CLAIM_INSTANCES.items()
        for name in names
    ]


# MNIST (infoplane.datasets): its entries, the folders of their IDX files, and the files the
# dataset rule reads.
MNIST_SPECS = {name: spec for name, spec in config["datasets"].items() if spec.get("builtin") == "mnist"}
MNIST_DIRS = sorted({spec["data_dir"] for spec in MNIST_SPECS.values()})


def dataset_inputs(wildcards):
    """The files a dataset is built from. MNIST with `download: true`: its IDX files, missing
    ones made by download_mnist_file. MNIST without: none (files that are no rule's output are
    never "rerun"), but a missing file stops the DAG, before any job, with a message naming it
    and how to get it."""
    spec = config["datasets"][wildcards.dataset]
    if "path" in spec:
        return [spec["path"]]
    if spec["builtin"] != "mnist":
        return []
    if spec["download"]:
        return [
            str(infoplane.datasets.find_mnist_file(spec["data_dir"], name) or os.path.join(spec["data_dir"], name))
            for name in infoplane.datasets.mnist_files(spec["split"])
        ]  # fmt: skip
    try:
        infoplane.datasets.mnist_paths(spec["data_dir"], spec["split"], key=wildcards.dataset)
    except FileNotFoundError as error:
        raise WorkflowError(str(error)) from None
    return []
