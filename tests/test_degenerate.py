"""Degenerate runs are data, not crashes: full-batch training, diverged seeds, chance-level
networks, from the trainer through the tables and figures to a real Snakemake run."""

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from conftest import ROOT, copy_workflow, snakemake
from infoplane import estimators, recording
from infoplane.datasets import load_dataset
from infoplane.estimation import information_table
from infoplane.plots import training as training_plots
from infoplane.summary import SUMMARY_COLUMNS, summarise_information
from infoplane.tables import SEEDS_COLUMNS, seeds_table, training_table
from infoplane.training import EnsembleTrainer, train_ensemble

SETTINGS = {
    "hidden_widths": [10, 7, 5, 4, 3], "activation": "tanh", "init": "st17", "optimizer": "adam",
    "learning_rate": 4e-4, "batch_size": 512, "epochs": 6, "train_fraction": 0.8, "split_seed": 0,
    "record": {"schedule": "every", "step": 1},
}  # fmt: skip
BINNING = {"binning": {"n_bins": 30}}


@pytest.fixture(scope="module")
def tishby():
    return load_dataset("tishby")


def _inject_inf(monkeypatch, seed_index, at_epoch):
    """Make seed ``seed_index`` non-finite at the start of training epoch ``at_epoch``."""
    original = EnsembleTrainer.train_epoch

    def train_epoch(self, gradient_statistics=False):
        if self.epoch + 1 == at_epoch:
            with torch.no_grad():
                self.model.weights[0][seed_index, 0, 0] = float("nan")
        return original(self, gradient_statistics)

    monkeypatch.setattr(EnsembleTrainer, "train_epoch", train_epoch)


def _figure_texts(monkeypatch):
    """Capture the texts drawn in the axes of every figure the training plots save."""
    texts = []
    original = training_plots.save_figure

    def save(fig, stem):
        texts.extend(t.get_text() for ax in fig.axes for t in ax.texts)
        texts.append(fig._suptitle.get_text() if fig._suptitle else "")
        return original(fig, stem)

    monkeypatch.setattr(training_plots, "save_figure", save)
    return texts


def test_full_batch_training_reaches_its_figures(tishby, tmp_path, monkeypatch):
    settings = {**SETTINGS, "batch_size": 4096, "epochs": 4}  # >= the 3277 training rows
    path = train_ensemble(*tishby, [0, 1], settings, tmp_path / "full.h5", progress=False)
    table = training_table([path], experiment="full")
    snr = table[table["quantity"] == "gradient_snr"]["value"]
    assert snr.isna().all() and not np.isinf(snr).any()
    assert table[(table["quantity"] == "gradient_mean_norm") & (table["epoch"] > 0)]["value"].gt(0).all()
    texts = _figure_texts(monkeypatch)
    for stem, draw in (("gradients", training_plots.gradients), ("learning_curves", training_plots.learning_curves)):
        for written in draw(table, tmp_path / stem):
            assert written.stat().st_size > 1000
    assert training_plots.SNR_UNDEFINED_FULL_BATCH in texts
    assert "SNR undefined: one mini-batch per epoch (full-batch gradient descent)" == training_plots.SNR_UNDEFINED_FULL_BATCH
    seeds = seeds_table([path], experiment="full")
    assert list(seeds.columns) == list(SEEDS_COLUMNS)
    assert seeds["n_batches_per_epoch"].tolist() == [1, 1] and seeds["diverged_epoch"].isna().all()
    assert seeds["final_epoch"].tolist() == [4, 4]


def test_seeds_table_records_a_forced_divergence(tishby, tmp_path, monkeypatch):
    _inject_inf(monkeypatch, seed_index=1, at_epoch=3)
    path = train_ensemble(*tishby, [0, 1, 2], SETTINGS, tmp_path / "forced.h5", progress=False)
    seeds = seeds_table([path], experiment="forced")
    assert seeds["seed"].tolist() == [0, 1, 2]
    assert seeds.loc[1, "diverged_epoch"] == 3
    assert seeds["diverged_epoch"].isna().tolist() == [True, False, True]
    assert seeds.loc[1, "divergence_cause"] == "non-finite training loss"
    assert np.isnan(seeds.loc[1, ["final_train_loss", "final_train_accuracy", "final_test_accuracy"]].astype(float)).all()
    assert seeds.loc[[0, 2], "final_train_accuracy"].between(0, 1).all()
    labels = tishby[1][recording.read_info(path).train_index]
    assert seeds["chance_accuracy"].iloc[0] == pytest.approx(np.bincount(labels).max() / len(labels))
    assert (seeds["n_batches_per_epoch"] == 7).all()  # ceil(3277 / 512)
    # the CSV round trip keeps "never diverged" empty
    seeds.to_csv(tmp_path / "seeds.csv", index=False)
    text = (tmp_path / "seeds.csv").read_text().splitlines()
    assert text[1].split(",")[2:4] == ["", ""] and text[2].split(",")[2:4] == ["3", "non-finite training loss"]
    # the learning curves say that a seed dropped out
    texts = _figure_texts(monkeypatch)
    training_plots.learning_curves(training_table([path], experiment="forced"), tmp_path / "curves")
    assert any("1 of 3 seeds diverged" in t for t in texts)


def test_estimation_skips_the_non_finite_seed_epochs(tishby, tmp_path, monkeypatch):
    _inject_inf(monkeypatch, seed_index=0, at_epoch=4)
    a = train_ensemble(*tishby, [0, 1], SETTINGS, tmp_path / "chunk-0.h5", progress=False)
    monkeypatch.undo()
    b = train_ensemble(*tishby, [2], SETTINGS, tmp_path / "chunk-1.h5", progress=False)
    epochs = recording.read_info(a).epochs.tolist()
    assert epochs == list(range(7))
    # per seed: no row for seed 0 from epoch 4 on, every other seed-epoch-layer present
    table = information_table([a, b], "binning", BINNING, experiment="x", progress=False)
    present = set(zip(table["seed"], table["epoch"]))
    assert present == {(s, e) for s in (0, 1, 2) for e in epochs} - {(0, e) for e in (4, 5, 6)}
    assert len(table) == len(present) * 6 and np.isfinite(table[["I_XT_bits", "I_TY_bits"]]).all().all()
    clean = information_table([b], "binning", BINNING, experiment="x", progress=False)
    pd.testing.assert_frame_equal(table[table["seed"] == 2].reset_index(drop=True), clean)
    kde = information_table([a], "kde", {"kde_upper": {"noise_variance": 1e-3, "bound": "upper"}}, experiment="x", progress=False)
    assert set(zip(kde["seed"], kde["epoch"])) == {(s, e) for s in (0, 1) for e in epochs} - {(0, e) for e in (4, 5, 6)}
    # ensemble: epochs 4-6 pool the finite seeds 1 and 2 only
    pooled = information_table([a, b], "ensemble", {"ens": {"base": "binning", "n_bins": 30}}, experiment="x", progress=False)
    assert sorted(set(pooled["epoch"])) == epochs and len(pooled) == 7 * 6
    layer = 3
    acts = np.concatenate([recording.read_activations(a, layer, [5])[:, 1:], recording.read_activations(b, layer, [5])], axis=1)
    expected = estimators.get("ensemble").information_plane(acts, recording.read_info(a).labels, base="binning", n_bins=30)
    row = pooled[(pooled["epoch"] == 5) & (pooled["layer"] == layer)]
    assert row["I_XT_bits"].item() == pytest.approx(float(expected[0][0])) and row["I_TY_bits"].item() == pytest.approx(float(expected[1][0]))
    # AIR, windows of 3 epochs: seed 0 keeps the windows ending at epochs 2 and 3 only
    air = information_table([a], "air", {"air": {"window": 3, "base": "binning", "n_bins": 30}}, experiment="x", progress=False)
    assert set(zip(air["seed"], air["epoch"])) == {(0, 2), (0, 3)} | {(1, e) for e in range(2, 7)}
    # AIR reads a block of window ends at a time: one end per read gives the same table, and
    # each window's value is AIR on exactly its epochs
    import infoplane.estimation

    monkeypatch.setattr(infoplane.estimation, "_READ_BUDGET", 1)
    streamed = information_table([a], "air", {"air": {"window": 3, "base": "binning", "n_bins": 30}}, experiment="x", progress=False)
    pd.testing.assert_frame_equal(streamed, air)
    strided = information_table([a], "air", {"air": {"window": 3, "base": "binning", "n_bins": 30}}, experiment="x",
                                stride=2, progress=False)  # fmt: skip
    assert set(zip(strided["seed"], strided["epoch"])) == {(0, 2)} | {(1, e) for e in (2, 4, 6)}
    window = recording.read_activations(a, layer, [3, 4, 5])[:, 1]  # seed 1, the window ending at epoch 5
    expected = estimators.get("air").information_plane(window, recording.read_info(a).labels, window=3, n_bins=30)
    row = air[(air["seed"] == 1) & (air["epoch"] == 5) & (air["layer"] == layer)]
    assert row["I_XT_bits"].item() == pytest.approx(float(expected[0][0]))


def test_every_seed_diverged_gives_empty_tables_and_placeholder_figures(tishby, tmp_path, monkeypatch):
    # a linear network under SGD at learning rate 1e6 overflows in its first epoch, every seed
    settings = {**SETTINGS, "activation": "linear", "optimizer": "sgd", "learning_rate": 1e6, "epochs": 3}
    path = train_ensemble(*tishby, [0, 1], settings, tmp_path / "nan.h5", progress=False)
    assert recording.read_status(path)["diverged_epoch"].tolist() == [1, 1]
    table = information_table([path], "binning", BINNING, experiment="nan", stride=1, progress=False)
    assert set(table["epoch"]) == {0}  # initialisation only
    with h5py_file(path) as f:  # make epoch 0 non-finite too: nothing finite at all
        for layer in range(1, 7):
            f[f"activations/layer_{layer}"][0] = np.nan
    for method, instances in (("binning", BINNING), ("kde", {"k": {"noise_variance": 1e-3, "bound": "upper"}}),
                              ("ensemble", {"e": {"base": "binning", "n_bins": 30}}),
                              ("air", {"a": {"window": 2, "base": "binning", "n_bins": 30}})):
        empty = information_table([path], method, instances, experiment="nan", progress=False)
        assert empty.empty and {"experiment", "estimator", "seed", "epoch", "layer", "I_XT_bits", "I_TY_bits"} <= set(empty)
        empty.to_csv(tmp_path / "information.csv", index=False)
        summary = summarise_information(pd.read_csv(tmp_path / "information.csv", dtype={"seed": "Int64"}))
        assert summary.empty and list(summary.columns) == list(SUMMARY_COLUMNS)
    training = training_table([path], experiment="nan")
    texts = _figure_texts(monkeypatch)
    for draw in (training_plots.gradients, training_plots.learning_curves):
        assert all(p.stat().st_size > 1000 for p in draw(training, tmp_path / draw.__name__))
    assert any("no finite, positive gradient norms" in t for t in texts)
    from infoplane.plots import NO_FINITE_ESTIMATES, placeholder

    assert all(p.stat().st_size > 1000 for p in placeholder(tmp_path / "plane", "nan, binning"))
    assert "no finite estimates" in NO_FINITE_ESTIMATES


def h5py_file(path):
    import h5py

    return h5py.File(path, "r+")


def test_summary_uses_only_the_seeds_finite_at_every_epoch():
    rows = [
        {"experiment": "x", "estimator": "b", "seed": s, "epoch": e, "layer": l, "I_XT_bits": v, "I_TY_bits": 0.1}
        for s, values in ((0, [1.0, 3.0, 1.0]), (1, [1.1, 3.1, 1.1]), (2, [9.0, 9.0]))  # seed 2 has no epoch 2
        for e, v in enumerate(values)
        for l in (1, 2)
    ]  # fmt: skip
    table = pd.DataFrame(rows).astype({"seed": "Int64"})
    summary = summarise_information(table)
    hidden = summary[(summary["layer"] == 1) & (summary["quantity"] == "I_XT")].iloc[0]
    assert hidden["n_seeds"] == 2 and hidden["n_seeds_excluded"] == 1
    assert hidden["peak_mean_bits"] == pytest.approx(3.05) and hidden["final_mean_bits"] == pytest.approx(1.05)
    assert hidden["drop_bits"] == pytest.approx(2.0)


def test_adam_at_learning_rate_10_ends_at_chance(tishby, tmp_path):
    settings = {**SETTINGS, "learning_rate": 10.0, "epochs": 5, "record": {"schedule": "every", "step": 5}}
    path = train_ensemble(*tishby, [0, 1, 2, 3], settings, tmp_path / "adam10.h5", progress=False)
    seeds = seeds_table([path], experiment="adam10")
    assert seeds["diverged_epoch"].isna().all()  # finite, but no better than a constant
    assert (seeds["final_train_accuracy"] <= seeds["chance_accuracy"] + 0.01).all(), seeds
    assert 0.5 < seeds["chance_accuracy"].iloc[0] < 0.55


def _degenerate_config(path):
    """config/tiny.yaml with three experiments (full-batch, diverging, normal), 2 seeds, 8 epochs,
    and the binning and kde_upper estimators only."""
    config = yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text())
    training = config["training"]
    training.update(epochs=8, seeds=2, chunk_size=2, first_seed=4)
    training["record"].update(schedule="every", step=1)
    config["experiments"] = {
        "fullbatch": {"batch_size": 4096},
        # linear network, SGD at learning rate 1: seed 4 overflows in epoch 5, seed 5 stays finite
        "diverging": {"activation": "linear", "optimizer": "sgd", "learning_rate": 1.0},
        "normal": {},
    }
    config["estimators"] = {name: config["estimators"][name] for name in ("binning", "kde_upper")}
    config.get("validation", {}).pop("estimators", None)
    path.write_text(yaml.safe_dump(config))
    return config


@pytest.mark.slow
@pytest.mark.long
def test_workflow_reaches_its_report_with_degenerate_experiments(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    _degenerate_config(workdir / "degenerate.yaml")
    experiments, instances = ("fullbatch", "diverging", "normal"), ("binning", "kde_upper")
    targets = []
    for e in experiments:
        targets += [f"results/degenerate/tables/{e}/seeds.csv", f"results/degenerate/tables/{e}/training.csv"]
        targets += [f"results/degenerate/figures/{e}/{stem}.pdf" for stem in ("gradients", "learning_curves", "information_planes")]
        for m in instances:
            targets += [f"results/degenerate/tables/{e}/{m}/summary.csv", f"results/degenerate/figures/{e}/{m}/information_plane.pdf"]
    snakemake(workdir, "report", *targets, "--cores", "2", "--configfile", "degenerate.yaml")
    results = workdir / "results" / "degenerate"  # the study is named after its config file
    for target in targets:
        assert (workdir / target).stat().st_size > 0, target
    tables = {e: pd.read_csv(results / "tables" / e / "seeds.csv", dtype={"diverged_epoch": "Int64"}) for e in experiments}
    assert all(list(t.columns) == list(SEEDS_COLUMNS) and t["seed"].tolist() == [4, 5] for t in tables.values())
    # full batch: one mini-batch per epoch, SNR undefined (NaN) throughout, nobody diverged
    assert (tables["fullbatch"]["n_batches_per_epoch"] == 1).all() and tables["fullbatch"]["diverged_epoch"].isna().all()
    training = pd.read_csv(results / "tables" / "fullbatch" / "training.csv")
    assert training[training["quantity"] == "gradient_snr"]["value"].isna().all()
    # diverging: at least one seed diverged, with its epoch and cause; its final numbers are NaN
    diverging = tables["diverging"]
    diverged = diverging[diverging["diverged_epoch"].notna()]
    assert len(diverged) >= 1 and (diverged["divergence_cause"] != "").all()
    assert diverged["final_train_accuracy"].isna().all()
    # the information tables hold no row for a diverged seed at or after its divergence
    for m in instances:
        info = pd.read_csv(results / "tables" / "diverging" / m / "information.csv", dtype={"seed": "Int64"})
        for seed, epoch in zip(diverged["seed"], diverged["diverged_epoch"]):
            assert not ((info["seed"] == seed) & (info["epoch"] >= epoch)).any()
            assert ((info["seed"] == seed) & (info["epoch"] < epoch)).any() or epoch == 1
        summary = pd.read_csv(results / "tables" / "diverging" / m / "summary.csv")
        assert list(summary.columns) == list(SUMMARY_COLUMNS)
    # normal: nothing diverged, 7 mini-batches per epoch
    normal = tables["normal"]
    assert normal["diverged_epoch"].isna().all() and (normal["n_batches_per_epoch"] == 7).all()
    # the report: the diverged seed is listed as left out, and the claims say how many seeds they used
    tex = (results / "report" / "report.tex").read_text()
    for seed, epoch in zip(diverged["seed"], diverged["diverged_epoch"]):
        assert f"seed {seed}: diverged at epoch {epoch}" in tex
    qualified = pd.read_csv(results / "tables" / "diverging" / "qualified_seeds.csv")
    assert not qualified.set_index("seed").loc[diverged["seed"].tolist(), "qualifies"].any()
    claims = pd.read_csv(results / "tables" / "claims.csv", dtype={"layer": str, "n_seeds": str})
    full = claims[(claims["experiment"] == "fullbatch") & (claims["claim"] == "st17_snr_transition")]
    assert len(full) and (full["verdict"] == "inconclusive").all()
    assert ("sb18_full_batch" in set(claims["claim"])) and set(claims.loc[claims["claim"] == "sb18_full_batch", "experiment"]) == {"fullbatch vs normal"}


def test_air_reads_blocks_of_window_ends_within_its_budget():
    # with a stride larger than the window the epochs between two ends are read too: a block's
    # span (first end's window to its last end) and its copied windows both stay in the budget
    from infoplane.estimation import _window_blocks

    ends = np.array([9, 29, 49, 69])
    assert [b.tolist() for b in _window_blocks(ends, 10, 25)] == [[9], [29], [49], [69]]
    assert [b.tolist() for b in _window_blocks(ends, 10, 60)] == [[9, 29, 49], [69]]
    assert [b.tolist() for b in _window_blocks(ends, 10, 1000)] == [[9, 29, 49, 69]]
    dense = np.arange(9, 40)
    for block in _window_blocks(dense, 10, 30):
        assert block[-1] - block[0] + 10 <= 30 and len(block) * 10 <= 30
    assert np.array_equal(np.concatenate(list(_window_blocks(dense, 10, 30))), dense)
