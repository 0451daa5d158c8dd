"""Seed 001's MI stopping criterion: the stop rule on curves of known shape, the checks on a real
recording (its values against the estimator and the cross-entropy computed directly), the costs,
the config's checks, and a real Snakemake run of a tiny study to its PDF."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_workflow, results, snakemake
from infoplane import estimators
from infoplane.config import ConfigError, load_config, validate_config
from infoplane.datasets import load_dataset
from infoplane.recording import read_activations, read_info
from infoplane.stopping import analysis, beta_rule, rule_names
from infoplane.training import train_ensemble


def tiny_config() -> dict:
    config = load_config(ROOT / "config" / "stopping.yaml")
    config["study"] = "stop"
    config["training"].update(epochs=60, seeds=4, chunk_size=2, record={**config["training"]["record"], "step": 5})
    config["experiments"] = {"tanh": {}}
    config["datasets"] = {"tishby": {"builtin": "tishby"}}
    config["stopping"].update(betas=[1, 4], resamples=200, patience=2)
    config["validation"] = {"n_samples": [64], "repeats": 1, "dims": [1], "layer_widths": [3], "noise_variances": [0.1]}
    return config


# -- the stop rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, patience, min_delta, expected",
    [
        ([5, 4, 3, 2, 1], 2, 0.0, (4, 4)),  # always improving: the budget's end, the last check
        ([5, 3, 4, 4, 1], 2, 0.0, (3, 1)),  # two checks without improvement after the best at 1
        ([5, 3, 4, 2, 1], 2, 0.0, (4, 4)),  # the wait resets at every improvement
        ([5, 4.95, 4.9, 4.85, 1], 2, 0.1, (2, 0)),  # decreases below min_delta are no improvement
        ([1, 2, 3], 1, 0.0, (1, 0)),  # patience 1: the first check that does not improve
        ([3], 3, 0.0, (0, 0)),
    ],
)
def test_stop_index_on_curves_of_known_shape(values, patience, min_delta, expected):
    assert analysis.stop_index(values, patience, min_delta) == expected


def test_stop_index_refuses_non_finite_values():
    with pytest.raises(ValueError, match="finite"):
        analysis.stop_index([1.0, np.nan], 2)


def test_checks_are_every_kth_recorded_epoch_and_the_last():
    assert analysis.check_epochs([0, 5, 10, 15, 20, 25, 30], 3).tolist() == [0, 3, 6]
    assert analysis.check_epochs([0, 5, 10, 15, 20, 25], 2).tolist() == [0, 2, 4, 5]


def test_held_out_split_is_seeded_disjoint_and_refuses_an_empty_side():
    validation, test = analysis.held_out_split(10, 0.5, 3)
    assert len(validation) == len(test) == 5 and not set(validation) & set(test)
    again = analysis.held_out_split(10, 0.5, 3)
    assert np.array_equal(again[0], validation)
    with pytest.raises(ValueError, match="no validation or no test row"):
        analysis.held_out_split(1, 0.5, 0)


# -- on a real recording ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    inputs, labels = load_dataset("tishby")
    settings = validate_config(tiny_config())
    from infoplane.config import experiment

    e = experiment(settings, "tanh")
    path = tmp_path_factory.mktemp("stop") / "chunk.h5"
    train_ensemble(inputs, labels, [0, 1], e.settings, path, progress=False)
    return path, settings["stopping"], settings


@pytest.fixture(scope="module")
def checks(recording):
    """The recording's run info, checked epoch indices, output layer at them, and the KDE."""
    path, section, _ = recording
    info = read_info(path)
    checked = analysis.check_epochs(info.epochs, int(section["every"]))
    output = read_activations(path, info.n_layers, list(checked))
    module, params = estimators.get("kde"), estimators.check_params("kde", {"noise_variance": 0.01, "bound": "upper"})
    return info, checked, output, module, params


def test_check_values_are_the_estimator_and_the_cross_entropy_computed_directly(recording, checks):
    section = recording[1]
    info, checked, output, module, params = checks
    curves = analysis.check_curves(info, output, module, params, section)
    assert len(curves) == len(checked) * 2 and curves["finite"].all()
    train = np.isin(info.probe_index, info.train_index)
    held = np.flatnonzero(~train)
    validation, test = analysis.held_out_split(held.size, section["validation_fraction"], section["split_seed"])
    c, s = 3, 1
    row = curves[(curves["seed"] == 1) & (curves["epoch"] == info.epochs[checked[c]])].iloc[0]
    i_xy, i_yy = module.information_plane(output[c, s][train], info.labels[train], **params)
    assert row["I_XY_bits"] == pytest.approx(float(i_xy)) and row["I_YY_bits"] == pytest.approx(float(i_yy))
    assert 0 <= row["I_YY_bits"] <= row["I_XY_bits"] + 1e-9 <= np.log2(train.sum()) + 1e-6
    p = output[c, s][held[validation], info.labels[held[validation]]]
    assert row["validation_loss"] == pytest.approx(-np.log(np.clip(p, analysis.LOSS_FLOOR, 1)).mean())
    predicted = output[c, s][held[test]].argmax(axis=1)
    assert row["test_accuracy"] == pytest.approx((predicted == info.labels[held[test]]).mean())
    assert (curves["estimator_seconds"] > 0).all()


def test_the_criterion_can_use_a_seeded_subset_of_the_training_rows(recording, checks):
    section = recording[1]
    info, checked, output, module, params = checks
    subset = {**section, "criterion_rows": 500}
    curves = analysis.check_curves(info, output, module, params, subset)
    rows = np.flatnonzero(np.isin(info.probe_index, info.train_index))
    keep = np.random.default_rng([int(section["split_seed"]), rows.size]).choice(rows, 500, replace=False)
    mask = np.zeros(len(info.probe_index), bool)
    mask[keep] = True
    i_xy, _ = module.information_plane(output[1, 0][mask], info.labels[mask], **params)
    row = curves[(curves["seed"] == info.seeds[0]) & (curves["epoch"] == info.epochs[checked[1]])].iloc[0]
    assert row["I_XY_bits"] == pytest.approx(float(i_xy)) and row["I_XY_bits"] <= np.log2(500) + 1e-6
    # the validation and test rows do not move
    whole = analysis.check_curves(info, output, module, params, section)
    assert np.array_equal(whole["test_accuracy"], curves["test_accuracy"])


def test_each_rule_stops_where_its_curve_says_and_pays_for_its_checks(recording, checks):
    section = recording[1]
    info, checked, output, module, params = checks
    seconds = analysis.epoch_seconds_per_seed(info)
    assert len(seconds) == int(info.epochs[-1]) + 1 and (seconds > 0).all()
    assert json.loads(info.attrs["epoch_seconds"])[5] == pytest.approx(seconds[5] * len(info.seeds), rel=1e-5)
    curves = analysis.check_curves(info, output, module, params, section)
    decided = analysis.decisions(curves, {0: seconds, 1: seconds}, section)
    assert sorted(set(decided["rule"])) == sorted(rule_names(section))
    for seed in (0, 1):
        mine = curves[curves["seed"] == seed].sort_values("epoch")
        rules = decided[decided["seed"] == seed].set_index("rule")
        fixed = rules.loc["fixed"]
        assert fixed["stop_epoch"] == info.epochs[-1] and fixed["checks"] == 0 and fixed["check_seconds"] == 0
        assert fixed["wall_seconds"] == pytest.approx(seconds.sum())
        for beta in section["betas"]:
            rule = rules.loc[beta_rule(beta)]
            objective = mine["I_XY_bits"].to_numpy() - beta * mine["I_YY_bits"].to_numpy()
            stop, best = analysis.stop_index(objective, section["patience"], section["min_delta"])
            assert rule["stop_epoch"] == mine["epoch"].iloc[stop] and rule["selected_epoch"] == mine["epoch"].iloc[best]
            assert rule["test_accuracy"] == mine["test_accuracy"].iloc[best]
            assert rule["checks"] == stop + 1
            assert rule["check_seconds"] == pytest.approx(mine["estimator_seconds"].iloc[: stop + 1].sum())
            assert rule["training_seconds"] == pytest.approx(seconds[: rule["stop_epoch"] + 1].sum())
            assert rule["wall_seconds"] <= fixed["wall_seconds"] + rule["check_seconds"] + 1e-9


def test_a_diverged_seed_is_left_out_of_every_rule():
    curves = pd.DataFrame({"seed": [0, 0, 1, 1], "epoch": [0, 5, 0, 5], "I_XY_bits": [1, 1, 1, np.nan],
                           "I_YY_bits": [0.5, 0.6, 0.5, np.nan], "validation_loss": [1, 0.5, 1, np.nan],
                           "test_accuracy": [0.5, 0.6, 0.5, np.nan], "estimator_seconds": 0.01, "loss_seconds": 0.001,
                           "finite": [True, True, True, False]})  # fmt: skip
    section = {"patience": 2, "min_delta": 0.0, "betas": [1.0], "restore_best": True}
    decided = analysis.decisions(curves, {0: np.ones(6), 1: np.ones(6)}, section)
    assert decided.loc[decided["seed"] == 1, "diverged"].all() and decided.loc[decided["seed"] == 1, "stop_epoch"].isna().all()
    decided["experiment"] = "x"
    table = analysis.summary(decided, {**section, "confidence": 0.95, "resamples": 100, "bootstrap_seed": 0})
    assert (table["n_seeds"] == 1).all() and (table["n_diverged"] == 1).all()


def test_a_chunk_without_epoch_times_is_named():
    class Info:
        attrs, seeds, path = {}, [0], "old.h5"

    with pytest.raises(ValueError, match="old.h5 holds no epoch_seconds"):
        analysis.epoch_seconds_per_seed(Info())


# -- the config -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["training"]["record"].update(probe="train"), "training.record: the stopping rules need the output layer of every row"),
        (lambda c: c["training"]["record"].update(schedule="log", points=5), "training.record: the stopping rules check every"),
        (lambda c: c["stopping"].update(estimator="nope"), "stopping.estimator: 'nope' is not defined under estimators"),
        (lambda c: c["stopping"].update(betas=[]), "stopping.betas"),
        (lambda c: c["stopping"].update(patience=0), "stopping.patience"),
        (lambda c: c["stopping"].update(patience=12), "stopping.patience: 12 checks without improvement, but experiment "
         "'tanh' has 13 checks in all (13 recorded epochs, stopping.every 1)"),
        (lambda c: c["estimators"].update(ens={"estimator": "ensemble", "params": {"base": "binning", "n_bins": 30}})
         or c["stopping"].update(estimator="ens"), "stopping.estimator: 'ens' (ensemble) pools seeds or epochs"),
    ],
)
def test_a_bad_stopping_config_names_the_key(edit, message):
    config = tiny_config()
    edit(config)
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert message in str(error.value)


def test_a_tiny_stopping_study_reaches_its_pdf(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "stop.yaml").write_text(yaml.safe_dump(tiny_config(), sort_keys=False))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/stop.yaml")
    tree = results(workdir, "stop")
    assert (tree / "report" / "report.pdf").stat().st_size > 10_000
    table = pd.read_csv(tree / "tables" / "stopping" / "summary.csv")
    assert set(table["rule"]) == {"fixed", "validation_loss", "mi_beta_1", "mi_beta_4"}
    assert ((table["test_accuracy"] >= 0) & (table["test_accuracy"] <= 1)).all()
    assert ((table["test_accuracy_low"] <= table["test_accuracy"]) & (table["test_accuracy"] <= table["test_accuracy_high"])).all()
    assert (table.loc[table["rule"] == "fixed", "test_accuracy_vs_fixed"] == 0).all()
    assert (table["stop_epoch"] <= 60).all()
    tex = (tree / "report" / "report.tex").read_text()
    for row in table.itertuples():
        assert f"{row.test_accuracy:.3f} [{row.test_accuracy_low:.3f}, {row.test_accuracy_high:.3f}]" in tex
    assert not (tree / "tables" / "tanh" / "kde_upper").exists()  # the criterion's own job, no estimation of every layer
