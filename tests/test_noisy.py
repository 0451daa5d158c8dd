"""The noisy-layer Monte Carlo ([GBG19]) against a literal evaluation, numerical integration,
closed forms, and the KDE bounds it must lie between."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate

from infoplane.datasets import load_dataset
from infoplane.estimators import kde, noisy, reference


@pytest.fixture(scope="module")
def tishby():
    return load_dataset("tishby")


def test_equals_a_literal_evaluation_of_the_same_samples(tishby):
    x, y = tishby
    rows = np.random.default_rng(0).choice(4096, 300, replace=False)
    layer = np.tanh(x[rows] @ np.random.default_rng(1).normal(size=(12, 3))).astype(np.float64)
    inputs, noise = noisy.draws(300, 3, 600, seed=5)  # every input twice
    expected = reference.noisy_direct(layer, y[rows], noise_variance=1e-2, noise=noise.numpy().reshape(2, 300, 3))
    got = noisy.information_plane(layer, y[rows], noise_variance=1e-2, n_samples=600, sample_seed=5)
    # float32 exponentials summed in float64 (as the KDE bounds): agreement to 1e-7 bits
    assert got[0] == pytest.approx(expected[0], abs=1e-7) and got[1] == pytest.approx(expected[1], abs=1e-7)


def test_one_dimensional_mixture_against_numerical_integration():
    """I(X;T+Z) = h(T+Z) - h(Z), h of the 12-component mixture by adaptive quadrature."""
    rng = np.random.default_rng(2)
    centres = rng.uniform(-1, 1, size=12)
    s2 = 0.05

    def density(u):
        return np.exp(-((u - centres) ** 2) / (2 * s2)).sum() / (12 * math.sqrt(2 * math.pi * s2))

    h_mix, _ = integrate.quad(lambda u: -density(u) * math.log(density(u)), -3, 3, limit=400)
    truth = (h_mix - 0.5 * math.log(2 * math.pi * math.e * s2)) / math.log(2)
    i_xt, _, se, _ = noisy.information_plane(centres[:, None], np.zeros(12, int), noise_variance=s2, n_samples=12 * 4000,
                                             return_standard_error=True)  # fmt: skip
    assert abs(i_xt - truth) < 4 * se + 1e-3 and se < 0.01


def test_closed_cases():
    y = np.array([0, 1] * 32)
    far = np.arange(64, dtype=np.float64)[:, None] * 10.0
    i_xt, i_ty = noisy.information_plane(far, y, noise_variance=1e-3, n_samples=256)
    assert i_xt == pytest.approx(6.0, abs=1e-9) and i_ty == pytest.approx(1.0, abs=1e-9)
    same = np.full((64, 2), 0.3)
    assert noisy.information_plane(same, y, n_samples=256) == (0.0, 0.0)
    # Gaussian channel: X ~ N(0, v) sampled N times, I -> 1/2 log2(1 + v/s2) for large N
    rng = np.random.default_rng(3)
    xs = rng.normal(size=(4000, 1))
    i_xt, _, se, _ = noisy.information_plane(xs, np.zeros(4000, int), noise_variance=0.25, n_samples=16000,
                                             return_standard_error=True)  # fmt: skip
    assert i_xt == pytest.approx(0.5 * math.log2(1 + 1 / 0.25), abs=0.03 + 3 * se)


def test_true_value_lies_between_the_kde_bounds(tishby):
    """The [KT17] bounds bracket the entropy of the very mixture whose I the Monte Carlo gives."""
    x, y = tishby
    rng = np.random.default_rng(4)
    for d, s2 in ((5, 1e-2), (3, 1e-3)):
        layer = np.tanh((x - 0.5) @ rng.normal(size=(12, d))).astype(np.float32)
        i_xt, i_ty, se, _ = noisy.information_plane(layer, y, noise_variance=s2, n_samples=8192, return_standard_error=True)
        upper = kde.information_plane(layer, y, noise_variance=s2, bound="upper")
        lower = kde.information_plane(layer, y, noise_variance=s2, bound="lower")
        assert lower[0] - 3 * se <= i_xt <= upper[0] + 3 * se


def test_standard_error_matches_the_spread_over_seeds(tishby):
    x, y = tishby
    layer = np.tanh((x - 0.5) @ np.random.default_rng(5).normal(size=(12, 4))).astype(np.float32)[:1024]
    runs = [noisy.information_plane(layer, y[:1024], noise_variance=1e-2, n_samples=2048, sample_seed=s,
                                    return_standard_error=True) for s in range(8)]  # fmt: skip
    spread = np.std([r[0] for r in runs], ddof=1)
    mean_se = np.mean([r[2] for r in runs])
    assert mean_se / 2.5 < spread < mean_se * 2.5


def test_batched_equals_unbatched_and_the_noise_is_shared(tishby):
    x, y = tishby
    acts = torch.tanh(torch.from_numpy(x[:512] - 0.5) @ torch.randn(2, 12, 3, generator=torch.Generator().manual_seed(0)))
    batched = noisy.information_plane(acts, y[:512], n_samples=512)
    for b in range(2):
        single = noisy.information_plane(acts[b], y[:512], n_samples=512)
        assert batched[0][b] == pytest.approx(single[0], abs=1e-12) and batched[1][b] == pytest.approx(single[1], abs=1e-12)
