# Cluster execution: what each job asks a scheduler for (--profile profiles/slurm turns these
# into sbatch --mem, --time, --cpus-per-task, --gpus), and which rules never leave this machine.
#
# Training, estimation and validation jobs are sized by infoplane.resources from the config and
# the data size (seeds in the chunk, epochs, recorded epochs, probe rows, widths, estimator and
# stride); a retry (the profile's `retries`) asks for `attempt` times the memory and time. The
# other rules take seconds each (tables, summaries, claims, figures, the report with LaTeX, the
# dataset, MNIST downloads that need the internet; the stopping study's checks, one estimator call
# per seed and check on the output layer alone): they run where Snakemake runs, so that a cluster
# run queues only the jobs worth queueing.

import infoplane.resources

JOB_SIZES = {name: infoplane.resources.JobSizes(study.config) for name, study in STUDIES.items()}


def gpus(wildcards):
    """GPUs per training and estimation job: 1 for device cuda (i + 1 for cuda:<i>), else 0."""
    return infoplane.resources.gpus_for(S(wildcards).config["device"])



localrules:
    dataset,
    training_table,
    summarise,
    claims,
    study_claims,
    plot_information,
    plot_estimators,
    plot_sweep,
    plot_training,
    plot_claims,
    plot_generalisation,
    plot_verdict_grid,
    validation_table,
    plot_validation,
    report_pdf,
    index,
    generalisation_tables,
    plot_pairs,
    generalisation_report,
    stopping_curves,
    stopping_summary,
    stopping_report,
    gan_tables,
    gan_figures,
    gan_discriminator_figure,
    gan_report,
    skipping_tables,
    skipping_figure,
    skipping_report,
    rnn_train,
    rnn_flows,
    rnn_information,
    rnn_tables,
    rnn_study_figures,
    rnn_figures,
    rnn_report,


if DOWNLOADS:

    localrules:
        download_file,


def _job_resources(name, wildcards):
    study, sizes = S(wildcards), JOB_SIZES[wildcards.study]
    if name == "train_chunk":
        chunk_seeds(wildcards)  # a chunk index out of range stops here, naming the experiment's chunks
        return sizes.train_chunk(study.experiments[wildcards.experiment], int(wildcards.chunk))
    if name == "skipping_truth":
        return sizes.skipping_truth(study.experiments[wildcards.experiment], study.instances[wildcards.estimator])
    if name == "estimate":
        return _estimate_request(study, sizes, study.experiments[wildcards.experiment], study.jobs[wildcards.experiment][wildcards.job])
    return sizes.validate_task(wildcards.task, study.validated)


def _estimate_request(study, sizes, experiment, job):
    """Resources of estimation `job` (an infoplane.instances.Job) on `experiment`."""
    return sizes.estimate(experiment, job, {n: study.instances[n].params for n in job.instances})


def _training_chain_seconds(study, sizes, experiment, chunk):
    """Modelled seconds of training chunk `chunk` of `experiment` and, after it, the longest job
    that reads the experiment's chunks (each waits for all of them): its estimation jobs and, in
    a skipping study, its truth jobs."""
    after = [_estimate_request(study, sizes, experiment, job).seconds for job in study.jobs.get(experiment.name, {}).values()]
    if infoplane.skipping.is_skipping_study(study.config):
        after += [sizes.skipping_truth(experiment, study.instances[m]).seconds for m in study.config["skipping"]["estimators"]]
    return sizes.train_chunk(experiment, chunk).seconds + max(after, default=0.0)


def _dataset_chain_seconds(study, sizes, dataset):
    """The longest training chain among the chunks that read `dataset` (0 for none)."""
    return max((_training_chain_seconds(study, sizes, experiment, chunk)
                for experiment in study.experiments.values() if experiment.dataset == dataset
                for chunk in range(len(experiment.chunks))), default=0.0)  # fmt: skip


def _milliseconds(seconds):
    # integers: the ILP scheduler weighs a priority difference below about 1 / (2 x the ready
    # jobs' cores) less than the cores a choice keeps busy
    return round(1000.0 * seconds)


def critical_path_priority(name):
    """Priority of the jobs of `name`, in milliseconds of the cost model: the longest chain of
    sized jobs that starts with the job. An estimation, validation or skipping-truth job: its own;
    a training chunk: its own and the longest job that reads its experiment's chunks; a dataset:
    the longest chain of the training chunks that read it. Snakemake starts, of the jobs ready to
    run, those whose priorities sum highest within the free cores (its default ILP scheduler;
    `--scheduler greedy`: the highest first). With equal priorities it took them in an arbitrary
    order: the paper-scale run trained one experiment only after the validation jobs and started
    its longest KDE job 2 min 21 s after its training, leaving a core idle for the last 3 min
    (README, "Which job first")."""

    def value(wildcards):
        if name == "dataset":
            return _milliseconds(_dataset_chain_seconds(S(wildcards), JOB_SIZES[wildcards.study], wildcards.dataset))
        if name == "train_chunk":
            chunk_seeds(wildcards)  # a chunk index out of range stops here, naming the experiment's chunks
            study = S(wildcards)
            experiment = study.experiments[wildcards.experiment]
            return _milliseconds(_training_chain_seconds(study, JOB_SIZES[wildcards.study], experiment, int(wildcards.chunk)))
        return _milliseconds(_job_resources(name, wildcards).seconds)

    return value


def download_priority(wildcards):
    """A download (data.smk) precedes every dataset: 1 above the highest dataset priority of any
    study (it does not know which study's datasets read its file)."""
    return 1 + max((_milliseconds(_dataset_chain_seconds(study, JOB_SIZES[name], dataset))
                    for name, study in STUDIES.items()
                    for dataset in {e.dataset for e in study.experiments.values()}), default=0)  # fmt: skip


def sized(name, key):
    """Resource `key` (mem_mb or runtime) of the jobs of rule `name`, per job and attempt."""

    def value(wildcards, attempt):
        return getattr(_job_resources(name, wildcards).for_attempt(attempt), key)

    return value
