"""The claims: bootstrap intervals over seeds, their coverage, the change-point, and every claim's
verdict on synthetic curves with a known peak, fall and change-point."""

import numpy as np
import pandas as pd
import pytest

from infoplane.claims import CLAIMS, COLUMNS, check_settings, settings_schema
from infoplane.claims.bootstrap import SeedBootstrap, change_point, interval, peak_contrast
from infoplane.claims.experiment import experiment_claims, qualify
from infoplane.claims.study import comparisons, study_claims

SETTINGS = check_settings({"resamples": 400})
EPOCHS = np.unique(np.round(np.logspace(0, np.log10(8000), 40)).astype(int))
EPOCHS = np.concatenate([[0], EPOCHS])


def _coverage(mu, n_seeds=16, noise=1.0, repeats=200):
    rng = np.random.default_rng(1)
    truth = mu.max() - mu[-1]
    hull = insample = 0
    for r in range(repeats):
        curves = mu + rng.normal(0.0, noise, (n_seeds, len(mu)))
        value, _, ins = peak_contrast(SeedBootstrap(n_seeds, 400, [r]), curves, curves, -1, 0.95)
        hull += value.low <= truth <= value.high
        ins = interval(ins, 0.95)
        insample += ins.low <= truth <= ins.high
    return hull / repeats, insample / repeats


def test_fall_interval_covers_a_flat_topped_peak_where_the_in_sample_interval_does_not():
    # a plateau of 20 epochs at 5 bits, then a fall to 4: the in-sample maximum of the noisy
    # mean picks the luckiest plateau epoch (winner's curse) and its interval misses the truth
    mu = np.concatenate([np.linspace(2, 5, 6)[:-1], np.full(20, 5.0), np.linspace(5, 4, 6)[1:]])
    hull, insample = _coverage(mu)
    assert hull >= 0.93, hull
    assert insample < 0.7, insample


def test_fall_interval_covers_a_sharp_peak_at_the_nominal_rate():
    mu = np.concatenate([np.linspace(2, 8, 8), np.linspace(7.5, 5, 22)])
    hull, insample = _coverage(mu)
    assert hull >= 0.93, hull
    assert insample >= 0.85, insample


def test_no_fall_is_rarely_confirmed():
    # a curve that rises and stays: the fall's interval lies above 0.1 bits in at most 2.5% of samples
    rng = np.random.default_rng(2)
    mu = np.concatenate([np.linspace(2, 6, 10), np.full(20, 6.0)])
    false = 0
    for r in range(200):
        curves = mu + rng.normal(0.0, 1.0, (12, len(mu)))
        value, _, _ = peak_contrast(SeedBootstrap(12, 400, [r]), curves, curves, -1, 0.95)
        false += value.low > 0.1
    assert false / 200 <= 0.025


def test_bootstrap_weights_keep_folds_apart_and_row_zero_is_the_plain_mean():
    boot = SeedBootstrap(9, 50, 0)
    assert np.allclose(boot.full.sum(axis=1), 1.0) and np.allclose(boot.full[0], 1 / 9)
    a, b = boot.folds
    assert set(a).isdisjoint(b) and len(a) + len(b) == 9
    assert np.all(boot.fold_a[:, b] == 0) and np.all(boot.fold_b[:, a] == 0)
    assert np.allclose(boot.fold_a.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="at least 4 seeds"):
        SeedBootstrap(3, 10, 0)


def test_change_point_finds_a_step_exactly_and_brackets_it_under_noise():
    step = np.r_[np.full(12, 1.0), np.full(18, -1.0)][None, :]
    split, drop = change_point(step)
    assert split[0] == 12 and drop[0] == pytest.approx(2.0)
    rng = np.random.default_rng(3)
    curves = step + rng.normal(0.0, 0.8, (20, 30))
    boot = SeedBootstrap(20, 500, 0)
    splits, _ = change_point(boot.full @ curves)
    ci = interval(splits.astype(float), 0.95)
    assert ci.low <= 12 <= ci.high
    with pytest.raises(ValueError, match="at least 6 points"):
        change_point(np.zeros((1, 5)))


# --- synthetic tables -----------------------------------------------------------------------------


def _information(experiment, seeds, layer_curves, noise=0.2, estimator="binning", rng=None, ty=None):
    """An information table: layer -> mean I(X;T) curve over EPOCHS; I(T;Y) rises to 0.9 and holds."""
    rng = rng or np.random.default_rng(0)
    rows = []
    ty = ty if ty is not None else 0.9 * (1 - np.exp(-EPOCHS / 30.0))
    for seed in seeds:
        for layer, mu in layer_curves.items():
            xt = mu + rng.normal(0.0, noise, len(mu))
            rows.append(pd.DataFrame({"experiment": experiment, "estimator": estimator, "method": "binning", "seed": seed,
                                      "epoch": EPOCHS, "layer": layer, "I_XT_bits": xt, "I_TY_bits": ty + rng.normal(0, 0.01, len(mu))}))
    return pd.concat(rows, ignore_index=True)


def _compressing(peak_epoch=50, top=8.0, end=5.0):
    mu = np.where(EPOCHS <= peak_epoch, 3 + (top - 3) * EPOCHS / peak_epoch, top - (top - end) * np.log(EPOCHS / peak_epoch + 1e-12) / np.log(8000 / peak_epoch))
    return np.maximum(mu, 0.0)


def _flat():
    return 3 + 3 * (1 - np.exp(-EPOCHS / 20.0))


def _training(experiment, seeds, change_epoch=50, layers=(1, 2, 3), full_batch=False, rng=None):
    rng = rng or np.random.default_rng(5)
    rows = []
    for seed in seeds:
        for layer in layers:
            snr = np.where(EPOCHS < change_epoch, 10.0, 0.3) * np.exp(rng.normal(0, 0.1, len(EPOCHS)))
            if full_batch:
                snr = np.full(len(EPOCHS), np.nan)
            rows.append(pd.DataFrame({"experiment": experiment, "seed": seed, "epoch": EPOCHS, "layer": layer,
                                      "quantity": "gradient_snr", "value": snr}))
    table = pd.concat(rows, ignore_index=True)
    table["layer"] = table["layer"].astype("Int64")
    return table


def _seeds(experiment, seeds, accuracy=None, diverged=(), chance=(), batches=7):
    rng = np.random.default_rng(9)
    acc = accuracy if accuracy is not None else 0.9 + rng.normal(0, 0.01, len(seeds))
    rows = []
    for s, a in zip(seeds, acc):
        rows.append({"experiment": experiment, "seed": s, "diverged_epoch": 120 if s in diverged else pd.NA,
                     "divergence_cause": "non-finite training loss" if s in diverged else "", "final_epoch": 8000,
                     "final_train_loss": 0.1, "final_train_accuracy": 0.52 if s in chance else min(a + 0.05, 1.0),
                     "final_test_accuracy": a, "chance_accuracy": 0.517, "n_batches_per_epoch": batches})
    table = pd.DataFrame(rows)
    table["diverged_epoch"] = table["diverged_epoch"].astype("Int64")
    return table


def test_settings_declared_once_give_defaults_schema_and_errors():
    settings = check_settings({})
    assert settings["confidence"] == 0.95 and settings["resamples"] == 2000
    assert set(settings_schema()["properties"]) == {p for p in settings} | {"estimators"}
    with pytest.raises(ValueError, match="confidence must be <= 0.999"):
        check_settings({"confidence": 1.5})
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['resample'\]"):
        check_settings({"resample": 10})
    assert len({c.name for c in CLAIMS}) == len(CLAIMS)


def test_qualify_leaves_out_diverged_and_chance_seeds_and_says_why():
    status = qualify(_seeds("e", [0, 1, 2, 3], diverged=(1,), chance=(2,)), 0.05)
    assert status["qualifies"].tolist() == [True, False, False, True]
    assert "diverged at epoch 120 (non-finite training loss)" in status.loc[1, "reason"]
    assert "within 0.05 of chance (0.517)" in status.loc[2, "reason"]


def test_within_experiment_claims_on_known_curves():
    seeds = list(range(10))
    # noise small enough that "no fall" can be shown: the in-sample maximum over the plateau of
    # layer 1 is biased up by about 2 standard errors of the mean
    info = _information("tanh", seeds, {1: _flat(), 2: _compressing(), 3: np.full(len(EPOCHS), 1.0)}, noise=0.05)
    # layer 3 is the output layer: not tested
    claims, curves, per_seed = experiment_claims({"binning": info}, _training("tanh", seeds), _seeds("tanh", seeds),
                                                 SETTINGS, "tanh")
    assert list(claims.columns) == COLUMNS
    assert set(claims["layer"]) == {"1", "2", "hidden"}
    fit = claims[(claims["claim"] == "st17_fitting_then_compression") & (claims["statistic"] == "I_XT_fall_bits")].set_index("layer")
    assert fit.loc["2", "verdict"] == "confirmed" and fit.loc["1", "verdict"] == "refuted"
    assert fit.loc["2", "ci_low"] < 3.0 < fit.loc["2", "ci_high"] + 0.3  # the true fall is 3 bits
    assert fit.loc["hidden", "verdict"] == "confirmed" and "shown: layer 2" in fit.loc["hidden", "rule"]
    peak = claims[(claims["statistic"] == "I_XT_peak_epoch") & (claims["layer"] == "2")].iloc[0]
    assert peak["ci_low"] <= 50 <= peak["ci_high"]
    most = claims[(claims["claim"] == "st17_compression_most_of_training") & (claims["layer"] == "2")].iloc[0]
    assert most["verdict"] == "confirmed" and most["estimate"] > 0.9
    snr = claims[(claims["claim"] == "st17_snr_transition") & (claims["layer"] == "2")].set_index("statistic")
    assert snr.loc["snr_change_epoch", "ci_low"] <= 50 <= snr.loc["snr_change_epoch", "ci_high"] * 1.5
    assert snr.loc["log10_change_over_compression_start", "verdict"] == "confirmed"
    assert (claims["n_seeds"] == "10").all()
    assert set(curves["quantity"]) == {"I_XT", "I_TY", "log10_snr"}
    ixt = curves[(curves["quantity"] == "I_XT") & (curves["layer"] == 2)]
    assert (ixt["ci_low_bits"] <= ixt["mean_bits"]).all() and (ixt["mean_bits"] <= ixt["ci_high_bits"]).all()
    assert set(per_seed["layer"]) == {1, 2} and len(per_seed) == 20


def test_snr_transition_far_from_the_compression_start_is_refuted_and_full_batch_is_inconclusive():
    seeds = list(range(10))
    info = _information("tanh", seeds, {1: _compressing(peak_epoch=50), 2: np.full(len(EPOCHS), 1.0)})
    claims, _, _ = experiment_claims({"binning": info}, _training("tanh", seeds, change_epoch=2000), _seeds("tanh", seeds),
                                     SETTINGS, "tanh")
    row = claims[(claims["claim"] == "st17_snr_transition") & (claims["layer"] == "hidden")].iloc[0]
    assert row["verdict"] == "refuted" and row["estimate"] > 1.0
    claims, curves, _ = experiment_claims({"binning": info}, _training("tanh", seeds, full_batch=True),
                                          _seeds("tanh", seeds, batches=1), SETTINGS, "tanh")
    row = claims[(claims["claim"] == "st17_snr_transition") & (claims["layer"] == "1")].iloc[0]
    assert row["verdict"] == "inconclusive" and "full-batch" in row["rule"]
    assert "log10_snr" not in set(curves["quantity"])


def test_claims_use_only_qualifying_seeds_and_say_how_many():
    seeds = list(range(8))
    info = _information("tanh", seeds, {1: _compressing(), 2: np.full(len(EPOCHS), 1.0)})
    status = _seeds("tanh", seeds, diverged=(0,), chance=(5,))
    info.loc[(info["seed"] == 0) & (info["epoch"] >= 120), ["I_XT_bits", "I_TY_bits"]] = np.nan  # the estimator skipped them
    info = info.dropna()
    claims, _, per_seed = experiment_claims({"binning": info}, _training("tanh", seeds), status, SETTINGS, "tanh")
    assert (claims["n_seeds"] == "6").all()
    assert set(per_seed["seed"]) == {1, 2, 3, 4, 6, 7}
    status = _seeds("tanh", seeds, diverged=(0, 1, 2, 3, 4))
    claims, _, _ = experiment_claims({"binning": info}, _training("tanh", seeds), status, SETTINGS, "tanh")
    assert (claims["verdict"] == "inconclusive").all()
    assert claims["rule"].str.contains("3 qualifying seeds with complete curves").all()


def test_comparisons_found_from_settings():
    base = {"dataset": "tishby", "activation": "tanh", "init": "st17", "batch_size": 512, "train_fraction": 0.8, "seeds": 6}
    settings = {
        "tanh": base, "relu": {**base, "activation": "relu", "init": "sb18"}, "linear": {**base, "activation": "linear"},
        "gd": {**base, "batch_size": 4096}, "small": {**base, "train_fraction": 0.05}, "mid": {**base, "train_fraction": 0.45},
    }  # fmt: skip
    found = comparisons(settings, {"gd": 1, "tanh": 7})
    assert ("sb18_activation", "tanh", "relu") in found and ("sb18_activation", "tanh", "linear") in found
    assert ("sb18_full_batch", "gd", "tanh") in found
    assert ("st17_more_data_more_compression", "tanh", "small") in found
    assert not any(c == "sb18_activation" and "gd" in (a, b) for c, a, b in found)


def test_study_claims_activation_full_batch_and_generalisation():
    seeds = list(range(12))
    rng = np.random.default_rng(4)
    layers_tanh = {1: _compressing(top=8, end=6.5), 2: np.full(len(EPOCHS), 1.0)}
    layers_relu = {1: _flat(), 2: np.full(len(EPOCHS), 1.0)}
    info = {"tanh": {"binning": _information("tanh", seeds, layers_tanh, rng=rng)},
            "relu": {"binning": _information("relu", seeds, layers_relu, rng=rng)},
            "gd": {"binning": _information("gd", seeds, layers_tanh, rng=rng)}}  # fmt: skip
    status = {"tanh": _seeds("tanh", seeds), "relu": _seeds("relu", seeds), "gd": _seeds("gd", seeds, batches=1)}
    base = {"dataset": "tishby", "activation": "tanh", "init": "st17", "batch_size": 512, "train_fraction": 0.8}
    settings = {"tanh": base, "relu": {**base, "activation": "relu"}, "gd": {**base, "batch_size": 4096}}
    per_seed = {e: experiment_claims(info[e], _training(e, seeds), status[e], SETTINGS, e)[2] for e in info}
    claims = study_claims(info, status, per_seed, settings, SETTINGS)
    hidden = claims[claims["layer"] == "hidden"].set_index("claim")
    assert hidden.loc["sb18_activation", "verdict"] == "confirmed"
    assert hidden.loc["sb18_activation", "experiment"] == "tanh vs relu"
    assert hidden.loc["sb18_full_batch", "verdict"] == "confirmed"
    # accuracies drawn independently of the falls: no association
    gen = hidden.loc["sb18_generalisation"].set_index("statistic")
    assert (gen["experiment"] == "all").all() and (gen["n_seeds"] == "36").all()
    assert -0.5 < gen.loc["spearman_fall_vs_test_accuracy", "estimate"] < 0.5
    assert -0.6 < gen.loc["spearman_within_experiments", "estimate"] < 0.6
    # accuracy that rises with the fall: compression goes with generalisation, refuted
    for e in per_seed:
        table = per_seed[e]
        fall = table[table["layer"] == 1].set_index("seed")["fall_bits"]
        status[e]["final_test_accuracy"] = status[e]["seed"].map(0.8 + 0.05 * fall)
    per_seed = {e: experiment_claims(info[e], _training(e, seeds), status[e], SETTINGS, e)[2] for e in info}
    claims = study_claims(info, status, per_seed, settings, SETTINGS)
    gen = claims[(claims["claim"] == "sb18_generalisation") & (claims["layer"] == "1")].set_index("statistic")
    assert gen.loc["spearman_fall_vs_test_accuracy", "verdict"] == "refuted"
    assert gen.loc["spearman_fall_vs_test_accuracy", "estimate"] > 0.6
    # within each experiment the accuracy is a function of the fall too
    assert gen.loc["spearman_within_experiments", "estimate"] > 0.6


def test_pooled_correlation_confounded_by_the_activation_is_not_within_experiments():
    # experiment a: large falls, high accuracy; b: no fall, lower accuracy; no association within either
    rng = np.random.default_rng(7)
    frames = []
    for name, fall, acc in (("a", 3.0, 0.97), ("b", 0.0, 0.95)):
        frames.append(pd.DataFrame({"experiment": name, "estimator": "binning", "layer": 1, "seed": range(20), "peak_epoch": 45,
                                    "fall_bits": fall + rng.normal(0, 0.3, 20), "final_train_accuracy": 1.0,
                                    "final_test_accuracy": acc + rng.normal(0, 0.005, 20)}))  # fmt: skip
    per_seed = {f["experiment"].iloc[0]: f for f in frames}
    settings = {"a": {"dataset": "tishby"}, "b": {"dataset": "tishby"}}
    from infoplane.claims.study import spearman_rows

    rows = pd.DataFrame(spearman_rows(per_seed, settings, SETTINGS))
    layer = rows[rows["layer"] == "1"].set_index("statistic")
    assert layer.loc["spearman_fall_vs_test_accuracy", "verdict"] == "refuted"
    assert abs(layer.loc["spearman_within_experiments", "estimate"]) < 0.35


def test_no_qualifying_seed_gives_empty_tables_with_their_columns():
    seeds = list(range(4))
    info = _information("gd", seeds, {1: _compressing(), 2: np.full(len(EPOCHS), 1.0)})
    status = _seeds("gd", seeds, chance=tuple(seeds), batches=1)  # every network ended at chance
    claims, curves, per_seed = experiment_claims({"binning": info}, _training("gd", seeds, full_batch=True), status,
                                                 SETTINGS, "gd")
    assert (claims["verdict"] == "inconclusive").all() and claims["rule"].str.contains("0 qualifying seeds").all()
    assert curves.empty and "mean_bits" in curves.columns
    assert per_seed.empty and "fall_bits" in per_seed.columns
