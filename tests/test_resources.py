"""Cluster resources of the workflow's jobs (infoplane.resources): requests from the config and
the data size, and the README's measured job times against them."""

import os
import re
import subprocess
import sys
from collections import Counter

import pytest

from conftest import ROOT, copy_workflow, snakemake
from infoplane import datasets, estimators, resources
from infoplane.datasets import fashion_mnist
from infoplane.config import activation_dump_bytes, experiment, load_config, validate_config
from infoplane.instances import estimation_jobs, expand_instances
from infoplane.validation import TASKS, task_samples


def _config(name="tiny.yaml", **training):
    config = load_config(ROOT / "config" / name)
    config["training"].update(training)
    return validate_config(config)


def _estimate(config, experiment_name, job_name):
    instances = expand_instances(config["estimators"])
    exp = experiment(config, experiment_name)
    job = next(j for j in estimation_jobs(instances, exp.estimators) if j.name == job_name)
    return resources.JobSizes(config).estimate(exp, job, {n: i.params for n, i in instances.items()})


def _train(config, experiment_name, chunk=0):
    return resources.JobSizes(config).train_chunk(experiment(config, experiment_name), chunk)


def test_imports_without_torch():
    code = "import sys, infoplane.resources; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("device, gpus", [("cpu", 0), ("auto", 0), ("cuda", 1), ("cuda:0", 1), ("cuda:2", 3)])
def test_gpus_for_device(device, gpus):
    assert resources.gpus_for(device) == gpus


def test_unknown_device_is_refused():
    with pytest.raises(ValueError, match="tpu"):
        resources.gpus_for("tpu")


def test_gpu_requested_for_cuda_only_where_the_device_is_used():
    config = _config()
    config["device"] = "cuda"
    sizes = resources.JobSizes(config)
    exp = experiment(config, "tanh")
    assert sizes.train_chunk(exp, 0).gpu == 1
    assert _estimate(config, "tanh", "kde_lower+kde_upper").gpu == 1
    validated = list(expand_instances(config["estimators"]).values())
    assert sizes.validate_task("noisy", validated).gpu == 0  # the validation study runs on the CPU
    assert _train(_config(), "tanh").gpu == 0


def test_cpus_per_task_are_the_rules_threads():
    config = _config()
    config["threads"] = {"train": 3, "estimate": 5, "validate": 2}
    assert _train(config, "tanh").cpus_per_task == 3
    assert _estimate(config, "tanh", "kde_lower+kde_upper").cpus_per_task == 5
    assert _estimate(config, "tanh", "knn").cpus_per_task == 5  # k-NN declares PARALLEL (pairwise searches)
    assert _estimate(config, "tanh", "binning").cpus_per_task == 1  # binning does not: one thread
    validated = list(expand_instances(config["estimators"]).values())
    assert resources.JobSizes(config).validate_task("gaussian", validated).cpus_per_task == 2


def test_small_jobs_get_the_floors_and_requests_cover_the_model():
    config = _config()
    for request in (_train(config, "tanh"), _estimate(config, "relu", "knn"), _estimate(config, "tanh", "air")):
        assert request.runtime == resources.MIN_RUNTIME_MIN and request.mem_mb >= resources.MIN_MEM_MB
    big = _estimate(_config("paper.yaml"), "tanh", "kde_lower+kde_upper")
    assert big.runtime * 60 >= resources.JOB_STARTUP_S + resources.SAFETY_TIME * big.seconds
    assert big.mem_mb >= resources.SAFETY_MEMORY * (resources.BASE_MEM_MB + big.megabytes)


def test_a_retry_asks_for_more():
    first = _estimate(_config("paper.yaml"), "tanh", "kde_lower+kde_upper")
    third = first.for_attempt(3)
    assert (third.mem_mb, third.runtime) == (3 * first.mem_mb, 3 * first.runtime)
    assert third.cpus_per_task == first.cpus_per_task
    with pytest.raises(ValueError, match="attempt"):
        first.for_attempt(0)


def test_training_time_grows_with_epochs_and_seeds_and_batching_pays():
    short, long = _train(_config(epochs=1000), "tanh"), _train(_config(epochs=4000), "tanh")
    assert 3.5 < long.seconds / short.seconds <= 4.0  # recorded epochs grow slower than epochs
    one = _train(_config(epochs=1000, seeds=1, chunk_size=1), "tanh").seconds
    fifty = _train(_config(epochs=1000, seeds=50, chunk_size=50), "tanh").seconds
    assert one < fifty < 50 * one / 3  # 50 networks together cost far less than 50 alone
    wide = _train(_config(epochs=1000, hidden_widths=[40, 30, 20, 15, 10]), "tanh").seconds  # k-NN stays within 64 dims
    assert wide > short.seconds  # more weights, more flops


def test_training_model_matches_the_benchmark_it_is_fitted_to():
    # EnsembleTrainer.train_epoch, one thread, 2026-12-03: ms per epoch of a chunk of 1, 4, 12, 50 seeds
    data = resources.layout(experiment(_config(), "tanh").settings, {"builtin": "tishby"})
    measured = {1: 3.8e-3, 4: 4.5e-3, 12: 6.7e-3, 50: 18.1e-3}
    for seeds, seconds in measured.items():
        model = resources.training_seconds(data, seeds, epochs=1000, batch_size=512) / 1000
        assert seconds / 1.6 < model < seconds * 1.6, (seeds, model)


def test_convolutions_are_priced_at_their_own_measured_rates():
    """One epoch of 4 seeds on 2458 rows of 1 x 28 x 28 images, batch 128, one thread (the fit
    points of resources.CONV_FLOPS and ELEMENT_S, and an FCN priced at FLOPS alone)."""
    from infoplane import families

    measured = {  # seconds per epoch
        "fcn3": ({"family": "mlp", "hidden_widths": [64, 64]}, 0.058),
        "cnn1": ({"family": "cnn", "channels": [8], "hidden_widths": [64]}, 0.504),
        "cnn2": ({"family": "cnn", "channels": [8, 16], "hidden_widths": [64]}, 0.845),
    }
    for name, (model, seconds) in measured.items():
        model = families.check_model(model)
        cost = families.cost(model, (1, 28, 28), 10)
        data = resources.Layout(n_rows=3072, n_train=2458, n_inputs=784, probe_rows=0, recorded_epochs=0,
                                widths=tuple(families.layer_widths(model, (1, 28, 28), 10)),
                                multiply_adds=cost["flops"] // 2, value_bytes=4, compressed=False,
                                conv_multiply_adds=cost.get("conv_flops", 0) // 2, elements=cost.get("elements", 0))  # fmt: skip
        model_seconds = resources.training_seconds(data, 4, epochs=1, batch_size=128)
        assert seconds / 1.25 < model_seconds < seconds * 1.25, (name, model_seconds)


def test_estimation_scales_with_rows_squared_or_linearly_and_with_stride():
    for method, power in (("kde", 2), ("knn", 2), ("binning", 1), ("adaptive_binning", 1), ("noisy", 1)):
        small = resources.layer_epoch_seconds(method, {}, 1000, 10)
        large = resources.layer_epoch_seconds(method, {}, 4000, 10)
        assert large / small == pytest.approx(4**power), method
    assert resources.layer_epoch_seconds("binning", {}, 4096, 10) == pytest.approx(0.22e-3)  # the benchmark point
    assert resources.layer_epoch_seconds("kde", {}, 4096, 1024) > 20 * resources.layer_epoch_seconds("kde", {}, 4096, 10)
    # a method without a cost of its own is sized as the slowest measured one
    assert resources.layer_epoch_seconds("new", {}, 4096, 10) == resources.layer_epoch_seconds("knn", {}, 4096, 10)
    config = _config()  # k-NN on every 4th recorded epoch and the last
    data = resources.JobSizes(config).layout(experiment(config, "tanh"))
    every = resources.estimation_seconds(data, "knn", [{"k": 3}], n_seeds=4, stride=1)
    assert _estimate(config, "tanh", "knn").seconds == pytest.approx(every * 3 / 8, rel=0.05)
    assert resources.kept_epochs(8, 4).tolist() == [0, 4, 7]


def test_both_kde_bounds_cost_one_pass():
    config = _config()
    data = resources.JobSizes(config).layout(experiment(config, "tanh"))
    one = resources.estimation_seconds(data, "kde", [{"noise_variance": 1e-3}], n_seeds=4, stride=1)
    both = resources.estimation_seconds(data, "kde", [{"noise_variance": 1e-3}] * 2, n_seeds=4, stride=1)
    assert both == one
    # other estimators run once per instance (the activations are read once)
    bins = [resources.estimation_seconds(data, "binning", [{"n_bins": 30}] * k, n_seeds=4, stride=1) for k in (1, 2, 3)]
    assert bins[2] - bins[1] == pytest.approx(bins[1] - bins[0]) and bins[1] - bins[0] < bins[0]


def test_every_registered_estimator_has_a_cost():
    for name in estimators.REGISTRY:
        if getattr(estimators.get(name), "POOLS", None):  # sized through their base estimator
            continue
        assert name in resources.LAYER_EPOCH_S, name


def test_layout_agrees_with_the_disk_check():
    for name in ("tiny.yaml", "paper.yaml", "mnist.yaml", "mnist_offline.yaml"):
        config = _config(name)
        for exp_name in config["experiments"]:
            exp = experiment(config, exp_name)
            data = resources.layout(exp.settings, config["datasets"][exp.dataset])
            total, _ = activation_dump_bytes(config, exp_name)
            units = sum(data.widths)
            assert total == data.recorded_epochs * len(exp.seeds) * data.probe_rows * units * data.value_bytes


def test_validation_samples_match_the_study():
    default = _config()["validation"]
    wide = {**default, "n_samples": [64], "repeats": 1, "dims": [64, 256], "total_bits": [2.0, 8.0],
            "layer_widths": [64], "noise_variances": [1.0]}  # fmt: skip
    for settings in (default, wide):
        for task in TASKS:
            modelled = Counter((n, d) for n, d, _ in resources._validation_samples(task, settings))
            actual = Counter((s.n_samples, s.dim) for s in task_samples(task, settings, settings["seed"]))
            assert modelled == actual, task


#: Job times the README measured (wall seconds), with the config, experiment and job they were
#: measured on. The request must cover each even without the floor, i.e. JOB_STARTUP_S +
#: SAFETY_TIME x the model. Measured with the code of 2026-12-03 and later: runs before it were
#: slower (the paper-scale tanh KDE job 71 min 30 s, then 8 min 03 s) and no longer say what a job
#: of today's code needs.
MEASURED = [
    # "The paper-scale run" at every recorded epoch (the fused KDE pass, 2026-12-04): training side
    # by side, then the two KDE jobs side by side, one thread each
    ("paper.yaml", {}, "tanh", "train", 329),
    ("paper.yaml", {}, "relu", "train", 295),
    ("paper.yaml", {}, "tanh", "kde_lower+kde_upper", 544),
    ("paper.yaml", {}, "relu", "kde_lower+kde_upper", 482),
    ("paper.yaml", {}, "tanh", "binning", 38),
    ("paper.yaml", {}, "relu", "binning_sb18", 61),
    # the same with the compiled training passes (families._fused_mlp), 2026-12-04, at 33dc80d
    ("paper.yaml", {}, "tanh", "train", 188),
    ("paper.yaml", {}, "relu", "train", 157),
    ("paper.yaml", {}, "tanh", "kde_lower+kde_upper", 544),
    ("paper.yaml", {}, "relu", "kde_lower+kde_upper", 495),
    ("paper.yaml", {}, "tanh", "binning", 46),
    ("paper.yaml", {}, "relu", "binning_sb18", 76),
    # "The default run": a clean clone's make report (--cores 2), its benchmark tables
    ("config.yaml", {}, "tanh", "train", 86),
    ("config.yaml", {}, "relu", "train", 72),
    ("config.yaml", {}, "tanh", "kde_lower+kde_upper", 35),
    ("config.yaml", {}, "relu", "kde_lower+kde_upper", 31),
    # the same at this code (k-NN's pairwise searches), one thread per estimation job as the
    # config now gives, two jobs side by side (snakemake report --cores 2, 2026-12-04)
    ("config.yaml", {}, "tanh", "knn", 38),
    ("config.yaml", {}, "relu", "knn", 43),
    ("config.yaml", {}, "tanh", "kde_lower+kde_upper", 43),
    ("config.yaml", {}, "relu", "kde_lower+kde_upper", 40),
    ("config.yaml", {}, "tanh", "adaptive-scheme-equal_mass", 5),
    ("config.yaml", {}, "relu", "adaptive-scheme-equal_mass", 3),
    ("config.yaml", {}, "tanh", "noisy", 11),
    # the same with the fused KDE pass (snakemake report --cores 2, 2026-12-04)
    ("config.yaml", {}, "tanh", "kde_lower+kde_upper", 23),
    ("config.yaml", {}, "relu", "kde_lower+kde_upper", 21),
    ("config.yaml", {}, "relu", "knn", 50),
    ("config.yaml", {}, "tanh", "air", 13),
    # "MNIST": the offline study when it had 2 seeds x 50 epochs (the two experiments side by side)
    ("mnist_offline.yaml", {"seeds": 2, "chunk_size": 2, "epochs": 50}, "relu", "train", 203),
    ("mnist_offline.yaml", {"seeds": 2, "chunk_size": 2, "epochs": 50}, "tanh", "kde_lower+kde_upper", 54),
    ("mnist_offline.yaml", {"seeds": 2, "chunk_size": 2, "epochs": 50}, "tanh", "binning", 16),
]


@pytest.mark.parametrize("name, training, exp_name, job, seconds", MEASURED)
def test_requests_cover_the_measured_job_times(name, training, exp_name, job, seconds):
    config = _config(name, **training)
    request = _train(config, exp_name) if job == "train" else _estimate(config, exp_name, job)
    assert resources.JOB_STARTUP_S + resources.SAFETY_TIME * request.seconds >= seconds
    # and does not overshoot by much: the model is sized for the slowest data (tanh's KDE); ReLU
    # layers make the KDE up to 5 times faster
    assert request.seconds <= 5 * seconds


def test_jobs_ask_for_the_threads_their_estimators_use_and_cores_beyond_the_machine_are_named(tmp_path):
    # threads.estimate: 2 goes only to the jobs whose estimators declare PARALLEL (KDE, noisy layer, k-NN)
    workdir = copy_workflow(tmp_path / "wf")
    config = workdir / "config" / "tiny.yaml"
    config.write_text(config.read_text().replace("  estimate: 1", "  estimate: 2"))
    cpus = os.cpu_count() or 1
    out = snakemake(workdir, "report", "-n", "--cores", str(cpus + 6), "--configfile", "config/tiny.yaml").stdout
    threads = {}
    for block in out.split("\nrule ")[1:]:
        if block.startswith("estimate:"):
            job = re.search(r"job=([^,\s]+)", block).group(1)
            found = re.search(r"threads: (\d+)", block)
            threads[job] = int(found.group(1)) if found else 1
    parallel = {job for job in threads if job.startswith(("kde", "noisy", "knn"))}
    assert parallel and all(threads[job] == 2 for job in parallel), threads
    assert all(threads[job] == 1 for job in set(threads) - parallel), threads  # binning, air, ...
    assert f"--cores {cpus + 6} on a machine with {cpus} CPUs" in out and f"--cores {cpus} (or no --cores" in out
    assert "on a machine with" not in snakemake(workdir, "report", "-n", "--cores", "1", "--configfile", "config/tiny.yaml").stdout


def _dry_run_priorities(workdir, configfile):
    """{(rule, ((wildcard, value), ...) sorted): priority} of every job of a dry run of `report`."""
    out = snakemake(workdir, "report", "-n", "--cores", "2", "--configfile", configfile).stdout
    priority = {}
    for block in out.split("\nrule ")[1:]:
        found = re.search(r"priority: (\d+)", block)  # Snakemake leaves out a priority of 0
        line = re.search(r"wildcards: (.*)", block)  # none for a rule without wildcards (report)
        wildcards = tuple(sorted(re.findall(r"(\w+)=([^,\s]+)", line.group(1)))) if line else ()
        priority[(block.split(":", 1)[0], wildcards)] = int(found.group(1)) if found else 0
    return priority


def test_priorities_are_the_modelled_seconds_of_each_jobs_longest_chain(tmp_path):
    # priority, in ms of the cost model: a training chunk carries the longest estimation job of
    # its own experiment (the critical path of a run), the dataset the longest of those chains,
    # an estimation or validation job its own seconds; the rest 0. Uneven chunks (2, 2, 1 seeds)
    # and experiments of different sizes, so that every choice of chain gives other numbers.
    import yaml

    workdir = copy_workflow(tmp_path / "wf")
    path = workdir / "config" / "tiny.yaml"
    config = load_config(path)
    config["training"]["seeds"] = 5
    config["experiments"]["relu"]["hidden_widths"] = [10, 7, 5]
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    config = validate_config(config)
    priority = _dry_run_priorities(workdir, "config/tiny.yaml")

    def ms(seconds):
        return round(1000 * seconds)

    def of(rule):
        return {tuple(v for _, v in w): value for (r, w), value in priority.items() if r == rule}

    estimates, trains, tasks = of("estimate"), of("train_chunk"), of("validate_task")
    assert len(estimates) > 10 and len(trains) == 6 and len(tasks) == len(TASKS), sorted(priority)
    for (experiment, job, _), value in estimates.items():  # wildcards sorted: experiment, job, study
        assert value == ms(_estimate(config, experiment, job).seconds)
    longest = {e: max(_estimate(config, e, j).seconds for (e2, j, _) in estimates if e2 == e) for e in ("tanh", "relu")}
    chains = {}
    for (chunk, experiment, _), value in trains.items():
        chains[experiment, chunk] = _train(config, experiment, int(chunk)).seconds + longest[experiment]
        assert value == ms(chains[experiment, chunk])
        assert value > ms(longest[experiment]) > 0
    assert len(set(trains.values())) >= 4  # chunk sizes and the experiments' sizes tell them apart
    validated = list(expand_instances(config["estimators"]).values())
    for (_, task), value in tasks.items():
        assert value == ms(resources.JobSizes(config).validate_task(task, validated).seconds)
    (dataset,) = of("dataset").values()  # before everything: the longest training chain
    assert dataset == ms(max(chains.values())) and dataset > max(tasks.values())
    assert all(v == 0 for (rule, _), v in priority.items() if rule in ("summarise", "plot_information", "claims"))


@pytest.mark.skipif(not datasets.find_mnist_file(fashion_mnist.DEFAULT_DIR, "t10k-images-idx3-ubyte.gz"),
                    reason="Debian's dataset-fashion-mnist is not installed (config/skipping.yaml reads it); `make test` installs it")
def test_a_skipping_studys_truth_jobs_are_on_its_training_chains(tmp_path):
    # the skipping study's truth jobs (every epoch of a chunk's kept weights) read the chunks as
    # estimation jobs do: a chunk's priority carries the longest of them
    workdir = copy_workflow(tmp_path / "wf")
    priority = {(rule, dict(w).get("experiment"), dict(w).get("estimator")): value
                for (rule, w), value in _dry_run_priorities(workdir, "config/skipping.yaml").items()}  # fmt: skip
    config = _config("skipping.yaml")
    instances = expand_instances(config["estimators"])
    sizes = resources.JobSizes(config)
    truth_longest = []
    for name in config["experiments"]:
        exp = experiment(config, name)
        truth = max(sizes.skipping_truth(exp, instances[m]).seconds for m in config["skipping"]["estimators"])
        assert priority[("skipping_truth", name, "binning")] == round(1000 * truth)
        estimates = [_estimate(config, name, job.name).seconds for job in estimation_jobs(instances, exp.estimators)]
        truth_longest.append(truth > max(estimates))
        longest = max([truth, *estimates])
        assert priority[("train_chunk", name, None)] == round(1000 * (sizes.train_chunk(exp, 0).seconds + longest))
    assert any(truth_longest)  # what this test is about: a truth job longer than every estimation job
