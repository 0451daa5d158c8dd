# Loads the library from this repository's src/, reads and validates every study's config before
# any job is scheduled, and defines the input functions and code hashes the rules share.
#
# A study is one config with its own results tree, results/<study>/ (infoplane.studies). One
# run builds one study (the embedded config/config.yaml, or --configfile FILE...) or several,
# each with its own config: snakemake studies --config studies='[default, st17, sb18]'. Every
# rule has a {study} wildcard, and its input functions and params read that study's config.

import glob
import json
import os
import re
import sys
from pathlib import Path

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
import infoplane.families
import infoplane.generalisation
import infoplane.stopping
import infoplane.gan
import infoplane.skipping
import infoplane.rnn
import infoplane.instances
import infoplane.validation
import infoplane.paths as P
import infoplane.runtime
import infoplane.studies
from infoplane.provenance import code_hash

EMBEDDED_CONFIG = os.path.join(workflow.basedir, "config", "config.yaml")
SCHEMA = os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml")
REPORT_SOURCES = os.path.join(workflow.basedir, "report")


def _load_studies():
    """The studies of this run: the one config Snakemake read, or each of --config studies=[...]."""
    requested = config.get("studies")
    if requested is None:
        files = [str(f) for f in workflow.overwrite_configfiles]
        # Snakemake has parsed the config files already; read them again strictly, so that a key
        # given twice (which YAML silently drops) stops the run naming the file and line.
        for path in files or [EMBEDDED_CONFIG]:
            infoplane.config.load_config(path)
        return [infoplane.studies.load_study(config, files, embedded=EMBEDDED_CONFIG, schema_path=SCHEMA)]
    if isinstance(requested, str):
        requested = [requested]
    if not isinstance(requested, list) or not requested:
        raise infoplane.config.ConfigError(f"studies: give a list of study names or config files, got {requested!r}")
    if workflow.overwrite_configfiles:
        raise infoplane.config.ConfigError(
            "studies: give either --configfile FILE (one study) or --config studies=[...] (each study's own config), "
            "not both"
        )
    others = sorted(set(workflow.config_settings.config) - {"studies"})
    if others:
        raise infoplane.config.ConfigError(
            f"--config {', '.join(others)}: with studies=[...] every study keeps its own config; set these keys in "
            "the studies' config files"
        )
    loaded = {}
    for entry in requested:
        files = infoplane.studies.study_config_files(entry, workflow.basedir)
        study = infoplane.studies.load_study(
            infoplane.studies.read_study_files(files), files, embedded=EMBEDDED_CONFIG, schema_path=SCHEMA
        )
        if study.name in loaded:
            raise infoplane.config.ConfigError(
                f"studies: {entry!r} is the study {study.name!r}, which another entry names already "
                f"({', '.join(loaded[study.name].config_files)})"
            )
        loaded[study.name] = study
    return list(loaded.values())


STUDIES = {study.name: study for study in _load_studies()}


def S(wildcards):
    """The study of a job."""
    return STUDIES[wildcards.study]


# After a killed run (infoplane.runtime): stale locks are removed when no Snakemake process of this
# directory is running, and chunk files that do not open or whose layout is broken are moved aside
# (<name>.damaged) so that this run trains them again. A run that loses the race for the locks to
# one started at the same moment says which run holds them. Each study's tree is checked to
# belong to its config. Only in Snakemake's main process (not when a cluster or group job
# re-reads this file); a dry run only says what a run would do.
if workflow.is_main_process:
    from snakemake.logging import logger

    _dry_run = getattr(workflow.output_settings, "dryrun", False)  # None through the API: a real run
    for _study in STUDIES.values():
        infoplane.studies.claim_tree(_study, dry_run=_dry_run)
    infoplane.runtime.explain_lock_failures(logger, ".snakemake")
    for _message in infoplane.runtime.start_run(".snakemake", dry_run=_dry_run):
        logger.warning(f"infoplane: {_message}")
    # --cores beyond this machine's CPUs (the old README's --cores 8 on a laptop) starts more jobs
    # than there are cores, each slowed by the others: say so once, with the number to give
    _cores, _cpus = workflow.resource_settings.cores, os.cpu_count() or 1
    if workflow.local_exec and isinstance(_cores, int) and _cores > _cpus:
        logger.warning(
            f"infoplane: --cores {_cores} on a machine with {_cpus} CPUs runs up to {_cores} threads at once, each job "
            f"slowed by the others; --cores {_cpus} (or no --cores: the workflow profile's `cores: all`) fits it"
        )
    _chunks = [chunk for study in STUDIES.values() for chunk in study.chunks()]
    for _message in infoplane.runtime.set_aside_damaged(_chunks, dry_run=_dry_run):
        logger.warning(f"infoplane: {_message}")


def _alternatives(names):
    return "|".join(re.escape(name) for name in sorted(set(names), key=len, reverse=True))


wildcard_constraints:
    study=_alternatives(STUDIES),
    experiment=_alternatives(e for s in STUDIES.values() for e in s.experiments),
    estimator=_alternatives(i for s in STUDIES.values() for i in s.instances),
    job=_alternatives(j for s in STUDIES.values() for jobs in s.jobs.values() for j in jobs),
    sweep=_alternatives(w for s in STUDIES.values() for names in s.sweeps.values() for w in names),
    dataset=_alternatives(d for s in STUDIES.values() for d in s.config["datasets"]),
    task=_alternatives(infoplane.validation.TASKS),
    chunk=r"\d+",


def canonical(value):
    """``value`` with every mapping's keys sorted: Snakemake compares params by their text, so
    reordering keys in a config file must not look like a change."""
    return json.loads(json.dumps(value, sort_keys=True))


def job_threads(study, step, wildcards=None):
    """Threads a job of ``step`` (train, estimate, validate) of ``study`` runs with: the config's,
    capped by --max-threads and --cores as Snakemake caps them (remote jobs too). An estimation
    job gets them only when one of its estimators uses more than one thread
    (infoplane.estimators.uses_threads: the KDE bounds, the noisy layer), else one."""
    threads = int(study.config["threads"][step])
    if step == "estimate" and wildcards is not None:
        job = study.jobs[wildcards.experiment][wildcards.job]
        if not any(infoplane.estimators.uses_threads(job.method, study.instances[n].params) for n in job.instances):
            threads = 1
    for cap in (workflow.resource_settings.max_threads, workflow.resource_settings.cores):
        if isinstance(cap, int) and cap > 0:
            threads = min(threads, cap)
    return threads


def threads_of(step):
    return lambda wildcards: job_threads(S(wildcards), step, wildcards)


# What the rules run, for their `code` params: a hash of the import closure of their code
# (infoplane.provenance), so that an edit reruns exactly the rules whose code it touches, and
# the thread count, which changes the order of float sums and so the numbers. (A param computed
# from `threads` would not do: Snakemake leaves params of functions that take threads, input,
# output or resources out of its "params changed" trigger.)
def training_code(wildcards):
    # the family's module is imported by name (infoplane.families.get), so it is named here
    family = S(wildcards).experiments[wildcards.experiment].settings["model"]["family"]
    family_module = infoplane.families.REGISTRY[family]  # a plugin's file is the rule's input instead
    modules = ["infoplane.training"] + ([family_module] if family_module.startswith("infoplane.") else [])
    if infoplane.gan.is_gan_study(S(wildcards).config):  # the GAN trainer and its generator's family
        generator = infoplane.families.REGISTRY[S(wildcards).config["gan"]["generator"]["family"]]
        modules += ["infoplane.gan.training"] + ([generator] if generator.startswith("infoplane.") else [])
    return f"{code_hash(*modules)}, {job_threads(S(wildcards), 'train')} threads"


def job_code(wildcards):
    study = S(wildcards)
    job = study.jobs[wildcards.experiment][wildcards.job]
    modules = ["infoplane.estimation"]
    if job.skip:  # the selection, and the replay of kept weights with the families it builds
        modules += ["infoplane.skipping.estimation", "infoplane.replay"]
    elif getattr(infoplane.estimators.get(job.method), "POOLS", None) == "epochs" and \
            study.experiments[wildcards.experiment].settings["record"].get("keep_weights"):
        modules += ["infoplane.replay"]  # AIR's windows replayed from the kept weights
    for name in job.instances:
        modules += infoplane.estimators.module_names(job.method, study.instances[name].params)
    return f"{code_hash(*modules)}, {job_threads(study, 'estimate', wildcards)} threads"


def validation_code(wildcards):
    study = S(wildcards)
    modules = [m for i in study.validated for m in infoplane.estimators.module_names(i.method, i.params)]
    return f"{code_hash('infoplane.validation', *modules)}, {job_threads(study, 'validate')} threads"


def captions_of(*kinds):
    """The ``captions`` param of a job whose outputs go into the HTML report: kind -> caption, the
    same words as the PDF's (infoplane.report.captions), each shown by workflow/report/<kind>.rst."""
    import infoplane.report.captions as captions

    def value(wildcards):
        study = S(wildcards)
        names = captions.fields(study.config, study.experiments, study.instances, **dict(wildcards.items()))
        return {kind: captions.rst(kind, **names) for kind in kinds}

    return presentation(value)


def in_report(path, kind, category, subcategory=None, **labels):
    """``path`` marked for Snakemake's HTML report (snakemake --report), with its caption
    (workflow/report/<kind>.rst, filled from the job's ``captions`` param), category and labels."""
    return report(
        path,
        caption=os.path.join(workflow.basedir, "workflow", "report", f"{kind}.rst"),
        category=category,
        subcategory=subcategory,
        labels=labels or None,
    )


def presentation(value):
    """A param for what a job shows but does not compute (the order of sections, a caption): a
    function of ``output``, which Snakemake leaves out of its "params changed" trigger, so that
    reordering a config's keys or rewording a caption reruns nothing."""
    return lambda wildcards, output: value(wildcards)


# Settings that decide a chunk's numbers (seed count and chunking are in the chunk's seed list,
# so adding seeds trains only the new chunks).
def chunk_settings(wildcards):
    settings = dict(S(wildcards).experiments[wildcards.experiment].settings)
    for key in ("seeds", "first_seed", "chunk_size"):
        settings.pop(key)
    # the disk budget is checked at start-up and changes no number
    settings["record"] = {k: v for k, v in settings["record"].items() if k != "disk_budget_gb"}
    if infoplane.gan.is_gan_study(S(wildcards).config):  # the chunk trains GANs (infoplane.gan.training)
        settings["gan"] = S(wildcards).config["gan"]
    return canonical(settings)


def chunk_seeds(wildcards):
    study = S(wildcards)
    chunks = study.experiments[wildcards.experiment].chunks
    index = int(wildcards.chunk)
    if index >= len(chunks):
        raise ValueError(
            f"study {study.name}: experiment {wildcards.experiment} has chunks 0-{len(chunks) - 1}, not {index}"
        )
    return list(chunks[index])


def chunk_files(wildcards):
    return S(wildcards).chunks(wildcards.experiment)


def chunks_moved_aside(wildcards):
    """How often each chunk of the experiment was moved aside as damaged (infoplane.runtime.damage):
    a param of the jobs that read the chunks, so that a chunk moved aside reruns them, and with
    them its training and everything after (Snakemake itself would not remake a missing chunk whose
    readers' outputs exist)."""
    return [infoplane.runtime.times_moved_aside(path) for path in chunk_files(wildcards)]


def experiment_dataset(wildcards):
    study = S(wildcards)
    return study.path(P.DATASET, dataset=study.experiments[wildcards.experiment].dataset)


def each_experiment(pattern, suffixes=("",)):
    """Input function: ``pattern`` for every experiment of the job's study."""
    return lambda wildcards: S(wildcards).per_experiment(pattern, suffixes)


def each_pair(pattern, suffixes=("",)):
    """Input function: ``pattern`` for every (experiment, estimator instance) of the job's study."""
    return lambda wildcards: S(wildcards).per_pair(pattern, suffixes)


def each_sweep(pattern, suffixes=(".pdf",)):
    return lambda wildcards: S(wildcards).per_sweep(pattern, suffixes)


def study_file(pattern, suffix=""):
    """Input function: one file of the job's study."""
    return lambda wildcards: S(wildcards).path(pattern, suffix)


def instance_estimates(wildcards):
    """The job table that holds an instance's rows."""
    study = S(wildcards)
    job = study.job_of(wildcards.experiment, wildcards.estimator)
    return study.path(P.ESTIMATES, experiment=wildcards.experiment, job=job.name)


def experiment_information_tables(wildcards):
    study = S(wildcards)
    return [
        study.path(P.INFORMATION_TABLE, experiment=wildcards.experiment, estimator=name)
        for name in study.experiments[wildcards.experiment].estimators
    ]


def sweep_summaries(wildcards):
    study = S(wildcards)
    return [
        study.path(P.SUMMARY_TABLE, experiment=wildcards.experiment, estimator=i.name)
        for i in infoplane.instances.sweeps(study.instances)[wildcards.sweep]
    ]


def claim_settings(wildcards):
    return canonical({k: v for k, v in S(wildcards).config["claims"].items() if k != "estimators"})


# Datasets (infoplane.datasets): the files each entry's source reads, and what a checked download
# may fetch: (data_dir, file) -> {"sha256" or "md5": sum, "mirrors": [...]}, for entries with
# `download: true`.
def _downloads():
    out = {}
    for study in STUDIES.values():
        for spec in study.config["datasets"].values():
            source = infoplane.datasets.source_of(spec)
            if not spec.get("download") or not getattr(source, "DOWNLOADS", None):
                continue
            for name, sha256 in source.DOWNLOADS.items():
                md5 = getattr(source, "DOWNLOAD_MD5", {}).get(name)
                out[(spec["data_dir"], name)] = {"name": name, "sha256": sha256, "md5": md5,
                                                 "mirrors": list(source.DOWNLOAD_MIRRORS)}  # fmt: skip
    return out


DOWNLOADS = _downloads()
MNIST_DIRS = sorted(
    {
        spec["data_dir"]
        for study in STUDIES.values()
        for spec in study.config["datasets"].values()
        if spec.get("builtin") == "mnist"
    }
)


def plugin_files(wildcards):
    """The study's plugin files (infoplane.plugins): inputs of the rules that describe what
    they declare (the report, the study's claims), which import them (infoplane.runtime.job)."""
    return list(S(wildcards).config.get("plugins", []))


def _plugin_file(module_name):
    """The plugin file of a module a plugin registered (a family or dataset source), as the
    config names it; [] for the package's own modules."""
    if module_name.startswith("infoplane."):
        return []
    found = os.path.realpath(sys.modules[module_name].__file__)
    return [p for study in STUDIES.values() for p in study.config.get("plugins", []) if os.path.realpath(p) == found][:1]


def family_plugin(wildcards):
    """The plugin file of an experiment's model family, if a plugin declares it: the training
    job's input (an edit retrains that family's experiments, nothing else)."""
    family = S(wildcards).experiments[wildcards.experiment].settings["model"]["family"]
    return _plugin_file(infoplane.families.REGISTRY[family])


def source_plugin(wildcards):
    """The plugin file of a dataset's source, if a plugin declares it."""
    return _plugin_file(infoplane.datasets.source_of(dataset_spec(wildcards)).__name__)


def dataset_spec(wildcards):
    return S(wildcards).config["datasets"][wildcards.dataset]


def dataset_code(wildcards):
    """The dataset rule's code: the source module is imported by name (infoplane.datasets.get)."""
    source_module = infoplane.datasets.source_of(dataset_spec(wildcards)).__name__
    return code_hash("infoplane.datasets", *([source_module] if source_module.startswith("infoplane.") else []))


def dataset_inputs(wildcards):
    """The files a dataset is built from (its source's `files`). Missing ones that a checked
    download makes (`download: true`) are planned as download_file jobs; other missing files
    stop the DAG, before any job, with a message naming them and how to get them."""
    spec = dataset_spec(wildcards)
    source = infoplane.datasets.source_of(spec)
    problem = source.missing(spec, key=wildcards.dataset)
    if problem:
        raise WorkflowError(problem)
    return source.files(spec)


def every_study(pattern, suffixes=("",)):
    """``pattern`` for each study of this run (targets)."""
    return [study.path(pattern, s) for study in STUDIES.values() for s in suffixes]


def tested_estimators(wildcards):
    return S(wildcards).claim_instances[wildcards.experiment]


def validation_settings(wildcards):
    return canonical({k: v for k, v in S(wildcards).config["validation"].items() if k != "estimators"})


def report_inputs(wildcards):
    """Every table and figure the report shows, by role (the script reads nothing else)."""
    study = S(wildcards)
    pdf = (".pdf",)
    return {
        "datasets": study.datasets(),
        "chunks": [study.path(P.CHUNK, experiment=e, chunk=0) for e in study.experiments],
        "summaries": study.per_pair(P.SUMMARY_TABLE),
        "training": study.per_experiment(P.TRAINING_TABLE),
        "planes": study.per_pair(P.FIGURE_INFORMATION_PLANE, pdf),
        "epochs": study.per_pair(P.FIGURE_INFORMATION_EPOCHS, pdf),
        "estimators": study.per_experiment(P.FIGURE_ESTIMATOR_PLANES, pdf),
        "sweeps": study.per_sweep(P.FIGURE_SWEEP, pdf),
        "gradients": study.per_experiment(P.FIGURE_GRADIENTS, pdf),
        "learning": study.per_experiment(P.FIGURE_LEARNING_CURVES, pdf),
        "claims": study.path(P.STUDY_CLAIMS_TABLE),
        "qualified": study.per_experiment(P.QUALIFIED_TABLE),
        "plane_intervals": study.per_experiment(P.FIGURE_PLANE_INTERVALS, pdf),
        "snr": study.per_experiment(P.FIGURE_SNR_TRANSITION, pdf),
        "generalisation": study.path(P.FIGURE_GENERALISATION, ".pdf"),
        "verdict_grid": study.path(P.FIGURE_VERDICT_GRID, ".pdf"),
        "validation_summary": study.path(P.VALIDATION_SUMMARY),
        "validation_estimates": study.path(P.FIGURE_VALIDATION_ESTIMATES, ".pdf"),
        "validation_bias": study.path(P.FIGURE_VALIDATION_BIAS, ".pdf"),
    }


def index_studies():
    """The studies of the index: this run's, and every other study built in this directory before
    (found by its claims table), so that the index shows every built study."""
    built = {Path(p).parts[1] for p in glob.glob(P.STUDY_CLAIMS_TABLE.format(study="*"))}
    # the recurrent study answers its own questions, with no claims table of the feed-forward kind
    return sorted((set(STUDIES) - set(rnn_studies())) | {name for name in built if infoplane.studies.STUDY_NAME.match(name)})


# The pairwise generalisation study (generalisation.smk): its studies have a report of their own.
def generalisation_studies():
    return [name for name, study in STUDIES.items() if infoplane.generalisation.is_generalisation_study(study.config)]


def only_studies(names):
    """A study wildcard constraint matching exactly ``names`` (none at all when empty: an empty
    constraint would be no constraint)."""
    return _alternatives(names) or "(?!)"


def feature_tables(wildcards):
    """The feature estimator's information table of every grid experiment."""
    study = S(wildcards)
    estimator = study.config["generalisation"]["estimator"]
    return [study.path(P.INFORMATION_TABLE, experiment=e, estimator=estimator) for e in study.experiments]


# The stopping-criterion study (stopping.smk): its studies have a report of their own too.
def stopping_studies():
    return [name for name, study in STUDIES.items() if infoplane.stopping.is_stopping_study(study.config)]


def stopping_parallel(wildcards):
    study = S(wildcards)
    instance = study.instances[study.config["stopping"]["estimator"]]
    return infoplane.estimators.uses_threads(instance.method, instance.params)


def stopping_code(wildcards):
    study = S(wildcards)
    instance = study.instances[study.config["stopping"]["estimator"]]
    modules = ["infoplane.stopping.analysis", *infoplane.estimators.module_names(instance.method, instance.params)]
    return f"{code_hash(*modules)}, {job_threads(study, 'estimate') if stopping_parallel(wildcards) else 1} threads"


# The GAN study (gan.smk): its studies have a report of their own too.
def gan_studies():
    return [name for name, study in STUDIES.items() if infoplane.gan.is_gan_study(study.config)]


def gan_pairs(wildcards):
    """[experiment, estimator instance] of every information table whose claim the GAN study
    tests (``claims.estimators``), in the order of its ``information`` input."""
    study = S(wildcards)
    return [[e, m] for e in study.experiments for m in study.claim_instances[e]]


# The recurrent study (rnn.smk): its studies have a report of their own too.
def rnn_studies():
    return [name for name, study in STUDIES.items() if infoplane.rnn.is_rnn_study(study.config)]


def _rnn_data(study, experiment):
    return infoplane.datasets.source_of(study.config["datasets"][study.experiments[experiment].dataset]).files(
        study.config["datasets"][study.experiments[experiment].dataset])


def rnn_data_file(wildcards):
    """The series file of an experiment's regression source (the package's CSV)."""
    return _rnn_data(S(wildcards), wildcards.experiment)


def rnn_data_files(wildcards):
    """The series file of every experiment, in the study's order."""
    return [f for e in S(wildcards).experiments for f in _rnn_data(S(wildcards), e)]


# The epoch-skipping study (skipping.smk): its studies have a report of their own too.
def skipping_studies():
    return [name for name, study in STUDIES.items() if infoplane.skipping.is_skipping_study(study.config)]


def skipping_pairs(wildcards):
    """[experiment, estimator entry] of every truth table of the skipping study."""
    study = S(wildcards)
    return [[e, m] for e in study.experiments for m in study.config["skipping"]["estimators"]]


def skipping_files(pattern):
    return lambda wildcards: [S(wildcards).path(pattern, experiment=e, estimator=m) for e, m in skipping_pairs(wildcards)]
