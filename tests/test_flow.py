"""Transfer entropy and the flow graph on systems with a known answer: the conditional mutual
information of jointly Gaussian variables (closed form from the partial correlation), the
transfer entropy of linear autoregressive processes (closed form from their stationary
covariance), the direction of a lagged drive recovered against surrogates, and a chain's graph;
for both estimators, the k-nearest-neighbour one and the Gaussian (linear) one, whose fast
trial-shuffling surrogates are checked against their recomputation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import solve_discrete_lyapunov

from infoplane.estimators.knn import mutual_information
from infoplane.flow import (ESTIMATORS, conditional_mutual_information, embed, flow_graph,
                            gaussian_conditional_mutual_information, significance, transfer_entropy)
from infoplane.flow.transfer import _gaussian_trials_null, _surrogate, _trial_orders

LN2 = math.log(2.0)


def gaussian_cmi_bits(cov: np.ndarray) -> float:
    """I(X;Y|Z) of jointly Gaussian scalars (X, Y, Z) with covariance ``cov``: -1/2 log(1 - rho^2),
    rho the partial correlation of X and Y given Z."""
    precision = np.linalg.inv(cov)
    rho = -precision[0, 1] / math.sqrt(precision[0, 0] * precision[1, 1])
    return -0.5 * math.log(1 - rho**2) / LN2


@pytest.mark.parametrize("cov", [
    [[1.0, 0.8, 0.5], [0.8, 1.0, 0.5], [0.5, 0.5, 1.0]],
    [[1.0, 0.5, 0.7], [0.5, 1.0, 0.7], [0.7, 0.7, 1.0]],   # X and Y conditionally independent given Z
    [[1.0, 0.0, 0.6], [0.0, 1.0, -0.6], [0.6, -0.6, 1.0]],  # independent, dependent given Z
])  # fmt: skip
def test_conditional_mutual_information_of_gaussians_is_the_closed_form(cov):
    cov = np.array(cov)
    sample = np.random.default_rng(0).multivariate_normal(np.zeros(3), cov, size=4000)
    truth = gaussian_cmi_bits(cov)
    estimate = conditional_mutual_information(sample[:, 0], sample[:, 1], sample[:, 2], k=4)
    assert abs(estimate - truth) < 0.03, (estimate, truth)


def test_without_z_it_is_ksg_mutual_information():
    sample = np.random.default_rng(1).multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=1500)
    ours = conditional_mutual_information(sample[:, :1], sample[:, 1:], k=3)
    assert ours == pytest.approx(mutual_information(sample[:, :1], sample[:, 1:], k=3), abs=1e-9)


def ar_system(coupling: float, length: int, trials: int, seed: int = 0, lag: int = 1):
    """x_t = 0.5 x_{t-1} + u_t; y_t = 0.6 y_{t-1} + coupling x_{t-lag} + e_t; unit Gaussian noise."""
    rng = np.random.default_rng(seed)
    burn = 100
    x = np.zeros((trials, length + burn))
    y = np.zeros((trials, length + burn))
    for t in range(1, length + burn):
        x[:, t] = 0.5 * x[:, t - 1] + rng.standard_normal(trials)
        y[:, t] = 0.6 * y[:, t - 1] + coupling * x[:, t - lag] * (t >= lag) + rng.standard_normal(trials)
    return x[:, burn:], y[:, burn:]


def ar_transfer_entropy_bits(coupling: float) -> float:
    """TE(x -> y) of :func:`ar_system` at lag 1, history 1: 1/2 log(var(y_t | y_{t-1}) / var(e)),
    from the stationary covariance of the VAR(1) (x, y)."""
    a = np.array([[0.5, 0.0], [coupling, 0.6]])
    sigma = solve_discrete_lyapunov(a, np.eye(2))  # cov of (x_t, y_t)
    lagged = a @ sigma  # cov(z_t, z_{t-1})
    var_y, cov_yy = sigma[1, 1], lagged[1, 1]
    conditional = var_y - cov_yy**2 / var_y
    return 0.5 * math.log(conditional / 1.0) / LN2


def test_transfer_entropy_of_a_linear_system_is_its_closed_form_and_zero_backwards():
    x, y = ar_system(0.8, length=200, trials=25)
    truth = ar_transfer_entropy_bits(0.8)
    assert truth > 0.2
    assert abs(transfer_entropy(x, y) - truth) < 0.05
    assert abs(transfer_entropy(y, x)) < 0.03  # x does not depend on y


def test_embedding_aligns_present_source_past_and_target_past():
    source = np.arange(10.0)
    target = 100 + np.arange(10.0)
    present, past_source, past_target = embed(source, target, lag=2, history=3)
    assert present[0] == 103 and past_source[0] == 1 and list(past_target[0]) == [102, 101, 100]
    with pytest.raises(ValueError, match="too short"):
        embed(source[:4], target[:4], lag=2, history=3)
    with pytest.raises(ValueError, match="same"):
        embed(source, target[:5])


@pytest.mark.parametrize("method", ["trials", "shift"])
def test_a_lagged_drive_is_found_in_its_direction_only(method):
    x, y = ar_system(0.6, length=120, trials=12, seed=3, lag=2)
    forward = significance(x, y, lag=2, n_surrogates=49, method=method, seed=1)
    backward = significance(y, x, lag=2, n_surrogates=49, method=method, seed=1)
    assert forward.p_value == pytest.approx(1 / 50) and forward.te_bits > forward.surrogate_high_bits
    assert backward.p_value > 0.05


def test_surrogates_of_independent_series_give_uniform_looking_p_values():
    p_values = []
    for seed in range(10):
        x, y = ar_system(0.0, length=60, trials=8, seed=100 + seed)
        p_values.append(significance(x, y, n_surrogates=19, seed=seed).p_value)
    assert sum(p <= 0.05 for p in p_values) <= 2  # at most a chance false positive or two in ten
    assert np.mean(p_values) > 0.25


@pytest.mark.parametrize("estimator", ["knn", "gaussian"])
def test_the_flow_graph_of_a_chain_has_its_two_edges(estimator):
    rng = np.random.default_rng(5)
    trials, length = 12, 100
    a = rng.standard_normal((trials, length))
    b = np.zeros_like(a)
    c = np.zeros_like(a)
    for t in range(1, length):
        b[:, t] = 0.9 * a[:, t - 1] + 0.5 * rng.standard_normal(trials)
        c[:, t] = 0.9 * b[:, t - 1] + 0.5 * rng.standard_normal(trials)
    states = np.stack([a, b, c], axis=-1)
    graph = flow_graph(states, names=["a", "b", "c"], n_surrogates=119, seed=0, estimator=estimator)
    assert set(graph.edges) == {("a", "b"), ("b", "c")}
    assert graph.edges["a", "b"]["te_bits"] > 0.5
    assert len(graph.graph["tests"]) == 6
    with pytest.raises(ValueError, match="use at least 119"):
        flow_graph(states, n_surrogates=50)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="k must lie in"):
        conditional_mutual_information(np.zeros(5), np.ones(5), k=5)
    with pytest.raises(ValueError, match="y has 4 samples"):
        conditional_mutual_information(np.zeros(5), np.ones(4))
    with pytest.raises(ValueError, match="x holds non-finite"):
        conditional_mutual_information(np.array([0.0, np.nan, 1.0]), np.ones(3), k=1)
    with pytest.raises(ValueError, match="at least 3 trials"):
        significance(np.zeros((2, 50)), np.zeros((2, 50)))
    with pytest.raises(ValueError, match="method must be one of"):
        significance(np.zeros((4, 50)), np.zeros((4, 50)), method="phase")


# --- the Gaussian (linear) estimator -------------------------------------------------------------


@pytest.mark.parametrize("cov", [
    [[1.0, 0.8, 0.5], [0.8, 1.0, 0.5], [0.5, 0.5, 1.0]],
    [[1.0, 0.5, 0.7], [0.5, 1.0, 0.7], [0.7, 0.7, 1.0]],   # X and Y conditionally independent given Z
    [[1.0, 0.0, 0.6], [0.0, 1.0, -0.6], [0.6, -0.6, 1.0]],  # independent, dependent given Z
])  # fmt: skip
def test_gaussian_conditional_mutual_information_is_the_closed_form(cov):
    cov = np.array(cov)
    sample = np.random.default_rng(0).multivariate_normal(np.zeros(3), cov, size=100000)
    estimate = gaussian_conditional_mutual_information(sample[:, 0], sample[:, 1], sample[:, 2])
    # exactly the partial-correlation form of the sample covariance, and near the population's
    assert estimate == pytest.approx(gaussian_cmi_bits(np.cov(sample, rowvar=False)), abs=1e-12)
    assert abs(estimate - gaussian_cmi_bits(cov)) < 0.01, (estimate, gaussian_cmi_bits(cov))
    # without Z: -1/2 log2(1 - r^2), r the sample correlation
    r = np.corrcoef(sample[:, 0], sample[:, 1])[0, 1]
    without_z = gaussian_conditional_mutual_information(sample[:, 0], sample[:, 1])
    assert without_z == pytest.approx(-0.5 * math.log2(1 - r**2), abs=1e-12)


def test_gaussian_conditional_mutual_information_of_vectors_obeys_the_chain_rule():
    rng = np.random.default_rng(2)
    mixing = rng.standard_normal((6, 6))
    sample = rng.standard_normal((3000, 6)) @ mixing
    x, y, z = sample[:, :2], sample[:, 2:4], sample[:, 4:]
    whole = gaussian_conditional_mutual_information(x, y, z)
    parts = (gaussian_conditional_mutual_information(x[:, 0], y, z)
             + gaussian_conditional_mutual_information(x[:, 1], y, np.column_stack([z, x[:, 0]])))  # fmt: skip
    assert whole > 0.1 and whole == pytest.approx(parts, abs=1e-10)
    # symmetric, invariant under invertible linear maps of each block
    assert gaussian_conditional_mutual_information(y, x, z) == pytest.approx(whole, abs=1e-10)
    mapped = gaussian_conditional_mutual_information(x @ rng.standard_normal((2, 2)) + 5, y, z * 3)
    assert mapped == pytest.approx(whole, abs=1e-9)


@pytest.mark.parametrize("coupling", [0.0, 0.3, 0.8])
def test_gaussian_transfer_entropy_of_a_linear_system_is_its_closed_form(coupling):
    x, y = ar_system(coupling, length=1000, trials=200)
    truth = ar_transfer_entropy_bits(coupling)
    assert abs(transfer_entropy(x, y, estimator="gaussian") - truth) < 0.01
    assert abs(transfer_entropy(y, x, estimator="gaussian")) < 0.001  # x does not depend on y


def test_gaussian_transfer_entropy_is_half_the_granger_causality_statistic():
    x, y = ar_system(0.5, length=150, trials=10, seed=4, lag=2)
    lag, history = 2, 3
    present, past_source, past_target = embed(x, y, lag=lag, history=history)
    ones = np.ones((len(present), 1))

    def residual_sum_of_squares(regressors):
        design = np.hstack([ones, regressors])
        coefficients = np.linalg.lstsq(design, present, rcond=None)[0]
        return float(((present - design @ coefficients) ** 2).sum())

    restricted = residual_sum_of_squares(past_target)
    granger = math.log(restricted / residual_sum_of_squares(np.column_stack([past_target, past_source])))
    te = transfer_entropy(x, y, lag=lag, history=history, estimator="gaussian", k=1, jitter=0.5)  # k, jitter ignored
    assert te > 0.05 and te == pytest.approx(granger / (2 * LN2), abs=1e-10)


@pytest.mark.parametrize("trials", [3, 4, 9, 60])
def test_bulk_trial_orders_are_the_surrogates_orders(trials):
    reference, rng = [], np.random.default_rng(11)
    labels = np.arange(trials, dtype=float)[:, None]
    for _ in range(97):
        reference.append(_surrogate(labels, "trials", rng, 0)[:, 0].astype(int))
    # in several chunks (a small batch) and in one
    for batch in (4 * trials, 1 << 21):
        chunks = list(_trial_orders(np.random.default_rng(11), trials, 97, batch_elements=batch))
        assert np.array_equal(np.concatenate(chunks), np.array(reference))


@pytest.mark.parametrize("coupling, lag, history", [(0.3, 1, 1), (0.3, 2, 3), (0.0, 2, 3)])  # p 0.007, 0.03, 0.13
def test_fast_gaussian_trial_surrogates_equal_their_recomputation(coupling, lag, history):
    x, y = ar_system(coupling, length=30, trials=7, seed=6, lag=lag)
    n, seed = 150, 9
    rng = np.random.default_rng(seed)
    slow = np.array([
        transfer_entropy(_surrogate(x, "trials", rng, 0), y, lag=lag, history=history, estimator="gaussian")
        for _ in range(n)
    ])  # fmt: skip
    orders = _trial_orders(np.random.default_rng(seed), len(x), n, batch_elements=7 * 40)  # several chunks
    fast = _gaussian_trials_null(x, y, orders, lag=lag, history=history)
    assert fast.shape == (n,) and np.abs(fast - slow).max() < 1e-9
    observed = transfer_entropy(x, y, lag=lag, history=history, estimator="gaussian")
    test = significance(x, y, lag=lag, history=history, n_surrogates=n, seed=seed, estimator="gaussian")
    assert test.te_bits == observed and test.estimator == "gaussian"
    assert test.p_value == (1 + int((slow >= observed).sum())) / (1 + n)
    assert test.surrogate_mean_bits == pytest.approx(slow.mean(), abs=1e-9)
    assert test.surrogate_high_bits == pytest.approx(np.quantile(slow, 0.95), abs=1e-9)


@pytest.mark.parametrize("method", ["trials", "shift"])
def test_the_gaussian_flow_graph_finds_a_lagged_drive_in_its_direction(method):
    x, y = ar_system(0.6, length=120, trials=12, seed=3, lag=2)
    graph = flow_graph(np.stack([x, y], axis=-1), names=["x", "y"], lag=2, method=method, seed=1, estimator="gaussian")
    assert set(graph.edges) == {("x", "y")}
    assert graph.edges["x", "y"]["p_value"] == pytest.approx(1 / 100)  # default: 99 surrogates, none reaching it
    backward = [t for t in graph.graph["tests"] if t[:2] == ("y", "x")][0]
    assert backward[3] > 0.05 and not backward[4]


def test_the_estimator_is_checked_by_name():
    assert ESTIMATORS == ("knn", "gaussian")
    x, y = ar_system(0.5, length=40, trials=4)
    for call in (lambda: transfer_entropy(x, y, estimator="linear"),
                 lambda: significance(x, y, estimator="linear"),
                 lambda: flow_graph(np.stack([x, y], axis=-1), estimator="linear")):  # fmt: skip
        with pytest.raises(ValueError, match=r"estimator must be one of \('knn', 'gaussian'\), got 'linear'"):
            call()


def test_a_singular_gaussian_covariance_is_named():
    x, y = ar_system(0.5, length=40, trials=4)
    constant = np.full_like(x, 0.3)
    with pytest.raises(ValueError, match="covariance of the source's past is singular: the source's past is constant"):
        transfer_entropy(constant, y, estimator="gaussian")
    with pytest.raises(ValueError, match="covariance of the target's present is singular"):
        significance(x, constant, estimator="gaussian")
    with pytest.raises(ValueError, match=r"flow 'x' -> 'c': the covariance of the target's present is singular"):
        flow_graph(np.stack([x, constant], axis=-1), names=["x", "c"], estimator="gaussian")
    with pytest.raises(ValueError, match="covariance of x is singular: x is constant"):
        gaussian_conditional_mutual_information(np.zeros(50), np.arange(50.0))
    with pytest.raises(ValueError, match=r"covariance of z is singular .* collinear"):
        gaussian_conditional_mutual_information(x[0], y[0], np.column_stack([y[1], 2 * y[1] + 1]))
    with pytest.raises(ValueError, match=r"covariance of \(x, y, z\) is singular .* collinear"):
        gaussian_conditional_mutual_information(x[0], x[0] + y[0], y[0])
