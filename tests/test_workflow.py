"""The real workflow on config/tiny.yaml: end to end to the PDF, then what reruns after edits."""

import re
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.io
import yaml
from pypdf import PdfReader

from conftest import ROOT, SNAKEMAKE, edited_config, planned_jobs, results, shared_file, snakemake
from infoplane import estimators
from infoplane.config import experiment, load_config, validate_config
from infoplane.instances import estimation_jobs, expand_instances, sweeps
from infoplane.provenance import import_closure

pytestmark = pytest.mark.slow

TINY = validate_config(load_config(ROOT / "config" / "tiny.yaml"))
INSTANCES = expand_instances(TINY["estimators"])
H_Y = 0.9991571208502705


def test_report_pdf_is_built(tiny_run):
    pdf = results(tiny_run) / "report" / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert len(PdfReader(pdf).pages) >= 10  # pypdf (test extras): no poppler-utils needed
    tex = (results(tiny_run) / "report" / "report.tex").read_text()
    for name in INSTANCES:
        assert name.replace("_", "\\_") in tex
    assert "Validation: every estimator against known mutual information" in tex and "Networks left out" in tex
    # page 1 answers: the question, the answer, the verdict grid; the contents come after it
    first = tex[: tex.index("\\tableofcontents")]
    assert "The question." in first and "The answer." in first and "../figures/verdict_grid.pdf" in first
    # the full verdict table is the appendix, one table per claim
    appendix = tex[tex.index("\\appendix"):]
    assert "Every verdict, with its measurement and interval" in appendix and "\\label{tab:claim-st17-fitting-then-compression}" in appendix
    assert "../figures/tanh/information_planes.pdf" in tex and "../validation/figures/bias.pdf" in tex
    assert "../figures/tanh/snr_transition.pdf" in tex and "../figures/generalisation.pdf" in tex
    n_sweeps = len(sweeps(INSTANCES))
    # grid 1, validation 2, per experiment 5 + sweeps, generalisation 1, per experiment and instance 2
    assert tex.count("\\includegraphics") == 1 + 2 + 2 * (5 + n_sweeps) + 1 + 2 * len(INSTANCES) * 2
    log = (results(tiny_run) / "report" / "report.log").read_text(errors="replace")
    assert "undefined" not in log.lower() and "multiply defined" not in log


def test_claims_tables(tiny_run):
    from infoplane.claims import CLAIMS, COLUMNS

    tables = results(tiny_run) / "tables"
    claims = pd.read_csv(tables / "claims.csv", dtype={"layer": str, "n_seeds": str})
    assert list(claims.columns) == COLUMNS
    assert set(claims["verdict"]) <= {"confirmed", "refuted", "inconclusive"}
    assert set(claims["claim"]) <= {c.name for c in CLAIMS}
    assert {"st17_fitting_then_compression", "st17_snr_transition", "sb18_activation", "sb18_generalisation"} <= set(claims["claim"])
    tested = [n for n, i in INSTANCES.items() if i.method != "ensemble"]  # pooled: no seeds to resample
    for name in ("tanh", "relu"):
        within = pd.read_csv(tables / name / "claims.csv", dtype={"layer": str, "n_seeds": str})
        assert set(within["estimator"]) == set(tested)
        hidden = within[within["layer"] == "hidden"]
        assert len(hidden) == 3 * len(tested)  # one row per within-experiment claim and estimator
        qualified = pd.read_csv(tables / name / "qualified_seeds.csv")
        n_good = int(qualified["qualifies"].sum())
        assert (within["n_seeds"].astype(int) <= n_good).all()
        rows = within[within["layer"] != "hidden"].dropna(subset=["ci_low"])
        assert (rows["ci_low"] <= rows["ci_high"] + 1e-12).all()
        curves = pd.read_csv(tables / name / "curves.csv")
        xt = curves[curves["quantity"] == "I_XT"]
        assert xt["mean_bits"].between(0, 12).all()
        for stem in ("information_plane_intervals", "snr_transition"):
            assert (results(tiny_run) / "figures" / name / (stem + ".pdf")).stat().st_size > 1000
    comparison = claims[claims["claim"] == "sb18_activation"]
    assert set(comparison["experiment"]) == {"tanh vs relu"}


def test_dataset_rule_writes_var_u(tiny_run):
    written = scipy.io.loadmat(results(tiny_run) / "data" / "tishby.mat")
    original = scipy.io.loadmat(shared_file("data/tishby/var_u.mat"))
    assert written["F"].tobytes() == original["F"].tobytes()
    assert written["y"].tobytes() == original["y"].tobytes()


def test_chunks_and_tidy_tables(tiny_run):
    tree = results(tiny_run)
    for name in ("tanh", "relu"):
        exp = experiment(TINY, name)
        for chunk, seeds in enumerate(exp.chunks):
            with h5py.File(tree / "train" / name / f"chunk-{chunk}.h5", "r") as f:
                assert f["seeds"][()].tolist() == list(seeds)
                epochs = f["epochs"][()]
        assert set(range(28, 31)) <= set(epochs.tolist())  # the dense tail
        for estimator, instance in INSTANCES.items():
            table = pd.read_csv(tree / "tables" / name / estimator / "information.csv", dtype={"seed": "Int64"})
            assert {"experiment", "estimator", "method", "seed", "epoch", "layer", "I_XT_bits", "I_TY_bits"} <= set(table)
            assert (table["probe_size"] == 4096).all()  # X uniform over the 4096 Tishby inputs: I(X;T) <= 12 bits
            kept = np.unique(np.append(np.arange(0, len(epochs), instance.stride), len(epochs) - 1))
            if instance.method == "ensemble":  # seeds pooled
                assert table["seed"].isna().all() and len(table) == len(kept) * 6
            elif instance.method == "air":  # one value per window end
                ends = kept[kept >= instance.params["window"] - 1]
                assert len(table) == len(exp.seeds) * len(ends) * 6
            else:
                assert len(table) == len(exp.seeds) * len(kept) * 6
            for key, value in instance.params.items():
                if value is not None:
                    assert (table[key] == value).all(), (estimator, key)
            # the bounds every estimate obeys
            assert table["I_XT_bits"].between(0, 12).all() and table["I_TY_bits"].between(0, H_Y + 1e-9).all()  # CSV: 10 digits
            assert (table["I_TY_bits"] <= table["I_XT_bits"] + 1e-9).all()
            if instance.method == "noisy":
                assert (table["I_XT_se_bits"] > 0).all() and (table["I_XT_se_bits"] < 0.5).all()
            summary = pd.read_csv(tree / "tables" / name / estimator / "summary.csv")
            hidden = summary[(summary["quantity"] == "I_XT") & summary["hidden"]]
            assert len(hidden) == 5 and (hidden["drop_bits"] >= 0).all()
            assert (hidden["ceiling_bits"] == 12.0).all() and hidden["epochs_at_ceiling"].between(0, hidden["n_epochs"]).all()
        training = pd.read_csv(tree / "tables" / name / "training.csv")
        assert {"train_loss", "test_accuracy", "gradient_snr", "weight_norm"} <= set(training["quantity"])
        for stem in ("gradients", "learning_curves", "information_planes", "sweeps/binning_sb18"):
            for suffix in (".pdf", ".png"):
                assert (tree / "figures" / name / (stem + suffix)).stat().st_size > 1000


def test_validation_table(tiny_run):
    table = pd.read_csv(results(tiny_run) / "validation" / "validation.csv")
    assert {"estimator", "task", "n_samples", "dim", "repeat", "truth_bits", "estimate_bits", "quantity"} <= set(table)
    assert set(table["method"]) == set(estimators.REGISTRY)  # every registered estimator is validated
    assert set(table["task"]) == {"gaussian", "channel", "deterministic", "noisy"}
    assert set(table["n_samples"]) == set(TINY["validation"]["n_samples"])
    noisy = table[table["task"] == "noisy"]
    assert (noisy["truth_se_bits"] <= 0.01).all() and (noisy["truth_se_bits"] > 0).all()
    discrete = table[table["task"].isin(["deterministic", "noisy"])]
    assert (discrete["estimate_bits"] >= 0).all() and (discrete["estimate_bits"] <= np.log2(discrete["n_samples"]) + 1e-9).all()
    summary = pd.read_csv(results(tiny_run) / "validation" / "summary.csv")
    assert {"bias_bits", "bias_sd_bits", "within_tolerance"} <= set(summary)
    for stem in ("estimate_vs_truth", "bias"):
        assert (results(tiny_run) / "validation" / "figures" / f"{stem}.png").stat().st_size > 1000


def _uses(path, method, params):
    modules = ["infoplane.estimation", *estimators.module_names(method, params)]
    return path in import_closure(modules)


def test_rebuild_after_estimator_code_edit_reruns_only_what_imports_it(tiny_run):
    assert planned_jobs(tiny_run) == {}, "a finished run must be up to date"
    kde_source = tiny_run / "src" / "infoplane" / "estimators" / "kde.py"
    original = kde_source.read_text()
    try:
        kde_source.write_text(original + "\n# an edit to the KDE estimator\n")
        jobs = planned_jobs(tiny_run)
    finally:
        kde_source.write_text(original)
    kde_path = ROOT / "src" / "infoplane" / "estimators" / "kde.py"
    touched = {n for n, i in INSTANCES.items() if _uses(kde_path, i.method, i.params)}
    assert touched == {"kde_upper", "kde_lower"}  # not the binning-based ensemble, AIR, nor the rest
    job_names = {j.name for j in estimation_jobs(INSTANCES, list(INSTANCES)) if set(j.instances) & touched}
    assert jobs["estimate"] == {f"experiment={e}, job={j}" for e in ("tanh", "relu") for j in job_names}
    pairs = {f"experiment={e}, estimator={m}" for e in ("tanh", "relu") for m in touched}
    assert jobs["summarise"] == pairs and jobs["plot_information"] == pairs
    assert jobs["plot_estimators"] == {"experiment=tanh", "experiment=relu"}
    assert len(jobs["validate_task"]) == 4  # the validation runs every estimator
    assert "train_chunk" not in jobs and "plot_sweep" not in jobs
    assert planned_jobs(tiny_run) == {}, "restoring the code restores the up-to-date state"


def test_editing_the_training_table_helper_reruns_no_estimator(tiny_run):
    source = tiny_run / "src" / "infoplane" / "tables.py"
    original = source.read_text()
    try:
        source.write_text(original + "\n# an edit to the training table\n")
        jobs = planned_jobs(tiny_run)
    finally:
        source.write_text(original)
    # the claims read the training and seeds tables: they are redone, no estimator is
    assert set(jobs) == {"training_table", "plot_training", "claims", "study_claims", "plot_claims", "plot_generalisation",
                         "plot_verdict_grid", "report_pdf", "report"}  # fmt: skip


def test_rebuild_after_estimator_parameter_change(tiny_run):
    with edited_config(tiny_run / "config" / "tiny.yaml", lambda c: c["estimators"]["binning"]["params"].update(n_bins=20)):
        jobs = planned_jobs(tiny_run)
    assert "train_chunk" not in jobs and "dataset" not in jobs
    assert jobs["estimate"] == {f"experiment={e}, job=binning" for e in ("tanh", "relu")}
    assert jobs["summarise"] == {f"experiment={e}, estimator=binning" for e in ("tanh", "relu")}
    assert set(jobs) <= {"estimate", "summarise", "plot_information", "plot_estimators", "validate_task",
                         "validation_table", "plot_validation", "claims", "study_claims", "plot_claims",
                         "plot_generalisation", "plot_verdict_grid", "report_pdf", "report"}  # fmt: skip


def test_training_change_retrains_only_that_experiment(tiny_run):
    with edited_config(tiny_run / "config" / "tiny.yaml", lambda c: c["experiments"]["relu"].update(learning_rate=1.0e-3)):
        jobs = planned_jobs(tiny_run)
    assert jobs["train_chunk"] == {"experiment=relu, chunk=0", "experiment=relu, chunk=1"}
    assert all("tanh" not in w for w in jobs["estimate"])
    assert "validate_task" not in jobs


def test_more_seeds_train_only_the_new_chunk(tiny_run):
    # chunk_size 2: chunks 0 and 1 stay, chunk 2 is new
    with edited_config(tiny_run / "config" / "tiny.yaml", lambda c: c["training"].update(seeds=6)):
        jobs = planned_jobs(tiny_run)
    assert jobs["train_chunk"] == {"experiment=tanh, chunk=2", "experiment=relu, chunk=2"}
    assert len(jobs["estimate"]) == 2 * len(estimation_jobs(INSTANCES, list(INSTANCES)))  # every table gains a seed


def test_validation_target_alone(tiny_run):
    out = snakemake(tiny_run, "validation", "-n", "--cores", "1", "--configfile", "config/tiny.yaml").stdout
    assert "Nothing to be done" in out or "nothing to be done" in out.lower()


def test_lint_passes():
    result = subprocess.run([str(SNAKEMAKE), "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
