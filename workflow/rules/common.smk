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

import infoplane.config
import infoplane.estimators
import infoplane.paths as P

infoplane.config.validate_config(
    config, os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml")
)
CONFIG_FILES = [os.path.relpath(f) for f in (workflow.overwrite_configfiles or workflow.configfiles)]
REPORT_SOURCES = os.path.join(workflow.basedir, "report")
EXPERIMENTS = {name: infoplane.config.experiment(config, name) for name in config["experiments"]}
ESTIMATORS = config["estimators"]


wildcard_constraints:
    experiment="|".join(re.escape(name) for name in EXPERIMENTS),
    estimator="|".join(re.escape(name) for name in ESTIMATORS),
    dataset="|".join(re.escape(name) for name in config["datasets"]),
    chunk=r"\d+",


def canonical(value):
    """``value`` with every mapping's keys sorted: Snakemake compares params by their text, so
    reordering keys in a config file must not look like a change."""
    return json.loads(json.dumps(value, sort_keys=True))


def source_hash(*paths):
    """SHA-256 of the given library sources (relative to src/infoplane or absolute).

    Placed in a rule's params, it makes exactly the rules whose code changed rerun: Snakemake
    compares params with the ones recorded when the outputs were made.
    """
    digest = hashlib.sha256()
    for path in paths:
        path = os.path.join(SRC, "infoplane", path)
        with open(path, "rb") as handle:
            digest.update(b"\0".join([os.path.basename(path).encode(), handle.read()]))
    return digest.hexdigest()[:16]


TRAINING_CODE = source_hash(
    "datasets.py", "devices.py", "models.py", "schedules.py", "training.py", "recording.py"
)
ESTIMATOR_CODE = {
    name: source_hash(
        "tables.py", "recording.py", *infoplane.estimators.source_files(spec["estimator"])
    )
    for name, spec in ESTIMATORS.items()
}


# Settings that decide a chunk's numbers (seed count and chunking are in the chunk's seed list,
# so adding seeds trains only the new chunks).
def chunk_settings(wildcards):
    settings = dict(EXPERIMENTS[wildcards.experiment].settings)
    for key in ("seeds", "first_seed", "chunk_size"):
        settings.pop(key)
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
    """(experiment, estimator) pairs the study runs."""
    return [(e.name, name) for e in EXPERIMENTS.values() for name in e.estimators]


def per_pair(pattern, suffixes=("",)):
    return [
        pattern.format(experiment=e, estimator=m) + s
        for e, m in estimator_pairs()
        for s in suffixes
    ]


def per_experiment(pattern, suffixes=("",)):
    return [pattern.format(experiment=e) + s for e in EXPERIMENTS for s in suffixes]
