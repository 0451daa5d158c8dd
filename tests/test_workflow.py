"""The real workflow on config/tiny.yaml: end to end to the PDF, then what reruns after edits."""

import re
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader
import scipy.io
import yaml

from conftest import ROOT, SNAKEMAKE, shared_file, snakemake
from infoplane.config import experiment, load_config, validate_config

pytestmark = pytest.mark.slow

TINY = validate_config(load_config(ROOT / "config" / "tiny.yaml"))


def planned_jobs(workdir, configfile="config/tiny.yaml"):
    """{rule: set of wildcard strings} that `snakemake -n report` would run."""
    out = snakemake(workdir, "report", "-n", "--cores", "1", "--configfile", configfile).stdout
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", out):
        match = re.match(r"(?:local)?rule (\w+):", block.strip())
        if not match:
            continue
        wildcards = re.search(r"wildcards: (.*)", block)
        jobs.setdefault(match.group(1), set()).add(wildcards.group(1) if wildcards else "")
    return jobs


def test_report_pdf_is_built(tiny_run):
    pdf = tiny_run / "results" / "report" / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    tex = (tiny_run / "results" / "report" / "report.tex").read_text()
    for name in ("tanh", "relu", "binning", "kde\\_upper", "kde\\_lower"):
        assert name in tex
    assert "I(X;T) peaked at" in tex  # the computed compression statements
    assert "../figures/tanh/gradients.pdf" in tex and "../figures/information_planes.pdf" in tex
    assert tex.count("\\includegraphics") == 1 + 2 * 2 + 2 * 2 * 4
    assert len(PdfReader(pdf).pages) >= 5  # pypdf (test extras): no poppler-utils needed


def test_dataset_rule_writes_var_u(tiny_run):
    written = scipy.io.loadmat(tiny_run / "results" / "data" / "tishby.mat")
    original = scipy.io.loadmat(shared_file("data/tishby/var_u.mat"))
    assert written["F"].tobytes() == original["F"].tobytes()
    assert written["y"].tobytes() == original["y"].tobytes()


def test_chunks_and_tidy_tables(tiny_run):
    results = tiny_run / "results"
    for name in ("tanh", "relu"):
        exp = experiment(TINY, name)
        for chunk, seeds in enumerate(exp.chunks):
            with h5py.File(results / "train" / name / f"chunk-{chunk}.h5", "r") as f:
                assert f["seeds"][()].tolist() == list(seeds)
                n_epochs = len(f["epochs"])
        for estimator, spec in TINY["estimators"].items():
            table = pd.read_csv(results / "tables" / name / estimator / "information.csv")
            assert len(table) == len(exp.seeds) * n_epochs * 6
            assert {"experiment", "estimator", "method", "seed", "epoch", "layer", "I_XT_bits", "I_TY_bits"} <= set(table)
            for key, value in spec["params"].items():
                assert (table[key] == value).all()
            assert table["I_XT_bits"].between(-1e-9, 12 + 1e-9).all()
            assert (table["I_TY_bits"] <= 0.99916).all()
            summary = pd.read_csv(results / "tables" / name / estimator / "summary.csv")
            hidden = summary[(summary["quantity"] == "I_XT") & summary["hidden"]]
            assert len(hidden) == 5 and set(hidden["compression"]) <= {"yes", "no"}
        training = pd.read_csv(results / "tables" / name / "training.csv")
        assert {"train_loss", "test_accuracy", "gradient_snr", "weight_norm"} <= set(training["quantity"])
        for stem in ("gradients", "learning_curves"):
            for suffix in (".pdf", ".png"):
                assert (results / "figures" / name / (stem + suffix)).stat().st_size > 1000


def test_rebuild_after_estimator_code_edit_reruns_only_that_estimator(tiny_run):
    assert planned_jobs(tiny_run) == {}, "a finished run must be up to date"
    kde_source = tiny_run / "src" / "infoplane" / "estimators" / "kde.py"
    original = kde_source.read_text()
    try:
        kde_source.write_text(original + "\n# an edit to the KDE estimator\n")
        jobs = planned_jobs(tiny_run)
    finally:
        kde_source.write_text(original)
    assert set(jobs) == {"estimate", "summarise", "plot_information", "plot_overview", "report"}
    pairs = {f"experiment={e}, estimator={m}" for e in ("tanh", "relu") for m in ("kde_upper", "kde_lower")}
    assert jobs["estimate"] == pairs
    assert jobs["summarise"] == pairs and jobs["plot_information"] == pairs
    assert planned_jobs(tiny_run) == {}, "restoring the code restores the up-to-date state"


def test_rebuild_after_estimator_parameter_change(tiny_run):
    config = load_config(tiny_run / "config" / "tiny.yaml")
    config["estimators"]["binning"]["params"]["n_bins"] = 20
    (tiny_run / "changed.yaml").write_text(yaml.safe_dump(config))
    jobs = planned_jobs(tiny_run, "changed.yaml")
    assert "train_chunk" not in jobs and "dataset" not in jobs
    assert jobs["estimate"] == {f"experiment={e}, estimator=binning" for e in ("tanh", "relu")}
    assert set(jobs) == {"estimate", "summarise", "plot_information", "plot_overview", "report"}


def test_training_change_retrains_only_that_experiment(tiny_run):
    config = load_config(tiny_run / "config" / "tiny.yaml")
    config["experiments"]["relu"]["learning_rate"] = 1.0e-3
    (tiny_run / "changed.yaml").write_text(yaml.safe_dump(config))
    jobs = planned_jobs(tiny_run, "changed.yaml")
    assert jobs["train_chunk"] == {"experiment=relu, chunk=0", "experiment=relu, chunk=1"}
    assert all("tanh" not in w for w in jobs["estimate"])


def test_more_seeds_train_only_the_new_chunk(tiny_run):
    config = load_config(tiny_run / "config" / "tiny.yaml")
    config["training"]["seeds"] = 3  # chunk_size 1: chunks 0 and 1 stay, chunk 2 is new
    (tiny_run / "changed.yaml").write_text(yaml.safe_dump(config))
    jobs = planned_jobs(tiny_run, "changed.yaml")
    assert jobs["train_chunk"] == {"experiment=tanh, chunk=2", "experiment=relu, chunk=2"}
    assert len(jobs["estimate"]) == 8  # every table now has a third seed


def test_lint_passes():
    result = subprocess.run([str(SNAKEMAKE), "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
