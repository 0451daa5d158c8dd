"""The recurrent study (seed 004): the temperature source, the regression task, the rnn family,
its trainer and recording, the neuron-level information, the flow graphs, the five answers and
a tiny study through Snakemake to its PDF."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from conftest import ROOT, copy_workflow, results, snakemake
from infoplane import datasets, families, tasks
from infoplane.claims import check_settings as claim_settings
from infoplane.config import ConfigError, load_config, validate_config
from infoplane.datasets import temperatures
from infoplane.rnn import check_settings
from infoplane.rnn import information as info
from infoplane.rnn.answers import _phases, answers, kept_seeds
from infoplane.rnn.flows import depths, flow_epochs, graph_tables, trial_rows, trophic_levels
from infoplane.rnn.recording import read_run
from infoplane.rnn.training import RegressionTrainer, shuffled_recurrent, train_rnn

SHIPPED = ROOT / "config" / "rnn.yaml"
MODEL = {"family": "rnn", "neurons": 6, "input_neurons": 2, "output_neurons": 2}


# -- the data and the task ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seattle():
    return temperatures.series(temperatures.data_file("seattle"))


def test_the_series_are_the_packages_hourly_2010_readings_with_one_gap(seattle):
    times, temps = seattle
    assert len(temps) == 8759 and times[0] == np.datetime64("2010-01-01T00", "h")
    steps = np.diff(times).astype(int)
    assert (steps == 1).sum() == 8757 and (steps == 2).sum() == 1  # the hour skipped on 2010-03-14
    sf_times, sf_temps = temperatures.series(temperatures.data_file("san_francisco"))
    assert len(sf_temps) == 8759 and 40 < sf_temps.mean() < 70


def test_windows_never_straddle_the_gap_and_targets_follow_their_window(seattle):
    times, temps = seattle
    inputs, targets, target_times = temperatures.windows(times, temps, 24)
    assert inputs.shape == (8759 - 24 - 24, 24)  # 24 windows would straddle the gap
    assert (np.diff(target_times) > np.timedelta64(0, "h")).all()
    where = {t: i for i, t in enumerate(times)}
    for r in (0, 1700, len(targets) - 1):
        end = where[target_times[r]]
        assert targets[r] == temps[end]
        assert np.array_equal(inputs[r], temps[end - 24 : end])


def test_the_split_is_chronological_and_scaling_uses_training_targets_only():
    train, test = temperatures.chronological_split(10, 0.8)
    assert train.tolist() == list(range(8)) and test.tolist() == [8, 9]
    scaling = tasks.Scaling.fit([1.0, 3.0])
    assert scaling.mean == 2.0 and scaling.scale == 1.0
    assert np.allclose(scaling.invert(scaling.apply([5.0, -1.0])), [5.0, -1.0])
    with pytest.raises(ValueError, match="empty training or test part"):
        temperatures.chronological_split(10, 0.05)
    with pytest.raises(ValueError, match="constant"):
        tasks.Scaling.fit([2.0, 2.0])


def test_the_baselines_are_persistence_and_the_training_mean():
    inputs = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 5.0]])
    targets = np.array([2.0, 3.0, 5.0, 4.0])
    errors = tasks.regression_baselines(inputs, targets, np.array([0, 1]), np.array([2, 3]))
    assert errors["persistence"] == pytest.approx(((3 - 5) ** 2 + (5 - 4) ** 2) / 2)
    assert errors["training_mean"] == pytest.approx(((2.5 - 5) ** 2 + (2.5 - 4) ** 2) / 2)


def test_a_damaged_series_file_is_named(tmp_path, seattle):
    bad = tmp_path / "seattle-temps.csv"
    bad.write_text(open(temperatures.data_file("seattle")).read().replace("39.4", "39.5", 1))
    with pytest.raises(ValueError, match=r"seattle-temps\.csv: SHA-256"):
        temperatures.series(bad)


def test_the_source_is_registered_as_a_regression_source():
    spec = datasets.check_spec({"builtin": "temperatures", "site": "san_francisco", "window": 12})
    assert datasets.task_of(spec) == "regression" and datasets.task_of({"builtin": "tishby"}) == "classification"
    arrays = datasets.get("temperatures").read(spec, datasets.get("temperatures").files(spec), logging.getLogger())
    assert arrays.inputs.shape[1] == 12 and arrays.labels.dtype == np.float64
    with pytest.raises(ValueError, match="site"):
        datasets.check_spec({"builtin": "temperatures", "site": "paris"})


# -- the family ----------------------------------------------------------------------------------------


def test_a_seed_is_the_same_network_alone_or_in_an_ensemble():
    model = families.check_model(MODEL)
    x = torch.randn(5, 10)
    both = families.build(model, [3, 7], (10,), 1, activation="tanh", init="glorot_uniform")
    alone = families.build(model, [7], (10,), 1, activation="tanh", init="glorot_uniform")
    assert torch.allclose(both.states(x)[1], alone.states(x)[0], atol=1e-6)  # batched products may round differently
    assert both.states(x).shape == (2, 5, 10, 6)
    assert families.layer_widths(model, (10,), 1) == [6, 1]


def test_the_input_reaches_only_input_neurons_and_the_output_reads_only_output_neurons():
    net = families.build(families.check_model(MODEL), [0], (4,), 1, activation="tanh", init="glorot_uniform")
    x = torch.randn(3, 4)
    first = net.states(x)[0, :, 0]  # h_1 = f(u x_1 + b): only neurons 0 and 1 see x
    other = net.states(x + 1.0)[0, :, 0]
    assert not torch.allclose(first[:, :2], other[:, :2]) and torch.allclose(first[:, 2:], other[:, 2:])
    last = torch.randn(1, 3, 6)
    changed = last.clone()
    changed[..., :4] += 5.0  # neurons 0-3 are not read
    assert torch.allclose(net.readout(last), net.readout(changed))


def test_bad_roles_and_regularisers_are_refused():
    with pytest.raises(ValueError, match="input_neurons = 9 exceeds neurons = 6"):
        families.layer_shapes({**families.check_model(MODEL), "input_neurons": 9}, (4,), 1)
    with pytest.raises(ValueError, match="neither dropout nor batch_norm"):
        families.build(families.check_model(MODEL), [0], (4,), 1, activation="tanh", init="glorot_uniform", dropout=0.5)


# -- training and recording -----------------------------------------------------------------------------


def settings(**changes) -> dict:
    out = dict(model=families.check_model(MODEL), activation="tanh", init="glorot_uniform", optimizer="adam",
               learning_rate=1e-2, batch_size=32, epochs=6, train_fraction=0.8, split_seed=0, seeds=4, first_seed=0,
               chunk_size=4, record={"schedule": "every", "step": 1, "probe": "all", "probe_size": 40})  # fmt: skip
    out.update(changes)
    return out


def sine_series(n=600, length=8, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n + length)
    values = 50 + 10 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.5, len(t))
    index = np.arange(n)[:, None] + np.arange(length + 1)[None, :]
    return values[index[:, :-1]], values[index[:, -1]]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    inputs, targets = sine_series()
    path = tmp_path_factory.mktemp("rnn") / "run.h5"
    train_rnn(inputs, targets, settings(), check_settings({}), path, experiment="sine")
    return read_run(path), inputs, targets


def test_training_beats_the_training_mean_and_the_recording_has_its_shapes(recorded):
    run, inputs, targets = recorded
    assert run["series"]["test_mse"].shape == (4, 7)
    final = run["series"]["test_mse"][:, -1]
    assert (final < run["baselines"]["training_mean"]).all() and (final < run["series"]["test_mse"][:, 0]).all()
    assert run["states"]["trained"].shape == (7, 4, 40, 8, 6) == run["states"]["shuffled"].shape
    assert np.isnan(run["series"]["snr"][:, 0]).all() and np.isfinite(run["series"]["snr"][:, 1:]).all()
    assert kept_seeds(run) == [0, 1, 2, 3]
    rows = run["probe_rows"]
    assert len(rows) == 40 and np.array_equal(run["probe_targets"], targets[rows])
    assert np.array_equal(run["probe_inputs"], inputs[rows])


def test_the_recorded_states_and_errors_are_the_networks_own(recorded):
    run, inputs, targets = recorded
    model = families.build(families.check_model(MODEL), [2], (8,), 1, activation="tanh", init="glorot_uniform")
    state = {k: torch.from_numpy(v[-1][2:3]) for k, v in run["parameters"].items()}
    model.load_state_dict(state)
    scaled = (run["probe_inputs"] - run["scaling_mean"]) / run["scaling_scale"]
    with torch.no_grad():
        states = model.states(torch.from_numpy(scaled.astype(np.float32)))[0].numpy()
    assert np.allclose(states, run["states"]["trained"][-1, 2], atol=1e-6)
    shuffled = run["states"]["shuffled"][-1, 2]
    assert not np.allclose(shuffled, states)  # the control differs, and is the permuted matrix's network
    control = shuffled_recurrent(run["parameters"]["weights.0"][-1], 0, [0, 1, 2, 3], 6)[2]
    assert np.allclose(np.sort(control.ravel()), np.sort(run["parameters"]["weights.0"][-1][2].ravel()))


def test_a_seed_trains_as_it_would_alone(tmp_path):
    inputs, targets = sine_series()
    together = RegressionTrainer(inputs, targets, [0, 5], settings())
    alone = RegressionTrainer(inputs, targets, [5], settings())
    for _ in range(2):
        together.train_epoch()
        alone.train_epoch()
    assert np.allclose(together.errors()["test_mse"][1], alone.errors()["test_mse"][0], rtol=1e-5)


def test_a_diverging_seed_is_frozen_and_named_while_the_others_train():
    inputs, targets = sine_series()
    trainer = RegressionTrainer(inputs, targets, [0, 1], settings(learning_rate=1e-2))
    with torch.no_grad():
        trainer.model.weights[1][1].fill_(float("inf"))  # seed 1's read-out: its loss is not finite
    trainer.train_epoch()
    errors = trainer.errors()
    assert trainer.diverged_epoch.tolist() == [-1, 1] and "non-finite" in trainer.divergence_cause[1]
    assert np.isfinite(errors["test_mse"][0]) and np.isnan(errors["test_mse"][1])


# -- information, flows and answers ---------------------------------------------------------------------


def test_effective_rank_and_the_kde_ceiling_have_their_closed_forms():
    rng = np.random.default_rng(0)
    line = np.outer(rng.normal(size=200), [1.0, 2.0, -1.0])
    assert info.effective_rank(line) == pytest.approx(1.0, abs=1e-6)
    square = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    assert info.effective_rank(square) == pytest.approx(2.0)
    far = np.arange(50, dtype=float)[:, None] * 100.0
    assert info.kde_information(far, 0.1) == pytest.approx(math.log2(50), abs=1e-9)


def test_neuron_information_with_y_is_the_gaussian_closed_form():
    rng = np.random.default_rng(1)
    y = rng.normal(size=2000)
    rho = 0.8
    h = rho * y + math.sqrt(1 - rho**2) * rng.normal(size=2000)
    last = np.stack([h, rng.normal(size=2000)], axis=1)[None, None]  # [R=1, S=1, P, n=2]
    table = info.neuron_table(last, y, [0], [5], "trained", check_settings({"jitter": 0.0}))
    assert table.loc[0, "I_hY_bits"] == pytest.approx(-0.5 * math.log2(1 - rho**2), abs=0.06)
    assert abs(table.loc[1, "I_hY_bits"]) < 0.05
    assert (table["I_hX_bits"] >= 0).all() and (table["I_hX_bits"] <= math.log2(2000)).all()


def test_depth_is_the_distance_from_the_input_neurons():
    import networkx as nx

    graph = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 1)])
    graph.add_node(4)
    d = depths(graph, [0])
    assert d[0] == 0 and d[1] == 1 and d[2] == 2 and math.isnan(d[3]) and math.isnan(d[4])
    assert flow_epochs([0, 1, 2, 4, 8, 16, 32], 3) == [0, 4, 32] and flow_epochs([0, 1], 0) == [0, 1]


def test_a_driven_chain_gives_its_edges_and_depths():
    rng = np.random.default_rng(2)
    trials, steps = 200, 30
    states = np.zeros((trials, steps, 3))
    states[:, :, 0] = rng.normal(size=(trials, steps))
    for t in range(1, steps):
        states[:, t, 1] = 0.8 * states[:, t - 1, 0] + 0.3 * rng.normal(size=trials)
        states[:, t, 2] = 0.8 * states[:, t - 1, 1] + 0.3 * rng.normal(size=trials)
    edges, nodes = graph_tables(states[None, None], [0], [5], "trained", check_settings({}), [0], [2])
    found = set(map(tuple, edges.loc[edges["significant"], ["source", "target"]].to_numpy()))
    assert found == {(0, 1), (1, 2)}
    assert nodes.set_index("neuron")["depth"].tolist() == [0, 1, 2]
    assert np.allclose(nodes.set_index("neuron")["trophic_level"], [0, 1, 2]) and nodes["incoherence"].max() < 1e-9
    assert nodes.set_index("neuron")["role"].tolist() == ["input", "hidden", "output"]


def test_a_constant_neuron_is_left_out_of_the_graph_and_a_trial_subset_spans_the_probe():
    rng = np.random.default_rng(4)
    states = np.zeros((60, 12, 3))
    states[:, :, 0] = rng.normal(size=(60, 12))
    states[:, 1:, 1] = 0.9 * states[:, :-1, 0] + 0.2 * rng.normal(size=(60, 11))
    states[:, :, 2] = 0.5  # dead: constant in every window and step
    edges, nodes = graph_tables(states[None, None], [0], [3], "trained", check_settings({}), [0], [2])
    assert set(edges["source"]) | set(edges["target"]) == {0, 1}
    dead = nodes.set_index("neuron").loc[2]
    assert math.isnan(dead["depth"]) and math.isnan(dead["trophic_level"]) and dead["in_degree"] == 0
    assert info.group_planes(nodes, "trained") == {"level 0": {0: [0]}, "level 1": {0: [1]}}
    rows = trial_rows(400, 50, 0)
    assert len(set(rows)) == 50 and rows.min() < 100 and rows.max() > 300
    assert np.array_equal(trial_rows(40, 0, 0), np.arange(40))


def test_trophic_levels_and_incoherence_have_their_closed_forms():
    chain = np.zeros((3, 3))
    chain[0, 1] = chain[1, 2] = 2.0
    levels, f0 = trophic_levels(chain)
    assert np.allclose(levels, [0, 1, 2]) and f0 == pytest.approx(0.0, abs=1e-12)
    cycle = np.ones((3, 3)) - np.eye(3)  # every flow both ways: no direction
    assert trophic_levels(cycle)[1] == pytest.approx(1.0)
    skip = np.zeros((3, 3))
    skip[0, 1] = skip[1, 2] = skip[0, 2] = 1.0  # MacKay et al.'s feed-forward triangle: levels 0, 2/3, 4/3, F0 = 1/9
    levels, f0 = trophic_levels(skip)
    assert np.allclose(levels, [0, 2 / 3, 4 / 3]) and f0 == pytest.approx(1 / 9)
    two = np.zeros((4, 4))
    two[0, 1] = two[2, 3] = 1.0  # two separate edges: each part starts at 0
    assert np.allclose(trophic_levels(two)[0], [0, 1, 0, 1])
    assert np.isnan(trophic_levels(np.zeros((2, 2)))[1])
    with pytest.raises(ValueError, match="non-negative"):
        trophic_levels(-chain)


@pytest.mark.parametrize("drop, verdict", [(1.0, "confirmed"), (0.0, "refuted")])
def test_drift_then_diffusion_follows_the_fall_of_the_snr(drop, verdict):
    rng = np.random.default_rng(3)
    epochs = 30
    snr = np.full((6, epochs + 1, 2), np.nan)
    level = np.where(np.arange(1, epochs + 1) <= 10, 1.0, 1.0 - drop)
    snr[:, 1:, 0] = 10 ** (level + 0.02 * rng.normal(size=(6, epochs)))
    rows = _phases({"snr": snr}, list(range(6)), list(range(6)), claim_settings({"resamples": 300}), "x")
    assert rows[0]["verdict"] == verdict
    if drop:
        assert 9 <= rows[1]["estimate"] <= 12


def test_the_answers_of_a_recorded_run_are_bounded_and_decided(recorded):
    run, _, _ = recorded
    section = check_settings({"flow_epochs": 2})
    seeds, epochs = [int(s) for s in run["seeds"]], [int(e) for e in run["recorded_epochs"]]
    neurons, states, edges, nodes = [], [], [], []
    for variant in ("trained", "shuffled"):
        last = run["states"][variant][:, :, :, -1, :]
        neurons.append(info.neuron_table(last, run["probe_targets"], seeds, epochs, variant, section))
        chosen = flow_epochs(epochs, 2)
        e, n = graph_tables(run["states"][variant][[epochs.index(c) for c in chosen]], seeds, chosen, variant, section,
                            run["input_neurons"], run["output_neurons"])  # fmt: skip
        edges.append(e)
        nodes.append(n)
    nodes = pd.concat(nodes, ignore_index=True)
    for variant in ("trained", "shuffled"):
        last = run["states"][variant][:, :, :, -1, :]
        states.append(info.state_table(last, run["probe_targets"], seeds, epochs, variant, section,
                                       info.group_planes(nodes, variant)))  # fmt: skip
    neurons, states, edges = (pd.concat(t, ignore_index=True) for t in (neurons, states, edges))
    assert ((states["I_XH_bits"] >= 0) & (states["I_XH_bits"] <= math.log2(40) + 1e-9)).all()
    assert ((neurons["I_hX_bits"] >= 0) & (neurons["I_hX_bits"] <= math.log2(40) + 1e-9)).all()
    assert ((states["effective_rank"] >= 1 - 1e-9) & (states["effective_rank"] <= 6 + 1e-9)).all()
    table = answers(run, neurons, states, edges, nodes, claim_settings({"resamples": 200}), section, "sine")
    assert set(table["question"]) == {"direction", "layers", "bottleneck", "learning", "phases"}
    decided = table[table["verdict"].fillna("") != ""]
    assert set(decided["verdict"]) <= {"confirmed", "refuted", "inconclusive"}
    assert set(decided["question"]) == {"direction", "layers", "bottleneck", "learning", "phases"}
    finite = table.dropna(subset=["ci_low", "ci_high"])
    assert (finite["ci_low"] <= finite["ci_high"] + 1e-12).all()


# -- the config ------------------------------------------------------------------------------------------


def tiny_config() -> dict:
    config = load_config(SHIPPED)
    config["study"] = "rnntiny"
    for spec in config["datasets"].values():
        spec["window"] = 6
    config["training"].update(model=MODEL, epochs=8, seeds=4, chunk_size=4, batch_size=256,
                              record={"schedule": "every", "step": 1, "probe": "all", "probe_size": 60})  # fmt: skip
    config["rnn"].update(flow_epochs=2)
    config["claims"] = {"resamples": 200}
    config["threads"] = {"train": 1}
    config["report"] = {"title": "Tiny recurrent study"}
    return config


def test_the_shipped_config_is_valid():
    config = validate_config(load_config(SHIPPED))
    assert config["rnn"]["flow_estimator"] == "gaussian" and set(config["experiments"]) == {"seattle", "san_francisco"}


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["rnn"].update(k=0), "rnn.k"),
        (lambda c: c["rnn"].update(flow_trials=500), "rnn.flow_trials: 500 exceeds experiment seattle's probe_size 60"),
        (lambda c: c["rnn"].update(flow_surrogates=50), "rnn.flow_surrogates: 50 cannot reach significance"),
        (lambda c: c["training"]["record"].update(disk_budget_gb=1e-6), "experiments.seattle.record.disk_budget_gb"),
        (lambda c: c["training"].update(model={"family": "mlp", "hidden_widths": [4]}), "the rnn study trains the rnn family"),
        (lambda c: c["training"].update(model={**MODEL, "output_neurons": 7}), "output_neurons = 7 exceeds neurons = 6"),
        (lambda c: c["training"].update(seeds=2), "experiments.seattle.seeds: 2"),
        (lambda c: c["training"]["record"].pop("probe_size"), "record.probe_size"),
        (lambda c: c["training"].update(epochs=3), "recorded epochs"),
        (lambda c: c.update(datasets={"seattle": {"builtin": "tishby"}, "san_francisco": {"builtin": "tishby"}}),
         "has class labels"),
        (lambda c: c.update(gan={}), "gan: an rnn study cannot also be a gan study"),
        (lambda c: c["rnn"].update(flow_surrogates=1990, flow_alpha=0.015), "use at least 1999"),
        (lambda c: c["rnn"].update(flow_lag=5), "rnn.flow_lag, rnn.flow_history: lag 5 and history 1"),
        (lambda c: c["rnn"].update(flow_trials=2), "rnn.flow_trials: 2 windows as trials"),
    ],
)
def test_a_bad_rnn_config_names_the_key(edit, message):
    config = tiny_config()
    edit(config)
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert message in str(error.value)


def test_a_window_left_to_its_default_and_a_small_alpha_pass_the_check():
    config = tiny_config()
    config["training"]["record"]["probe_size"] = 400
    for spec in config["datasets"].values():
        spec.pop("window")
    config["rnn"].update(flow_alpha=0.004)
    checked = validate_config(config)
    assert checked["datasets"]["seattle"]["window"] == 24


def test_a_regression_source_outside_the_rnn_study_is_refused():
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["datasets"]["temps"] = {"builtin": "temperatures"}
    config["training"]["dataset"] = "temps"
    with pytest.raises(ConfigError, match="is a regression source"):
        validate_config(config)


@pytest.mark.slow
def test_a_tiny_recurrent_study_reaches_its_pdf(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "rnntiny.yaml").write_text(yaml.safe_dump(tiny_config(), sort_keys=False))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/rnntiny.yaml")
    tree = results(workdir, "rnntiny")
    assert (tree / "report" / "report.pdf").stat().st_size > 10_000
    table = pd.read_csv(tree / "tables" / "rnn" / "answers.csv")
    assert set(table["experiment"]) == {"seattle", "san_francisco"}
    decided = table[table["verdict"].fillna("") != ""]
    assert set(decided["verdict"]) <= {"confirmed", "refuted", "inconclusive"}
    performance = pd.read_csv(tree / "tables" / "rnn" / "performance.csv")
    assert set(performance["model"]) == {"rnn", "persistence", "training_mean"}
    tex = (tree / "report" / "report.tex").read_text()
    for question in ("general direction of information flow", "layer-like structures", "information bottleneck",
                     "indicate learning", "drift and diffusion"):  # fmt: skip
        assert question in tex
    assert (tree / "figures" / "rnn" / "seattle" / "flow.png").exists()
    assert not (tree / "tables" / "seattle" / "claims.csv").exists()  # no feed-forward claims run here
