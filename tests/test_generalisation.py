"""Seed 002's pairwise generalisation study: the grid's expansion and its errors, the features,
pairs, cross-fitted predictions and intervals on synthetic networks with known answers, and a
real Snakemake run of a tiny study to its PDF."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, copy_workflow, planned_jobs, results, snakemake
from infoplane import generalisation
from infoplane.config import ConfigError, load_config, validate_config
from infoplane.generalisation import analysis, seed002
from infoplane.generalisation.signals import FEATURES, RULES, feature_table

SHIPPED = ROOT / "config" / "generalisation.yaml"


def tiny_config() -> dict:
    """A two-type, 2 x 2 grid on the Tishby data with 4 seeds: a run of seconds."""
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["study"] = "pairs"
    config["training"].update(epochs=12, seeds=4, chunk_size=4, record={"schedule": "every", "step": 2, "probe": "train"})
    config.pop("experiments")
    config["estimators"] = {"kde_upper": {"estimator": "kde", "params": {"noise_variance": 0.1, "bound": "upper"}}}
    config["generalisation"] = {
        "networks": {"wide": {"hidden_widths": [10, 7, 5]}, "narrow": {"hidden_widths": [6, 4, 3]}},
        "factors": {
            "optimizer": {"sgd": {"optimizer": "sgd", "learning_rate": 0.05}, "adam": {"optimizer": "adam", "learning_rate": 0.01}},
            "regulariser": {"none": None, "weight_decay": {"weight_decay": 0.01}},
        },
        "estimator": "kde_upper", "resamples": 200,
    }  # fmt: skip
    config["validation"] = {"n_samples": [64], "repeats": 1, "dims": [1], "layer_widths": [3], "noise_variances": [0.1]}
    config["claims"] = {"resamples": 200}
    config["report"] = {"title": "Tiny pairs"}
    return config


# -- the grid ---------------------------------------------------------------------------------------


def test_shipped_grid_expands_into_seed_002s_networks_x_optimisers_x_regularisers():
    config = validate_config(load_config(SHIPPED))
    section = config["generalisation"]
    cells = generalisation.grid(section)
    assert len(cells) == 6 * 2 * 3 == len(config["experiments"])
    assert config["experiments"]["fcn12-sgd-dropout"] == {
        "model": section["networks"]["fcn12"]["model"], "optimizer": "sgd", "learning_rate": 0.05, "dropout": 0.3,
    }  # fmt: skip
    assert "reference" not in config["experiments"]["cnn1-adam-none"]
    # per type: 3 optimiser pairs (one per regulariser) + 3 regulariser pairs per optimiser
    pairs = generalisation.pairs(section)
    assert len(pairs) == 6 * (3 + 2 * 3)
    for factor, a, b in pairs:
        assert a.network == b.network
        assert [f for (f, x), (_, y) in zip(a.levels, b.levels) if x != y] == [factor]
    assert {n["reference"] for n in section["networks"].values()} == set(seed002.TABLE)
    # validating twice (the Snakefile and a test may both) keeps the grid as it is
    assert validate_config(copy.deepcopy(config))["experiments"] == config["experiments"]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda g: g["factors"]["regulariser"]["none"].update(optimizer="sgd"),
         "generalisation.factors.regulariser.none.optimizer: also set by generalisation.factors.optimizer"),
        (lambda g: g["factors"]["optimizer"]["sgd"].update(model={"family": "mlp", "hidden_widths": [3]}),
         "generalisation.factors.optimizer: levels set 'model'"),
        (lambda g: g.update(estimator="kde_lower"), "generalisation.estimator: 'kde_lower' is not defined under estimators"),
        (lambda g: g["factors"].update(optimizer={"sgd": {"optimizer": "sgd"}}), "generalisation.factors.optimizer"),
        (lambda g: g["networks"]["wide"].update(reference="5 Layer FCN"), "generalisation.networks.wide.reference"),
        (lambda g: g.update(chance_margin=2.0), "generalisation.chance_margin"),
        (lambda g: g["factors"]["optimizer"]["sgd"].update(learning_rate="0.1"), "learning_rate"),
        (lambda g: g["factors"]["regulariser"]["weight_decay"].update(seeds=2),
         "generalisation.factors.regulariser.weight_decay.seeds: every member of a pair shares its seeds"),
        (lambda g: g["networks"]["wide"].update(dataset="tishby"), "generalisation.networks.wide.dataset: every member"),
        (lambda g: g["factors"]["regulariser"].update(also_none={}),
         "generalisation.factors.regulariser.also_none: sets the same as level 'none'"),
        (lambda g: g["networks"].update({"wide-sgd": {"hidden_widths": [4, 3]}})
         or g["factors"]["regulariser"].update({"sgd-none": {"dropout": 0.1}}),
         "both make the experiment name 'wide-sgd-sgd-none'"),
    ],
)
def test_a_bad_grid_names_the_key_before_anything_runs(edit, message):
    config = tiny_config()
    config["generalisation"]["factors"]["regulariser"]["none"] = {}
    edit(config["generalisation"])
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["training"]["record"].update(probe="test"),
         "training.record.probe: the information-plane features are measured on training inputs only"),
        (lambda c: c["estimators"].update(ens={"estimator": "ensemble", "params": {"base": "binning", "n_bins": 30}})
         or c["generalisation"].update(estimator="ens"), "generalisation.estimator: 'ens' (ensemble) pools seeds"),
        (lambda c: c.update(stopping={"estimator": "kde_upper", "betas": [1]}),
         "cannot also have a stopping section"),
    ],
)
def test_features_on_anything_but_each_networks_training_inputs_are_refused(edit, message):
    config = tiny_config()
    edit(config)
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert message in str(error.value)


def test_a_grid_experiment_named_like_a_given_one_is_refused():
    config = tiny_config()
    config["experiments"] = {"wide-sgd-none": {"activation": "relu"}}
    with pytest.raises(ConfigError, match="experiments.wide-sgd-none: the generalisation grid names an experiment"):
        validate_config(config)


def test_a_swept_feature_estimator_is_refused():
    config = tiny_config()
    config["estimators"]["kde_upper"]["params"]["noise_variance"] = [0.1, 1.0]
    with pytest.raises(ConfigError, match="generalisation.estimator: 'kde_upper' sweeps a parameter"):
        validate_config(config)


# -- features ---------------------------------------------------------------------------------------


def test_features_read_the_last_hidden_and_output_layers_final_fall_and_peak():
    rows = []
    curves = {1: [5, 6, 6, 6], 2: [1.0, 3.0, 2.5, 2.0], 3: [0.5, 0.7, 0.9, 0.8]}  # layer 3 is the output
    for layer, values in curves.items():
        for epoch, value in zip((0, 2, 4, 6), values):
            rows.append({"seed": 7, "epoch": epoch, "layer": layer, "I_XT_bits": value, "I_TY_bits": value / 10})
    table = feature_table(pd.DataFrame(rows)).set_index("seed")
    got = {f.name: table.at[7, f.column] for f in FEATURES}
    assert got["ixt_last_hidden"] == 2.0 and got["ixt_fall_last_hidden"] == 1.0
    assert got["ixt_peak_epoch_last_hidden"] == 2.0 and got["ity_last_hidden"] == pytest.approx(0.2)
    assert got["ixt_output"] == 0.8 and got["ixt_fall_output"] == pytest.approx(0.1)
    assert got["ity_output"] == pytest.approx(0.08)
    with pytest.raises(ValueError, match="1 layer"):
        feature_table(pd.DataFrame(rows).query("layer == 1"))


# -- pairs and predictions on synthetic networks ----------------------------------------------------


def synthetic(section, *, seeds=6, flip=(), noise=0.02, rng=0, diverged=()):
    """A network table where test accuracy follows a hidden quality q; the feature
    ity_last_hidden equals +q (or -q for the network types in ``flip``), training accuracy is
    unrelated noise, training loss is -q plus noise."""
    rng = np.random.default_rng(rng)
    seeds_tables, features = {}, {}
    for cell in generalisation.grid(section):
        quality = rng.normal(size=seeds) + 2.0 * (cell.level("optimizer") == "adam")
        sign = -1.0 if cell.network in flip else 1.0
        seeds_tables[cell.name] = pd.DataFrame({
            "seed": np.arange(seeds), "diverged_epoch": [3 if (cell.name, s) in diverged else pd.NA for s in range(seeds)],
            "final_train_loss": -quality + rng.normal(scale=3 * noise, size=seeds),
            "final_train_accuracy": rng.uniform(0.5, 1.0, size=seeds),
            "final_test_accuracy": 0.5 + 0.1 * quality, "chance_accuracy": 0.1,
        })  # fmt: skip
        feature = pd.DataFrame({"seed": np.arange(seeds)})
        for f in FEATURES:
            feature[f.column] = rng.normal(size=seeds)
        feature[FEATURES[0].column] = sign * quality
        features[cell.name] = feature
    return analysis.network_table(section, seeds_tables, features)


def section_of(config):
    return validate_config(config)["generalisation"]


def by_network(table, signal):
    """One signal's rows of every factor together, by network type (and ``all``)."""
    return table[(table["factor"] == "all") & (table["signal"] == signal)].set_index("network")


def test_a_perfect_feature_is_found_on_the_other_types_and_scores_every_clear_pair():
    section = section_of(tiny_config())
    networks = synthetic(section)
    pairs = analysis.pair_table(networks, section)
    assert len(pairs) == 2 * 4 * 6  # 2 types x 4 pairs of a 2 x 2 grid x 6 seeds
    predicted, rules = analysis.predictions(pairs, section)
    assert set(rules["feature"]) == {"ity_last_hidden"} and set(rules["direction"]) == {1}
    table, verdicts = analysis.summary(pairs, predicted, section)
    mi = by_network(table, "mi")
    assert (mi["fraction"] == 1.0).all() and (mi["n_wrong"] == 0).all()
    assert (mi["ci_low"] <= mi["fraction"]).all() and (mi["fraction"] <= mi["ci_high"]).all()
    loss = by_network(table, "train_loss")
    assert (loss.loc["all", "fraction"] > 0.7)  # the loss carries -quality, with noise
    clear = pairs[pairs["status"] == "clear"]
    assert mi.loc["all", "n_clear"] == len(clear)
    for network in ("wide", "narrow"):
        assert mi.loc[network, "n_clear"] == (clear["network"] == network).sum()
    above = verdicts[(verdicts["comparison"] == "mi_above_chance")].set_index("network")
    assert (above["verdict"] == "confirmed").all()
    # the breakdown by factor splits the same clear pairs, with the same rule
    factors = table[(table["factor"] != "all") & (table["signal"] == "mi")]
    assert set(factors["factor"]) == {"optimizer", "regulariser"} and set(factors["network"]) == {"all"}
    assert factors["n_clear"].sum() == mi.loc["all", "n_clear"] and (factors["fraction"] == 1.0).all()
    # in-sample, the hidden quality's feature orders every clear pair; the others are noise
    features = analysis.feature_fractions(pairs, section).set_index(["network", "feature"])
    assert features.loc[("all", "ity_last_hidden"), "fraction_higher"] == 1.0
    assert 0.2 < features.loc[("all", "ixt_output"), "fraction_higher"] < 0.8
    # every prediction is one of the declared outcomes, and every pair is scored once per signal
    assert set(predicted["outcome"]) <= {"correct", "wrong", "tie", "close-correct", "close-wrong", "close-tie", "excluded", "equal"}
    assert len(predicted) == 3 * len(pairs)


def test_the_mi_rule_never_sees_the_pairs_it_is_scored_on():
    """When the feature's direction flips in one network type, the rule chosen on the others
    must get that type wrong: a rule chosen in-sample would get it right."""
    config = tiny_config()
    config["generalisation"]["networks"]["third"] = {"hidden_widths": [5, 5, 3]}
    config["generalisation"]["networks"]["fourth"] = {"hidden_widths": [4, 4, 3]}
    section = section_of(config)
    pairs = analysis.pair_table(synthetic(section, flip=("narrow",)), section)
    predicted, rules = analysis.predictions(pairs, section)
    chosen = rules.set_index("unit")
    assert chosen.loc["narrow", "feature"] == "ity_last_hidden" and chosen.loc["narrow", "direction"] == 1
    table, _ = analysis.summary(pairs, predicted, section)
    mi = by_network(table, "mi")
    assert mi.loc["narrow", "fraction"] == 0.0 and mi.loc["wide", "fraction"] == 1.0


def test_no_rule_is_chosen_where_the_other_types_decide_no_pair():
    section = section_of(tiny_config())
    pairs = analysis.pair_table(synthetic(section), section)
    pairs.loc[pairs["network"] == "narrow", "status"] = "close"  # wide's rule would be chosen on nothing
    predicted, rules = analysis.predictions(pairs, section)
    assert rules.set_index("unit").at["wide", "chosen_on_decided"] == 0
    mine = predicted[(predicted["signal"] == "mi") & (predicted["network"] == "wide")]
    assert (mine["predicted"] == "none").all() and mine["rule"].str.startswith("none").all()
    table, _ = analysis.summary(pairs, predicted, section)
    wide = by_network(table, "mi").loc["wide"]
    assert wide["n_correct"] == wide["n_wrong"] == 0 and np.isnan(wide["fraction"])


def test_with_one_network_type_the_rule_is_chosen_on_the_other_seeds():
    config = tiny_config()
    del config["generalisation"]["networks"]["narrow"]
    section = section_of(config)
    pairs = analysis.pair_table(synthetic(section), section)
    predicted, rules = analysis.predictions(pairs, section)
    assert list(rules["held_out"].unique()) == ["seed"] and len(rules) == 6
    table, verdicts = analysis.summary(pairs, predicted, section)
    assert list(by_network(table, "mi").index) == ["wide"]  # no "all" row for a single type
    assert by_network(table, "mi").at["wide", "fraction"] == 1.0
    assert "mi_at_seed002_level" not in set(verdicts["comparison"])  # no reference row given


def test_diverged_members_exclude_their_pairs_and_close_pairs_are_scored_apart():
    section = section_of(tiny_config())
    networks = synthetic(section, diverged={("wide-adam-none", 0)})
    pairs = analysis.pair_table(networks, section)
    excluded = pairs[pairs["status"] == "excluded"]
    assert len(excluded) == 2  # wide-adam-none at seed 0 is in two pairs of the 2 x 2 grid
    assert set(excluded["seed"]) == {0}
    # the spread: the larger of the two combinations' seed-to-seed standard deviations
    collapse = analysis.collapse_map(networks, section).set_index("experiment")
    row = pairs.iloc[0]
    assert row["spread"] == pytest.approx(max(collapse.at[row["experiment_a"], "test_accuracy_sd"],
                                              collapse.at[row["experiment_b"], "test_accuracy_sd"]))
    delta = (pairs["test_accuracy_a"] - pairs["test_accuracy_b"]).abs()
    kept = pairs["status"] != "excluded"
    assert ((delta[kept] < pairs["spread"][kept]) == (pairs["status"][kept] == "close")).all()
    assert collapse.at["wide-adam-none", "status"] == "partly diverged"


def test_ties_predict_nothing_and_are_counted_apart():
    section = section_of(tiny_config())
    networks = synthetic(section)
    networks["final_train_accuracy"] = 1.0  # every network fits its training set: accuracy ties everywhere
    pairs = analysis.pair_table(networks, section)
    predicted, _ = analysis.predictions(pairs, section)
    table, verdicts = analysis.summary(pairs, predicted, section)
    accuracy = by_network(table, "train_accuracy")
    assert (accuracy["n_correct"] + accuracy["n_wrong"] == 0).all() and np.isnan(accuracy["fraction"]).all()
    assert (accuracy["n_ties"] == accuracy["n_clear"]).all()
    versus = verdicts[verdicts["comparison"] == "mi_above_accuracy"].set_index("network")
    assert np.allclose(versus["estimate"], 0.5)  # MI 1.0 against ties counted half


def test_the_collapse_map_marks_combinations_that_stayed_at_chance():
    section = section_of(tiny_config())
    networks = synthetic(section)
    stuck = networks["experiment"] == "narrow-sgd-none"
    networks.loc[stuck, "final_train_accuracy"] = 0.12  # chance 0.1, margin 0.05
    collapse = analysis.collapse_map(networks, section).set_index("experiment")
    assert collapse.at["narrow-sgd-none", "status"] == "chance"
    assert (collapse.drop(index="narrow-sgd-none")["status"] == "trained").all()


def test_a_perfect_score_on_few_pairs_keeps_an_honest_interval():
    """Every clear pair right: the seed bootstrap alone says [1, 1]; the reported interval is at
    least Clopper-Pearson's (11 of 11: lower end 0.715), so 11 pairs cannot confirm seed 002's 90%."""
    config = tiny_config()
    del config["generalisation"]["networks"]["narrow"]
    config["generalisation"]["networks"]["wide"]["reference"] = "3 Layer FCN"
    section = section_of(config)
    pairs = analysis.pair_table(synthetic(section, seeds=6), section)
    clear = pairs.index[pairs["status"] == "clear"][:11]
    pairs.loc[pairs.index.difference(clear), "status"] = "close"
    predicted, _ = analysis.predictions(pairs, section)
    table, verdicts = analysis.summary(pairs, predicted, section)
    mi = by_network(table, "mi").loc["wide"]
    assert mi["fraction"] == 1.0 and mi["n_correct"] == 11
    assert mi["ci_low"] == pytest.approx(0.025 ** (1 / 11), abs=1e-9) and mi["ci_high"] == 1.0
    # every decided pair, close ones included, with its own count
    assert mi["n_all"] == mi["n_correct"] + mi["n_wrong"] + (predicted.query("signal == 'mi'")["outcome"]
                                                            .isin(["close-correct", "close-wrong"]).sum())
    level = verdicts.set_index("comparison").loc["mi_at_seed002_level"]
    assert level["estimate"] == pytest.approx(1 - 0.900603) and level["verdict"] == "inconclusive"


def test_the_bootstrap_interval_covers_the_fraction_of_a_known_coin():
    """A signal right with probability 0.7 on independent pairs: the 95% interval over seeds
    covers 0.7 in most of 40 repetitions (a calibration check, not an exact rate)."""
    config = tiny_config()
    section = section_of(config)
    covered = 0
    for r in range(40):
        networks = synthetic(section, seeds=12, rng=100 + r)
        rng = np.random.default_rng(r)
        pairs = analysis.pair_table(networks, section)
        truth = np.sign(pairs["test_accuracy_a"] - pairs["test_accuracy_b"])
        right = rng.random(len(pairs)) < 0.7
        pairs["final_train_accuracy_a"] = np.where(right == (truth > 0), 1.0, 0.0)
        pairs["final_train_accuracy_b"] = 0.5
        pairs["status"] = np.where(pairs["status"] == "excluded", "excluded", "clear")
        predicted, _ = analysis.predictions(pairs, section)
        table, _ = analysis.summary(pairs, predicted, section)
        row = table[(table["signal"] == "train_accuracy") & (table["network"] == "all") & (table["factor"] == "all")].iloc[0]
        covered += row["ci_low"] <= 0.7 <= row["ci_high"]
    assert covered >= 32


# -- the workflow -----------------------------------------------------------------------------------


def test_cifar10_generalisation_config_passes_the_config_check_and_a_dry_run(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    config = validate_config(load_config(workdir / "config" / "generalisation_cifar10.yaml"))
    assert len(config["experiments"]) == 36
    jobs = planned_jobs(workdir, "report", "--configfile", "config/generalisation_cifar10.yaml", study="generalisation_cifar10")
    assert len(jobs["train_chunk"]) == 36 and "generalisation_report" in jobs and "report_pdf" not in jobs
    assert jobs["download_file"] == {"data_dir=data/cifar10, file=cifar-10-python.tar.gz"}


def test_a_tiny_generalisation_study_reaches_its_pdf(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "pairs.yaml").write_text(yaml.safe_dump(tiny_config(), sort_keys=False))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/pairs.yaml")
    tree = results(workdir, "pairs")
    assert (tree / "report" / "report.pdf").stat().st_size > 10_000
    table = pd.read_csv(tree / "tables" / "generalisation" / "table.csv")
    assert set(table["network"]) == {"wide", "narrow", "all"}
    assert set(table["signal"]) == {"train_accuracy", "train_loss", "mi"}
    finite = table.dropna(subset=["fraction"])
    assert ((finite["fraction"] >= 0) & (finite["fraction"] <= 1)).all()
    assert ((finite["ci_low"] <= finite["fraction"]) & (finite["fraction"] <= finite["ci_high"])).all()
    predictions = pd.read_csv(tree / "tables" / "generalisation" / "predictions.csv")
    assert len(predictions) == 3 * 2 * 4 * 4  # signals x types x pairs x seeds
    tex = (tree / "report" / "report.tex").read_text()
    for row in table.itertuples():  # the report shows the table's numbers
        if np.isfinite(row.fraction):
            assert f"{100 * row.fraction:.1f}\\% [{100 * row.ci_low:.1f}, {100 * row.ci_high:.1f}]" in tex
    # only the features' estimator and the seeds tables were needed: no per-experiment figures or claims
    assert not (tree / "figures" / "wide-sgd-none").exists()
    assert not (tree / "tables" / "claims.csv").exists()
    # nothing to redo; a new bootstrap setting redoes the study's analysis and nothing it reads
    assert planned_jobs(workdir, "report", "--configfile", "config/pairs.yaml", study="pairs") == {}
    config = tiny_config()
    config["generalisation"]["resamples"] = 300
    (workdir / "config" / "pairs.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    assert set(planned_jobs(workdir, "report", "--configfile", "config/pairs.yaml", study="pairs")) == {
        "generalisation_tables", "plot_pairs", "generalisation_report", "report",
    }
