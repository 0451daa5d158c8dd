"""Seed 003's epoch selection on curves of known shape: the exact methods' guarantee (every two
consecutive measured epochs within delta, or adjacent), the parallel method's rounds, what the
approximate method misses, simple skipping, the distance's normalisation, and the
interpolation error against the ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.skipping import (delta_approximate, delta_exact, delta_exact_parallel, distance, interpolation_error,
                                simple)  # fmt: skip

EPOCHS = list(range(0, 1001))


def curves(kind: str) -> np.ndarray:
    """[E, 2 layers, 2] values over EPOCHS: fitting-like saturation, a late jump, a line."""
    t = np.asarray(EPOCHS, dtype=np.float64)
    if kind == "saturating":  # fast early, slow late: what seed 003 expects
        xt = 4 * (1 - np.exp(-t / 30.0))
        ty = 1 - np.exp(-t / 80.0)
    elif kind == "late_jump":  # flat, then a sharp change at epoch 700 (a phase transition)
        xt = 2 + 1.5 / (1 + np.exp(-(t - 700) / 2.0))
        ty = 0.5 + 0.0 * t
    else:  # a straight line: 0.001 bit per epoch
        xt = 0.001 * t
        ty = 0.0005 * t
    layer = np.stack([xt, ty], axis=-1)
    return np.stack([layer, 0.5 * layer], axis=1)


def oracle(values: np.ndarray, calls: list):
    def measure(epoch):
        calls.append(epoch)
        return values[epoch]

    return measure


def consecutive_ok(selection, delta, entropies=None) -> bool:
    e = selection.epochs
    return all(b == a + 1 or distance(selection.values[a], selection.values[b], entropies) <= delta + 1e-12
               for a, b in zip(e, e[1:]))  # fmt: skip


@pytest.mark.parametrize("kind", ["saturating", "late_jump", "line"])
@pytest.mark.parametrize("delta", [0.01, 0.05, 0.2])
def test_the_exact_method_keeps_its_guarantee_with_fewer_calls_and_each_epoch_once(kind, delta):
    values, calls = curves(kind), []
    selection = delta_exact(oracle(values, calls), EPOCHS, delta)
    assert consecutive_ok(selection, delta)
    assert selection.epochs[0] == 0 and selection.epochs[-1] == 1000
    assert len(calls) == len(set(calls)) == selection.calls < len(EPOCHS)
    for epoch, measured in selection.values.items():  # each the oracle's own value
        np.testing.assert_array_equal(measured, values[epoch])


def test_the_exact_method_on_a_line_ends_with_steps_just_within_delta():
    values, calls = curves("line"), []
    selection = delta_exact(oracle(values, calls), EPOCHS, 0.05)
    steps = np.diff(selection.epochs)
    # the largest step whose change (0.001 bit per epoch) stays within 0.05 bit is 50 epochs
    assert steps.max() <= 50 and steps.max() >= 25
    assert selection.calls < 60


def test_the_parallel_method_measures_the_same_epochs_in_fewer_rounds():
    for kind in ("saturating", "late_jump"):
        values = curves(kind)
        sequential = delta_exact(oracle(values, []), EPOCHS, 0.02)
        rounds = []
        parallel = delta_exact_parallel(lambda es: (rounds.append(list(es)), [values[e] for e in es])[1], EPOCHS, 0.02)
        assert parallel.epochs == sequential.epochs
        assert len(parallel.rounds) == len(rounds) < len(sequential.rounds)
        assert consecutive_ok(parallel, 0.02)


def test_the_approximate_method_misses_a_late_jump_that_the_exact_one_fills_in():
    values = curves("late_jump")
    exact = delta_exact(oracle(values, []), EPOCHS, 0.05)
    approximate = delta_approximate(oracle(values, []), EPOCHS, 0.05)
    assert approximate.calls < exact.calls
    assert not consecutive_ok(approximate, 0.05)  # its skip had grown past the jump
    assert interpolation_error(approximate, EPOCHS, values)["max_bits"][0, 0] > 0.5
    assert interpolation_error(exact, EPOCHS, values)["max_bits"][0, 0] <= 0.05 + 1e-9


def test_simple_skipping_measures_every_nth_and_the_last():
    selection = simple(oracle(curves("line"), []), EPOCHS, 300)
    assert selection.epochs == [0, 300, 600, 900, 1000]
    assert [r for r in selection.rounds] == [[0], [300], [600], [900], [1000]]


def test_the_interpolation_error_of_a_line_is_zero_and_of_the_truth_itself_too():
    values = curves("line")
    selection = simple(oracle(values, []), EPOCHS, 250)
    error = interpolation_error(selection, EPOCHS, values)
    assert error["max_bits"].max() < 1e-12 and error["max_step"] == pytest.approx(0.25)
    every = simple(oracle(curves("saturating"), []), EPOCHS, 1)
    assert interpolation_error(every, EPOCHS, curves("saturating"))["max_bits"].max() == 0


def test_normalised_distance_divides_by_the_entropies():
    a = np.array([[1.0, 0.2]])
    b = np.array([[4.0, 0.3]])
    assert distance(a, b) == pytest.approx(3.0)
    assert distance(a, b, entropies=(12.0, 1.0)) == pytest.approx(0.25)  # 3/12 against 0.1/1
    values = curves("saturating")
    normalised = delta_exact(oracle(values, []), EPOCHS, 0.01, entropies=(12.0, 1.0))
    assert consecutive_ok(normalised, 0.01, entropies=(12.0, 1.0))
    assert normalised.calls < delta_exact(oracle(values, []), EPOCHS, 0.01).calls


def test_bad_arguments_are_named():
    measure = oracle(curves("line"), [])
    with pytest.raises(ValueError, match="delta must be > 0"):
        delta_exact(measure, EPOCHS, 0.0)
    with pytest.raises(ValueError, match="multiplier must be > 1"):
        delta_exact(measure, EPOCHS, 0.1, multiplier=1)
    with pytest.raises(ValueError, match="increasing"):
        delta_approximate(measure, [0, 2, 1], 0.1)
    with pytest.raises(ValueError, match="n must be > 0"):
        simple(measure, EPOCHS, 0)
    with pytest.raises(ValueError, match="entropies"):
        distance(np.zeros((1, 2)), np.ones((1, 2)), entropies=(0.0, 1.0))
    with pytest.raises(ValueError, match="truth must be"):
        interpolation_error(simple(measure, EPOCHS, 10), EPOCHS, np.zeros((5, 2, 2)))


# -- in the workflow's estimation -------------------------------------------------------------------


@pytest.fixture(scope="module")
def kept_chunk(tmp_path_factory):
    """Two tanh networks on the Tishby data, 40 epochs, every state kept, every 4th epoch recorded."""
    from infoplane.datasets import tishby_dataset
    from infoplane.training import train_ensemble

    inputs, labels = tishby_dataset()
    labels = np.asarray(labels).reshape(-1)
    settings = dict(
        model={"family": "mlp", "hidden_widths": [10, 7, 5, 4, 3]}, activation="tanh", init="st17", optimizer="adam",
        learning_rate=4e-3, batch_size=512, epochs=40, train_fraction=0.8, split_seed=0,
        record={"schedule": "every", "step": 4, "keep_weights": True, "probe": "all"},
    )  # fmt: skip
    path = train_ensemble(inputs, labels, [0, 1], settings, tmp_path_factory.mktemp("skip") / "chunk.h5", progress=False)
    return path, inputs.astype(np.float32), labels


@pytest.mark.parametrize("skip", [
    {"method": "delta_exact", "delta": 0.05, "multiplier": 2, "normalise": False},
    {"method": "delta_exact_parallel", "delta": 0.05, "multiplier": 2, "normalise": False, "workers": 2},
    {"method": "simple", "n": 8},
])  # fmt: skip
def test_a_skipping_instance_writes_the_usual_table_with_measured_epochs_marked(kept_chunk, skip):
    from infoplane.estimation import information_table
    from infoplane.replay import Replay
    from infoplane.skipping.estimation import skipped_table

    path, inputs, labels = kept_chunk
    params = {"n_bins": 30}
    table = skipped_table([path], "binning", {"b": params}, skip, experiment="e", inputs=inputs, shaped_inputs=inputs)
    full = information_table([path], "binning", {"b": params}, experiment="e")
    assert set(full.columns) <= set(table.columns) and list(table.columns[:9]) == list(full.columns[:9])
    assert len(table) == len(full) and set(table["epoch"]) == set(full["epoch"])  # every recorded epoch, every seed
    merged = table.merge(full, on=["seed", "epoch", "layer"], suffixes=("", "_full"))
    hit = merged[merged["measured"]]
    np.testing.assert_allclose(hit["I_XT_bits"], hit["I_XT_bits_full"], atol=1e-9)  # measured rows are the estimator's
    assert (table["selection_calls"] < 41).all()
    if skip["method"] != "simple":  # the guarantee on the measured rows at recorded epochs, and against a replay
        replay = Replay(path, inputs)
        from infoplane.estimators import binning

        for seed_index, seed in enumerate([0, 1]):
            rows = table[(table["seed"] == seed) & table["measured"]]
            for epoch, group in rows.groupby("epoch"):
                xt, _ = binning.information_plane(replay.activations(int(epoch))[0][seed_index][None, None], labels, n_bins=30)
                assert float(np.asarray(xt).reshape(-1)[0]) == pytest.approx(group[group["layer"] == 1]["I_XT_bits"].iloc[0])
    else:
        assert set(table.loc[table["measured"], "epoch"]) == {0, 8, 16, 24, 32, 40}


def test_skip_settings_are_checked_and_name_the_entry():
    from infoplane.instances import expand_instances

    entry = {"estimator": "binning", "params": {"n_bins": 30}}
    with pytest.raises(ValueError, match=r"estimators.b.skip.delta: required by method 'delta_exact'"):
        expand_instances({"b": {**entry, "skip": {"method": "delta_exact"}}})
    with pytest.raises(ValueError, match="give skip or stride, not both"):
        expand_instances({"b": {**entry, "stride": 2, "skip": {"method": "simple", "n": 2}}})
    with pytest.raises(ValueError, match="pools seeds or epochs"):
        expand_instances({"e": {"estimator": "ensemble", "params": {"base": "binning", "n_bins": 30},
                                "skip": {"method": "simple", "n": 2}}})  # fmt: skip
    with pytest.raises(ValueError, match="n: not a parameter of method 'delta_approximate'"):
        expand_instances({"b": {**entry, "skip": {"method": "delta_approximate", "delta": 0.1, "n": 3}}})


def test_a_study_with_a_skipping_estimator_reaches_its_pdf(tmp_path):
    """config/tiny.yaml with kept weights, one plain and one skipping estimator: the report is
    built from the skipping instance's table as from any other."""
    import pandas as pd
    import yaml

    from conftest import ROOT, copy_workflow, results, snakemake
    from infoplane.config import load_config

    config = load_config(ROOT / "config" / "tiny.yaml")
    config["study"] = "skiptiny"
    config["training"]["record"] = {"schedule": "every", "step": 3, "keep_weights": True}
    config["estimators"] = {
        "binning": {"estimator": "binning", "params": {"n_bins": 30}},
        "binning_skip": {"estimator": "binning", "params": {"n_bins": 30},
                         "skip": {"method": "delta_exact", "delta": 0.1}},
    }  # fmt: skip
    config["claims"] = {"resamples": 200}
    config["validation"] = {"n_samples": [64], "repeats": 1, "dims": [1], "layer_widths": [3], "noise_variances": [0.1]}
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "skip.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/skip.yaml")
    tree = results(workdir, "skiptiny")
    assert (tree / "report" / "report.pdf").stat().st_size > 10_000
    table = pd.read_csv(tree / "tables" / "tanh" / "binning_skip" / "information.csv")
    plain = pd.read_csv(tree / "tables" / "tanh" / "binning" / "information.csv")
    assert len(table) == len(plain) and table["measured"].any() and (table["selection_calls"] <= 31).all()
    claims = pd.read_csv(tree / "tables" / "claims.csv")
    assert "binning_skip" in set(claims["estimator"])


# -- the study -------------------------------------------------------------------------------------


def synthetic_truth(seeds=(0, 1, 2, 3, 4)) -> tuple:
    """Every epoch's values of 5 seeds: the saturating curves, each seed shifted a little."""
    import pandas as pd

    frames = []
    for seed in seeds:
        values = curves("saturating") * (1 + 0.01 * seed)
        for layer in range(values.shape[1]):
            frames.append(pd.DataFrame({"seed": seed, "epoch": EPOCHS, "layer": layer + 1,
                                        "I_XT_bits": values[:, layer, 0], "I_TY_bits": values[:, layer, 1]}))  # fmt: skip
    truth = pd.concat(frames, ignore_index=True)
    timing = pd.DataFrame({"chunk": 0, "epoch": EPOCHS, "seconds": 0.01, "seeds": len(seeds)})
    return truth, timing


def test_the_study_prices_every_variant_by_its_calls_and_measures_its_error_against_the_truth():
    from infoplane.skipping import study

    truth, timing = synthetic_truth()
    section = {"methods": {"simple": {"n": [1, 100]}, "delta_exact": {"delta": [0.05]},
                           "delta_exact_parallel": {"delta": [0.05]}, "delta_approximate": {"delta": [0.05]}},
               "multiplier": 2, "normalise": False, "workers": 2}  # fmt: skip
    chosen = study.variants(section)
    assert [label for label, _ in chosen][:2] == ["simple n=1", "simple n=100"]
    rows = study.evaluate(truth, timing, chosen, workers=2)
    every = rows[rows["variant"] == "simple n=1"]
    assert (every["calls"] == 1001).all() and (every["max_error_bits"] == 0).all()
    per_seed_epoch = 0.01 / 5
    assert every["cpu_seconds"].iloc[0] == pytest.approx(1001 * per_seed_epoch)
    exact = rows[rows["variant"] == "delta_exact delta=0.05"].set_index("seed")
    parallel = rows[rows["variant"] == "delta_exact_parallel delta=0.05"].set_index("seed")
    assert (exact["guarantee"] == 1).all() and (exact["calls"] == parallel["calls"]).all()
    assert (parallel["wall_seconds"] < exact["wall_seconds"]).all()
    one = delta_exact(lambda e: curves("saturating")[e], EPOCHS, 0.05)  # seed 0's curve, selected directly
    assert exact.loc[0, "calls"] == one.calls
    assert exact.loc[0, "max_error_bits"] == pytest.approx(interpolation_error(one, EPOCHS, curves("saturating"))["max_bits"].max())
    summary = study.summary(rows.assign(experiment="e", estimator="b"), resamples=200, confidence=0.95, seed=0)
    row = summary.set_index("variant").loc["delta_exact delta=0.05"]
    assert row["call_fraction_low"] <= row["call_fraction"] <= row["call_fraction_high"] and row["guarantee_held"] is True
    picks = study.recommendations(summary, budgets=(0.0, 0.05))
    assert list(picks["variant"]) == ["simple n=1", picks["variant"].iloc[1]]
    assert picks["worst_error_bits"].iloc[1] <= 0.05 and picks["call_fraction"].iloc[1] < 1


def test_a_bad_skipping_study_config_names_the_key():
    from conftest import ROOT
    from infoplane.config import ConfigError, load_config, validate_config

    config = load_config(ROOT / "config" / "skipping.yaml")
    config["experiments"]["fashion_fcn3"]["record"]["keep_weights"] = False
    with pytest.raises(ConfigError, match="experiments.fashion_fcn3.record.keep_weights: the skipping study"):
        validate_config(config)
    config = load_config(ROOT / "config" / "skipping.yaml")
    config["skipping"]["estimators"] = ["kde"]
    with pytest.raises(ConfigError, match="skipping.estimators: 'kde' is not defined"):
        validate_config(config)


def test_a_tiny_skipping_study_reaches_its_pdf(tmp_path):
    import pandas as pd
    import yaml

    from conftest import ROOT, copy_workflow, results, snakemake
    from infoplane.config import load_config

    config = load_config(ROOT / "config" / "skipping.yaml")
    config["study"] = "skiptiny"
    config["datasets"] = {"tishby": {"builtin": "tishby"}}
    config["training"].update(epochs=40, seeds=4, chunk_size=2, learning_rate=4e-3)
    config["training"]["record"] = {"schedule": "every", "step": 5, "probe": "all", "keep_weights": True}
    config["experiments"] = {"tanh": {}}
    config["skipping"].update(methods={"simple": {"n": [2, 10]}, "delta_exact": {"delta": [0.1]},
                                       "delta_exact_parallel": {"delta": [0.1]}}, resamples=200)  # fmt: skip
    config["claims"] = {"resamples": 200}
    config["threads"] = {"train": 1, "estimate": 1}
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "skip.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/skip.yaml")
    tree = results(workdir, "skiptiny")
    assert (tree / "report" / "report.pdf").stat().st_size > 10_000
    truth = pd.read_csv(tree / "tables" / "skipping" / "tanh" / "binning" / "truth.csv")
    assert sorted(truth["epoch"].unique()) == list(range(41)) and truth["seed"].nunique() == 4
    summary = pd.read_csv(tree / "tables" / "skipping" / "summary.csv")
    assert set(summary["variant"]) == {"simple n=2", "simple n=10", "delta_exact delta=0.1", "delta_exact_parallel delta=0.1"}
    assert (summary.loc[summary["method"] != "simple", "guarantee_held"]).all()
    tex = (tree / "report" / "report.tex").read_text()
    assert "What to choose" in tex
