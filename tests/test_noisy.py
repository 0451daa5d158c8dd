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


@pytest.mark.parametrize("threads", [1, 2])
def test_compiled_query_pass_equals_the_definition_and_the_tensor_pass(threads, monkeypatch):
    """The compiled query pass (_fused_queries) against float64 sums of the definition,
    S[i, g] = sum_{j: g_j = g} 2^(o_i - |q_i - t_j|^2 log2(e) / (2 w)), and the tensor pass: a
    row-relative error within 1e-7 (float32 2^f of an exact float64 exponent), terms below
    2^-40 left out (tiles far apart along the axis skipped); groups of unequal size (a last tile
    padded), repeated centres, offsets up to MAX_OFFSET, a far cluster, and three groups; the
    noisy estimator takes it on the CPU and agrees with a literal evaluation to 1e-9 bits (the
    tensor pass: 1e-7)."""
    from infoplane.estimators._fused_queries import MAX_OFFSET, query_kernel_sums
    from infoplane.estimators._kernels import kernel_sums

    rng = np.random.default_rng(7)
    n, d, w = 700, 3, 1e-2
    centres = np.tanh(rng.normal(size=(n, d))).astype(np.float32)
    centres[100:140] = centres[100]  # repeated rows
    centres[600:] += 50.0  # a cluster beyond every other point's reach
    groups = rng.integers(0, 3, n)
    which = rng.integers(0, n, 900)
    noise = rng.normal(size=(900, d)) * math.sqrt(w)
    queries = centres[which].astype(np.float64) + noise
    offsets = (noise**2).sum(1) / (2 * w) / math.log(2)
    offsets[:5] = MAX_OFFSET  # the largest the pass takes
    got = query_kernel_sums(centres, groups, 3, w, queries, offsets, -40.0, threads=threads)
    exponent = offsets[:, None] - ((queries[:, None, :] - centres[None].astype(np.float64)) ** 2).sum(-1) / (2 * w) / math.log(2)
    terms = np.where(exponent >= -40.0, np.exp2(exponent), 0.0)
    exact = np.stack([terms[:, groups == g].sum(1) for g in range(3)], 1)
    assert (np.abs(got - exact) <= 1e-7 * exact.sum(1, keepdims=True) + 1e-300).all()
    tensor = kernel_sums(torch.from_numpy(centres), torch.from_numpy(groups), 3, [w], queries=torch.from_numpy(queries),
                         query_offsets=torch.from_numpy(offsets * math.log(2)), engine="tensor")[0].numpy()  # fmt: skip
    # (the tensor pass's float64 product rounds more where the offsets are extreme: rows 0-4 left out)
    assert (np.abs(got - tensor)[5:] <= 1e-6 * tensor[5:].sum(1, keepdims=True)).all()
    with pytest.raises(ValueError, match=r"offsets must lie in \[0, 80.0\]"):
        query_kernel_sums(centres, groups, 3, w, queries, offsets + MAX_OFFSET, -40.0)
    with pytest.raises(ValueError, match="queries must be"):
        query_kernel_sums(centres, groups, 3, w, queries[:, :2], offsets, -40.0)
    layer = centres[:600].astype(np.float64)
    labels = groups[:600] % 2
    compiled = noisy.information_plane(layer, labels, noise_variance=w, n_samples=1200)
    _, draws = noisy.draws(600, d, 1200, 0)
    literal = reference.noisy_direct(layer, labels, noise_variance=w, noise=draws.numpy().reshape(2, 600, d))
    assert np.hstack(compiled) == pytest.approx(np.hstack(literal), abs=1e-9)
    monkeypatch.setattr(noisy, "kernel_sums", lambda *a, **k: kernel_sums(*a, **k, engine="tensor"))
    through_tensor = noisy.information_plane(layer, labels, noise_variance=w, n_samples=1200)
    assert np.hstack(through_tensor) == pytest.approx(np.hstack(literal), abs=1e-7)
