"""The validation study's tasks and truths, and its summary (the workflow test runs the rules)."""

import math

import numpy as np
import pandas as pd
import pytest

from infoplane.instances import expand_instances
from infoplane.report.validation import bias_rows, estimator_sentence
from infoplane.validation import CHANNEL_SNR, RHO, _discrete_truth, run_task, summarise_validation, task_samples

SETTINGS = {"n_samples": [128], "repeats": 2, "dims": [1, 4], "layer_widths": [3], "noise_variances": [0.1],
            "truth_standard_error_bits": 0.01, "seed": 0}  # fmt: skip


def test_gaussian_tasks_have_their_closed_forms():
    for task, per_dim in (("gaussian", -0.5 * math.log2(1 - RHO**2)), ("channel", 0.5 * math.log2(1 + CHANNEL_SNR))):
        samples = task_samples(task, SETTINGS, 0)
        assert len(samples) == 2 * 2
        for s in samples:
            assert s.truth["I_XT"] == pytest.approx(s.dim * per_dim) and s.truth["I_TY"] is None
            draws = s.draws(2000, np.random.default_rng(0))  # T = f(X) + Z has the task's noise
            assert np.var(draws - s.clean[None], axis=(0, 1)).mean() == pytest.approx(s.noise_variance, rel=0.05)


def test_discrete_truth_counts_distinct_rows():
    layer = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    labels = np.array([0, 1, 0, 0])
    truth = _discrete_truth(layer, labels)
    assert truth["I_XT"] == pytest.approx(1.5)  # rows: 2, 1, 1 of 4
    h_y = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    h_y_given_t = 0.5 * 1.0  # the shared row holds one input of each label
    assert truth["I_TY"] == pytest.approx(h_y - h_y_given_t)


def test_noisy_layer_truth_reaches_its_stated_precision():
    samples = task_samples("noisy", SETTINGS, 0)
    assert {s.variant for s in samples} == {"tanh, width 3, s2=0.1", "relu, width 3, s2=0.1"}
    for s in samples:
        assert 0 < s.truth_se["I_XT"] <= 0.01 and 0 < s.truth_se["I_TY"] <= 0.01
        assert 0 <= s.truth["I_TY"] <= s.truth["I_XT"] <= math.log2(s.n_samples)


def test_run_task_rows_and_what_they_show():
    instances = expand_instances({
        "kde_upper": {"estimator": "kde", "params": {"bound": "upper"}},
        "kde_lower": {"estimator": "kde", "params": {"bound": "lower"}},
        "noisy": {"estimator": "noisy", "params": {"n_samples": 4096}},
        "binning": {"estimator": "binning"},
    })  # fmt: skip
    table = run_task("noisy", SETTINGS, instances)
    assert len(table) == 2 * 2 * 4 * 2  # variants x repeats x instances x quantities
    wide = table.pivot_table(index=["variant", "repeat", "quantity"], columns="estimator", values="estimate_bits")
    truth = table.groupby(["variant", "repeat", "quantity"])["truth_bits"].first()
    xt = wide.xs("I_XT", level="quantity")
    # the KDE bounds bracket the true I(X;T) of the model they bound; the Monte Carlo hits it
    assert (xt["kde_lower"] <= truth.xs("I_XT", level="quantity") + 0.03).all()
    assert (xt["kde_upper"] >= truth.xs("I_XT", level="quantity") - 0.03).all()
    assert np.allclose(xt["noisy"], truth.xs("I_XT", level="quantity"), atol=0.15)
    summary = summarise_validation(table)
    assert {"bias_bits", "bias_sd_bits", "abs_bias_bits", "within_tolerance", "repeats"} <= set(summary)
    n_max, rows = bias_rows(summary)
    assert n_max == 128 and {r["estimator"] for r in rows} == set(instances)
    sentence = estimator_sentence(summary, "binning")
    assert sentence.startswith("binning: ") and "noisy" in sentence


def test_pooled_estimators_see_identical_copies_of_a_deterministic_layer():
    instances = expand_instances({"ensemble": {"estimator": "ensemble"}, "binning": {"estimator": "binning"}})
    table = run_task("deterministic", SETTINGS, instances)
    wide = table.pivot_table(index=["variant", "repeat", "quantity"], columns="estimator", values="estimate_bits")
    assert np.allclose(wide["ensemble"], wide["binning"], atol=1e-12)


def test_wide_gaussian_tasks_spread_a_fixed_total_over_their_coordinates():
    settings = {**SETTINGS, "n_samples": [512], "repeats": 1, "dims": [64, 256], "total_bits": [2.0, 8.0]}
    for task in ("gaussian", "channel"):
        samples = task_samples(task, settings, 0)
        assert [s.dim for s in samples] == [64, 64, 256, 256]
        assert [s.truth["I_XT"] for s in samples] == pytest.approx([2.0, 8.0, 2.0, 8.0], abs=1e-9)
        assert [s.variant for s in samples][:2] == ["I=2 bits, dim=64", "I=8 bits, dim=64"]
        for s in samples:  # the per-coordinate correlation of X and T that gives the total
            t = s.draws(1, np.random.default_rng(1))[0]
            r = np.mean([np.corrcoef(s.inputs[:, j], t[:, j])[0, 1] for j in range(s.dim)])
            per_coordinate = -0.5 * math.log2(1 - r**2)
            assert per_coordinate * s.dim == pytest.approx(s.truth["I_XT"], rel=0.15)
    # without total_bits the per-coordinate constants, as before
    assert task_samples("gaussian", SETTINGS, 0)[0].variant == f"rho={RHO:g}, dim=1"


def test_wide_layers_show_binning_at_log2_n_and_the_kde_bounds_bracketing_the_truth():
    """At widths of hundreds of units every sample falls in its own bin: binning returns log2 N
    on a noisy layer whose truth is far below; the report says so (ceiling sentences)."""
    from infoplane.report.validation import ceiling_sentences, width_rows

    settings = {"n_samples": [256], "repeats": 1, "dims": [64], "total_bits": [2.0], "layer_widths": [256],
                "noise_variances": [100.0], "truth_standard_error_bits": 0.01, "seed": 0}  # fmt: skip
    instances = expand_instances({
        "binning": {"estimator": "binning", "params": {"bin_size": 0.5}},
        "kde_upper": {"estimator": "kde", "params": {"bound": "upper"}},
        "kde_lower": {"estimator": "kde", "params": {"bound": "lower"}},
    })  # fmt: skip
    table = pd.concat([run_task(task, settings, instances) for task in ("deterministic", "noisy")])
    summary = summarise_validation(table)
    xt = summary[summary["quantity"] == "I_XT"].set_index(["estimator", "task", "variant"])
    assert (xt["ceiling_bits"] == 8.0).all()
    for activation in ("tanh", "relu"):
        det = xt.loc[("binning", "deterministic", f"{activation}, width 256")]
        assert det["truth_bits"] == 8.0 and det["at_ceiling"]  # injective: right, and says nothing
        noisy = f"{activation}, width 256, s2=100"
        assert xt.loc[("binning", "noisy", noisy), "at_ceiling"] and xt.loc[("binning", "noisy", noisy), "truth_bits"] < 2
        truth = xt.loc[("kde_upper", "noisy", noisy), "truth_bits"]
        assert xt.loc[("kde_lower", "noisy", noisy), "estimate_bits"] <= truth + 0.03
        assert xt.loc[("kde_upper", "noisy", noisy), "estimate_bits"] >= truth - 0.03
    sentences = ceiling_sentences(summary)
    assert sentences[0].startswith("On 2 of 2 deterministic layers (width 256) every one of the N = 256 rows is distinct")
    assert any(s.startswith("binning returns log2 N = 8.00 bits on 2 of the 2 task variants") for s in sentences)
    assert not any(s.startswith("kde_") for s in sentences)
    widths, rows = width_rows(summary)
    assert widths == [256] and {r["estimator"] for r in rows} == set(instances)
    binning = next(r for r in rows if r["estimator"] == "binning")["cells"][0]
    # right on the deterministic layers (2 x I(X;T), I(T;Y)), off on both quantities of the noisy ones
    assert binning.startswith("4/8 (+")
