"""Transfer entropy and the flow graph on systems with a known answer: the conditional mutual
information of jointly Gaussian variables (closed form from the partial correlation), the
transfer entropy of linear autoregressive processes (closed form from their stationary
covariance), the direction of a lagged drive recovered against surrogates, and a chain's graph."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import solve_discrete_lyapunov

from infoplane.estimators.knn import mutual_information
from infoplane.flow import conditional_mutual_information, embed, flow_graph, significance, transfer_entropy

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


def test_the_flow_graph_of_a_chain_has_its_two_edges():
    rng = np.random.default_rng(5)
    trials, length = 12, 100
    a = rng.standard_normal((trials, length))
    b = np.zeros_like(a)
    c = np.zeros_like(a)
    for t in range(1, length):
        b[:, t] = 0.9 * a[:, t - 1] + 0.5 * rng.standard_normal(trials)
        c[:, t] = 0.9 * b[:, t - 1] + 0.5 * rng.standard_normal(trials)
    states = np.stack([a, b, c], axis=-1)
    graph = flow_graph(states, names=["a", "b", "c"], n_surrogates=119, seed=0)
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
