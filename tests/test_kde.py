"""The KDE bounds against a direct float64 evaluation of [KT17]'s formula and closed forms."""

import math

import numpy as np
import pytest

from infoplane.datasets import load_dataset
from infoplane.estimators import kde, reference


@pytest.fixture(scope="module")
def tishby():
    return load_dataset("tishby")


def _layers(x, rng):
    w = rng.normal(size=(12, 4))
    return {
        "tanh": np.tanh(x @ w - 1).astype(np.float32),
        "relu": (8.0 * np.maximum(x @ w, 0)).astype(np.float32),  # large |t|^2 / s2, where float32 fails
        "shifted": (np.tanh(x @ w) + 100.0).astype(np.float32),   # far from the origin
    }


@pytest.mark.parametrize("bound", ["upper", "lower"])
@pytest.mark.parametrize("kind", ["tanh", "relu", "shifted"])
def test_matches_direct_float64_formula(tishby, bound, kind):
    x, y = tishby
    rng = np.random.default_rng(0)
    sub = rng.choice(4096, size=1500, replace=False)  # keeps the slow reference quick
    layer = _layers(x, rng)[kind][sub]
    expected = reference.kde_float64(layer, y[sub], noise_variance=1e-3, bound=bound)
    got = kde.information_plane(layer, y[sub], noise_variance=1e-3, bound=bound)
    # float32 exponentials (1 ulp) summed in float64: the bounds agree with the float64 formula
    # to about 1e-8 bits; the requirement is 1e-6 bits
    assert got[0] == pytest.approx(expected[0], abs=1e-7)
    assert got[1] == pytest.approx(expected[1], abs=1e-7)


def test_matches_formula_on_full_tishby_layer(tishby):
    x, y = tishby
    layer = np.tanh(x @ np.random.default_rng(5).normal(size=(12, 3))).astype(np.float32)
    for s2 in (1e-3, 1e-1):
        expected = reference.kde_float64(layer, y, noise_variance=s2)
        got = kde.information_plane(layer, y, noise_variance=s2)
        assert got[0] == pytest.approx(expected[0], abs=1e-7) and got[1] == pytest.approx(expected[1], abs=1e-7)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_coinciding_points_carry_no_information(bound):
    y = np.array([0, 1] * 50)
    i_xt, i_ty = kde.information_plane(np.full((100, 3), 0.2), y, bound=bound)
    assert i_xt == pytest.approx(0.0, abs=1e-12) and i_ty == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_far_apart_points_give_log2_n(bound):
    n = 64
    t = np.arange(n, dtype=np.float64)[:, None] * 10.0  # spacing 10 >> sqrt(s2)
    y = (np.arange(n) % 2).astype(np.int64)
    i_xt, i_ty = kde.information_plane(t, y, noise_variance=1e-3, bound=bound)
    assert i_xt == pytest.approx(math.log2(n), abs=1e-9)
    assert i_ty == pytest.approx(1.0, abs=1e-9)  # H(T) - H(T|Y) = log2 64 - log2 32


def test_gaussian_channel_closed_forms():
    """T = X + Z, X ~ N(0, v) sampled N times, Z ~ N(0, s2).

    The true I(X;T) is 1/2 log(1 + v/s2) and lies between the bounds. For large N the mean over
    j of exp(-(x_i - x_j)^2 / 2w) tends to sqrt(2 pi w) p_{N(0, v+w)}(x_i), so the bounds have
    closed forms: I_KL = 1/2 log(1 + v/s2) + v / (2 (v + s2)) (w = s2) and
    I_BD = 1/2 log(1 + v/(4 s2)) + v / (2 (v + 4 s2)) (w = 4 s2), in nats.
    """
    rng = np.random.default_rng(1)
    n = 4000
    y = np.zeros(n, dtype=np.int64)
    for v, s2 in ((1.0, 0.25), (1.0, 0.1), (4.0, 1.0)):
        x = rng.normal(scale=math.sqrt(v), size=(n, 1))
        upper, _ = kde.information_plane(x, y, noise_variance=s2, bound="upper")
        lower, _ = kde.information_plane(x, y, noise_variance=s2, bound="lower")
        true = 0.5 * math.log2(1 + v / s2)
        kl = (0.5 * math.log(1 + v / s2) + v / (2 * (v + s2))) / math.log(2)
        bd = (0.5 * math.log(1 + v / (4 * s2)) + v / (2 * (v + 4 * s2))) / math.log(2)
        assert lower < true < upper
        assert upper == pytest.approx(kl, abs=0.03)
        assert lower == pytest.approx(bd, abs=0.03)


def test_batched_equals_unbatched(tishby):
    x, y = tishby
    rng = np.random.default_rng(2)
    acts = np.tanh(np.einsum("nd,esdk->esnk", x, rng.normal(size=(2, 3, 12, 4)))).astype(np.float32)
    i_xt, i_ty = kde.information_plane(acts, y, bound="upper")
    assert i_xt.shape == (2, 3)
    for e in range(2):
        for s in range(3):
            single = kde.information_plane(acts[e, s], y, bound="upper")
            assert i_xt[e, s] == pytest.approx(single[0], abs=1e-10)
            assert i_ty[e, s] == pytest.approx(single[1], abs=1e-10)


def test_upper_bound_is_above_lower_bound(tishby):
    x, y = tishby
    acts = np.tanh(x @ np.random.default_rng(3).normal(size=(4, 12, 5))).astype(np.float32)
    up = kde.information_plane(acts, y, bound="upper")
    low = kde.information_plane(acts, y, bound="lower")
    assert (up[0] >= low[0]).all()


def test_errors_name_the_bad_value():
    y = np.zeros(5, dtype=np.int64)
    with pytest.raises(ValueError, match="noise_variance must be > 0, got 0"):
        kde.information_plane(np.zeros((5, 2)), y, noise_variance=0)
    with pytest.raises(ValueError, match="bound must be one of .* got 'middle'"):
        kde.information_plane(np.zeros((5, 2)), y, bound="middle")
    with pytest.raises(ValueError, match=r"shape \[..., N, d\]"):
        kde.information_plane(np.zeros(5), y)
    with pytest.raises(ValueError, match="bound must be one of .* got 'uper'"):
        kde.entropy_bound(np.zeros(3), 3, 1, 1e-3, "uper")


@pytest.mark.parametrize("bound", ["upper", "lower"])
@pytest.mark.parametrize("kind", ["clusters", "huge"])
def test_skipped_tiles_and_exact_fallback_match_the_formula(bound, kind):
    """Far-apart clusters: most tiles are skipped (every term below 2^-40). Huge values
    (|t| ~ 1e6 against sqrt(s2) ~ 0.03): the matrix-product distances would round by more than
    1e-9 and the tiles are recomputed centred, or from differences."""
    rng = np.random.default_rng(7)
    n = 1500
    y = rng.integers(0, 3, n)
    centres = rng.normal(size=(6, 4)) * (100.0 if kind == "clusters" else 1e6)
    layer = centres[rng.integers(0, 6, n)] + rng.normal(size=(n, 4)) * 0.05
    expected = reference.kde_float64(layer, y, noise_variance=1e-3, bound=bound)
    got = kde.information_plane(layer, y, noise_variance=1e-3, bound=bound)
    assert got[0] == pytest.approx(expected[0], abs=1e-7) and got[1] == pytest.approx(expected[1], abs=1e-7)


def test_both_bounds_from_one_pass_equal_each_alone():
    rng = np.random.default_rng(8)
    layer = np.tanh(rng.normal(size=(2, 800, 3))).astype(np.float32)
    y = rng.integers(0, 2, 800)
    together = kde.information_planes(layer, y, [{"bound": "upper"}, {"bound": "lower"}, {"bound": "upper", "noise_variance": 0.1}])
    for params, result in zip([{"bound": "upper"}, {"bound": "lower"}, {"bound": "upper", "noise_variance": 0.1}], together):
        alone = kde.information_plane(layer, y, **params)
        assert np.allclose(result, alone, atol=1e-7, rtol=0)


def _exact_sums(points, groups, n_groups, width):
    """Per-row, per-group kernel sums in float64 from coordinate differences (the definition)."""
    from scipy.spatial.distance import cdist

    p = np.asarray(points, dtype=np.float64)
    with np.errstate(over="ignore"):
        kernel = np.exp(-cdist(p, p, "sqeuclidean") / (2.0 * width))
    return np.stack([kernel[:, groups == g].sum(1) for g in range(n_groups)], axis=1)


def _engine_cases():
    rng = np.random.default_rng(11)
    g2 = lambda n: rng.integers(0, 2, n)  # noqa: E731
    return {
        "tanh float32": (np.tanh(rng.normal(size=(700, 5)) * 2).astype(np.float32), g2(700), 1e-3),
        "relu large": ((8.0 * np.maximum(rng.normal(size=(700, 4)), 0)).astype(np.float32), g2(700), 1e-3),
        "shifted float32": ((np.tanh(rng.normal(size=(700, 4))) + 100.0).astype(np.float32), g2(700), 1e-3),
        "huge float64": (rng.normal(size=(6, 3))[rng.integers(0, 6, 700)] * 1e6 + rng.normal(size=(700, 3)) * 0.05, g2(700), 1e-3),
        "three groups, 65 points": (rng.normal(size=(65, 3)) * 0.05, rng.integers(0, 3, 65), 1e-3),
        "one point": (np.zeros((1, 2), dtype=np.float32), np.zeros(1, dtype=np.int64), 1e-3),
        "two coinciding points": (np.ones((2, 2), dtype=np.float32), np.array([0, 1]), 1e-3),
        "d = 1": (rng.normal(size=(300, 1)).astype(np.float32) * 0.1, g2(300), 1e-3),
        "d = 40 (blocks of 16 coordinates)": (rng.normal(size=(300, 40)).astype(np.float32) * 0.02, g2(300), 1e-3),
        "integer lattice (repeated distances)": ((rng.integers(0, 4, size=(800, 3)) * 0.03).astype(np.float32), g2(800), 1e-3),
        "overflowing distances": (np.concatenate([rng.normal(size=(200, 2)) * 0.05, [[3e19, -3e19], [-3e19, 3e19]]]).astype(np.float32), g2(202), 1e-3),
        "near float64's limit": (np.array([[1e155, -1e155]] * 2 + [[-1e155, 1e155]] * 2 + [[0.0, 0.0]] * 4), np.arange(8) % 2, 1e-3),
        "terms below 2^-24 after a duplicate": (_duplicate_then_small_terms(), np.zeros(192, dtype=np.int64), 1e-3),
    }  # fmt: skip


def _duplicate_then_small_terms():
    """A row whose sum holds 1 (its duplicate) before 62 terms of 5.5e-8 each (< 2^-24): a
    float32 running sum would drop them all (found by a review's fuzzing)."""
    far = math.sqrt(-2e-3 * math.log(5.5e-8))
    tie = np.array([[0.0, 0.0]] + [[0.0, far]] * 62 + [[0.0, 0.0]])
    return np.concatenate([[[-1e3, 0.0]] * 64, tie, [[1e3, 0.0]] * 64])


@pytest.mark.parametrize("engine", ["fused", "tensor"])
@pytest.mark.parametrize("case", list(_engine_cases()))
def test_kernel_sums_of_both_engines_match_the_definition(engine, case):
    """The fused CPU pass (float32 differences, Cody-Waite exponentials) and the tensor pass give
    every row's per-group sums within 1e-6 of the row's total, for one width and for (4 w, w)."""
    import torch

    from infoplane.estimators._kernels import kernel_sums

    points, groups, s2 = _engine_cases()[case]
    n_groups = int(groups.max()) + 1
    for widths in ([s2], [4 * s2, s2]):
        got = kernel_sums(torch.from_numpy(points), torch.from_numpy(groups), n_groups, widths, engine=engine)
        for sums, width in zip(got, widths):
            exact = _exact_sums(points, groups, n_groups, width)
            assert sums.shape == exact.shape and sums.dtype == torch.float64
            error = np.abs(sums.numpy() - exact) / exact.sum(1, keepdims=True)
            assert error.max() < 1e-6, (case, width, error.max())


def _bound_cases():
    cases = {k: _engine_cases()[k] for k in ("tanh float32", "integer lattice (repeated distances)", "huge float64",
                                              "near float64's limit")}
    cases["1-d lattice, s2 = 1e-2"] = (np.random.default_rng(0).integers(0, 4, (1500, 1)) * 0.01, np.arange(1500) % 2, 1e-2)
    cases["24 clusters on a simplex"] = (np.repeat(np.eye(24, dtype=np.float32) * 0.0208309, 64, 0), np.arange(1536) % 2, 1e-3)
    return cases


@pytest.mark.parametrize("case", list(_bound_cases()))
def test_fused_bounds_within_1e_7_bits_of_the_float64_formula(case):
    """Repeated distances (lattices, clusters) would let float32 rounding of the exponent or of
    running sums add up the same way in every row (a review found 3e-7 to 6e-7 bits on the last
    two cases with float32 tile sums); the bounds stay within 1e-7 bits of the formula."""
    points, groups, s2 = _bound_cases()[case]
    for bound in ("upper", "lower"):
        expected = reference.kde_float64(points, groups, noise_variance=s2, bound=bound)
        got = kde.information_plane(points, groups, noise_variance=s2, bound=bound)
        assert got[0] == pytest.approx(expected[0], abs=1e-7) and got[1] == pytest.approx(expected[1], abs=1e-7)


def test_engine_errors_name_the_bad_value():
    import torch

    from infoplane.estimators._kernels import kernel_sums

    t, g = torch.zeros(4, 2), torch.zeros(4, dtype=torch.int64)
    with pytest.raises(ValueError, match="engine must be .* got 'gpu'"):
        kernel_sums(t, g, 1, [1e-3], engine="gpu")
    with pytest.raises(ValueError, match="engine 'fused' takes the CPU, and with queries one width"):
        kernel_sums(t, g, 1, [4e-3, 1e-3], queries=t, engine="fused")
    with pytest.raises(ValueError, match="engine 'fused' takes the CPU, and with queries one width"):
        kernel_sums(t, g, 1, [1e-3], queries=t, query_offsets=torch.full((4,), 100.0), engine="fused")
    from infoplane.estimators._fused import symmetric_kernel_sums

    with pytest.raises(ValueError, match=r"groups must be 4 values in 0 … 1, got 4 in 0 … 2"):
        symmetric_kernel_sums(np.zeros((4, 2), np.float32), np.array([0, 1, 2, 0]), 2, [1e-3], -60.0)
    with pytest.raises(ValueError, match=r"clip must be in \[-126, 0\].*got -250"):
        symmetric_kernel_sums(np.zeros((4, 2), np.float32), np.zeros(4, np.int64), 1, [1e-3], -250.0)


@pytest.mark.skipif(__import__("platform").machine().lower() not in ("x86_64", "amd64"), reason="an x86 target")
def test_fused_pass_on_an_x86_cpu_without_fma_keeps_rows_in_float64(tmp_path):
    """Compiled for the x86-64 baseline (no AVX, no FMA), the row loop of the fused pass is scalar,
    so a float32 row sum would drop every term below 2^-24 after a duplicate's 1 (a review
    measured 3e-6 of a row and 3e-7 bits on the lattice and cluster cases): there the rows are
    summed in float64 (_fused._ROW_ZERO), and both cases stay within their tolerances."""
    import subprocess
    import sys
    import textwrap

    check = textwrap.dedent('''
        import math, numpy as np
        from infoplane._numba import FMA
        from infoplane.estimators import _fused, kde, reference
        assert not FMA and _fused._ROW_ZERO == 0.0 and isinstance(_fused._ROW_ZERO, float)
        far = math.sqrt(-2e-3 * math.log(5.5e-8))
        tie = np.array([[0.0, 0.0]] + [[0.0, far]] * 62 + [[0.0, 0.0]])
        points = np.concatenate([[[-1e3, 0.0]] * 64, tie, [[1e3, 0.0]] * 64])
        (sums,) = _fused.symmetric_kernel_sums(points, np.zeros(192, dtype=np.int64), 1, [1e-3], -60.0)
        d2 = ((points[:, None] - points[None]) ** 2).sum(-1)
        exact = np.exp(-d2 / 2e-3).sum(1)
        assert (np.abs(sums[:, 0] - exact) / exact).max() < 1e-6
        cluster = np.repeat(np.eye(24, dtype=np.float32) * 0.0208309, 64, 0)
        groups = np.arange(1536) % 2
        for bound in ("upper", "lower"):
            got, expected = kde.information_plane(cluster, groups, bound=bound), reference.kde_float64(cluster, groups, bound=bound)
            assert abs(got[0] - expected[0]) < 1e-7 and abs(got[1] - expected[1]) < 1e-7, (bound, got, expected)
        print("ok")
    ''')
    env = {**__import__("os").environ, "NUMBA_CPU_NAME": "x86-64", "NUMBA_CPU_FEATURES": "-avx", "NUMBA_CACHE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
