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
