"""The binning estimator against its definition ([ST17] §3, [SB18] variant) and closed cases."""

import numpy as np
import pytest

from infoplane.datasets import load_dataset
from infoplane.estimators import binning, reference

H_Y_TISHBY = 0.9991571208502705  # H(Y) for p(y=1) = 2118/4096


@pytest.fixture(scope="module")
def tishby():
    return load_dataset("tishby")


def test_layer_keeping_all_inputs_distinct_gives_12_bits_and_h_y(tishby):
    x, y = tishby
    layer = np.tanh(5.0 * (x - 0.5))  # saturated tanh of the 12 bits: every input its own bin row
    i_xt, i_ty = binning.information_plane(layer, y)
    assert i_xt == pytest.approx(12.0, abs=1e-12)
    assert i_ty == pytest.approx(H_Y_TISHBY, abs=1e-12)
    assert round(float(i_ty), 5) == 0.99916


def test_constant_layer_carries_no_information(tishby):
    _, y = tishby
    i_xt, i_ty = binning.information_plane(np.full((4096, 3), 0.3, np.float32), y)
    assert i_xt == 0.0 and i_ty == 0.0


def test_hand_made_two_groups():
    # 4 inputs, labels 0 0 1 1; T puts inputs {0,1} and {2,3} in two bins: T determines Y.
    t = np.array([[-0.9], [-0.89], [0.9], [0.91]])  # bins of width 2/29: two rows per bin
    y = np.array([0, 0, 1, 1])
    i_xt, i_ty = binning.information_plane(t, y, n_bins=30)
    assert i_xt == pytest.approx(1.0) and i_ty == pytest.approx(1.0)
    # Now T splits across labels: {0,2} and {1,3}: H(T) = 1 bit, I(T;Y) = 0.
    i_xt, i_ty = binning.information_plane(t[[0, 2, 1, 3]], y)
    assert i_xt == pytest.approx(1.0) and i_ty == pytest.approx(0.0, abs=1e-15)
    # Three bins with counts 2, 1, 1: H(T) = 1.5 bits; labels 0 0 1 1 -> H(T|Y) = 0.5, I = 1.
    t3 = np.array([[-0.9], [-0.9], [0.0], [0.9]])
    i_xt, i_ty = binning.information_plane(t3, y)
    assert i_xt == pytest.approx(1.5) and i_ty == pytest.approx(1.0)


def test_st17_edge_quirks():
    edges = np.linspace(-1, 1, 30)
    y = np.array([0, 1, 0, 1])
    # Below -1 wraps round to edges[-1] = 1, like every value >= 1: these four rows share one bin.
    t = np.array([[-1.5], [1.0], [3.0], [1.0 + 1e-9]])
    assert binning.information_plane(t, y)[0] == pytest.approx(0.0)
    # ... while [edges[-2], 1) is a bin of its own.
    t = np.array([[-1.5], [1.0], [edges[-2]], [1.0 - 1e-9]])
    assert binning.information_plane(t, y)[0] == pytest.approx(1.0)
    # Exactly on an edge belongs to the bin that starts there (digitize, right=False).
    t = np.array([[edges[5]], [edges[5] - 1e-12], [edges[5]], [edges[5] + 1e-12]])
    codes, _ = binning.bin_codes(t[None], n_bins=30, bin_size=None)
    assert codes[0, :, 0].tolist() == [5, 4, 5, 5]


def test_sb18_bins_are_floor_of_a_over_bin_size():
    t = np.array([[0.0], [0.069], [0.07], [0.139], [5.0], [-0.01]], dtype=np.float64)
    codes, _ = binning.bin_codes(t[None], n_bins=None, bin_size=0.07)
    floors = np.floor(t[:, 0] / 0.07).astype(int)
    assert (codes[0, :, 0] == floors - floors.min()).all()
    y = np.array([0, 0, 1, 1, 0, 1])
    i_xt, _ = binning.information_plane(t, y, bin_size=0.07)
    counts = np.unique(floors, return_counts=True)[1] / len(floors)
    assert i_xt == pytest.approx(-(counts * np.log2(counts)).sum())


@pytest.mark.parametrize("params", [{"n_bins": 30}, {"n_bins": 7}, {"bin_size": 0.07}, {"bin_size": 0.5}])
def test_matches_per_input_loop_of_the_definition(tishby, params):
    x, y = tishby
    rng = np.random.default_rng(1)
    w = rng.normal(size=(12, 6))
    for layer in (np.tanh(x @ w - 1).astype(np.float32), np.maximum(x @ w, 0).astype(np.float32)):
        expected = reference.binning_loop(layer, y, **{"n_bins": None, **params})
        got = binning.information_plane(layer, y, **params)
        assert got[0] == pytest.approx(expected[0], abs=1e-12)
        assert got[1] == pytest.approx(expected[1], abs=1e-12)


def test_batched_equals_unbatched_and_keeps_leading_shape(tishby):
    x, y = tishby
    rng = np.random.default_rng(2)
    acts = np.tanh(np.einsum("nd,esdk->esnk", x, rng.normal(size=(3, 4, 12, 5)))).astype(np.float32)
    for params in ({"n_bins": 30}, {"bin_size": 0.07}):
        i_xt, i_ty = binning.information_plane(acts, y, **params)
        assert i_xt.shape == i_ty.shape == (3, 4)
        for e in range(3):
            for s in range(4):
                single = binning.information_plane(acts[e, s], y, **params)
                assert i_xt[e, s] == single[0] and i_ty[e, s] == single[1]


def test_wide_layer_beyond_one_int64_key(tishby):
    # 30^13 > 2^62: the row ids must stay exact when the columns no longer fit one key.
    x, y = tishby
    rng = np.random.default_rng(3)
    layer = np.tanh(x @ rng.normal(size=(12, 40)) * 0.3).astype(np.float32)
    got = binning.information_plane(layer, y)
    expected = reference.binning_loop(layer, y)
    assert got[0] == pytest.approx(expected[0], abs=1e-12) and got[1] == pytest.approx(expected[1], abs=1e-12)


def test_information_inequalities(tishby):
    x, y = tishby
    rng = np.random.default_rng(4)
    acts = np.tanh(x @ rng.normal(size=(20, 12, 3))).astype(np.float32)
    i_xt, i_ty = binning.information_plane(acts, y)
    assert (i_ty <= i_xt + 1e-12).all() and (i_xt <= 12 + 1e-12).all() and (i_ty <= H_Y_TISHBY + 1e-12).all()
    assert (i_ty >= -1e-12).all()


def test_errors_name_the_bad_value(tishby):
    _, y = tishby
    with pytest.raises(ValueError, match="n_bins must be >= 2, got 1"):
        binning.information_plane(np.zeros((4096, 2)), y, n_bins=1)
    with pytest.raises(ValueError, match="bin_size must be > 0, got -0.1"):
        binning.information_plane(np.zeros((4096, 2)), y, bin_size=-0.1)
    with pytest.raises(ValueError, match="not both"):
        binning.information_plane(np.zeros((4096, 2)), y, n_bins=30, bin_size=0.1)
    with pytest.raises(ValueError, match="exactly one of n_bins and bin_size"):
        binning.bin_codes(np.zeros((1, 3, 2)), n_bins=None, bin_size=None)
    with pytest.raises(ValueError, match=r"labels must have shape \[N\] = \[10\]"):
        binning.information_plane(np.zeros((10, 2)), y)
    bad = np.zeros((4096, 2))
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinity \(first at index \[7, 1\]\)"):
        binning.information_plane(bad, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_bins", [30, 7, 2, 99])  # 99: two float32 values between a rational and NumPy's edge
def test_bin_index_equals_numpy_digitize_at_every_edge(dtype, n_bins):
    edges = np.linspace(-1, 1, n_bins)
    e = edges.astype(dtype)
    values = np.concatenate([
        e, np.nextafter(e, dtype(2)), np.nextafter(e, dtype(-2)),
        np.array([-3.0, -1.0000001, 1.0000001, 7.0]).astype(dtype),
        np.random.default_rng(0).uniform(-1.2, 1.2, 5000).astype(dtype),
    ])  # fmt: skip
    codes, radix = binning.bin_codes(values[None, :, None], n_bins=n_bins, bin_size=None)
    expected = (np.digitize(values, edges) - 1) % n_bins  # index into edges, wrap-round included
    assert radix == [n_bins]
    assert np.array_equal(codes[0, :, 0], expected)


def test_miller_madow_adds_occupied_bins_over_2n(tishby):
    x, y = tishby
    layer = np.tanh(x @ np.random.default_rng(5).normal(size=(12, 2)) * 0.5).astype(np.float32)
    plain = binning.information_plane(layer, y)
    mm = binning.information_plane(layer, y, correction="miller_madow")
    codes, _ = binning.bin_codes(layer[None], n_bins=30, bin_size=None)
    rows = [tuple(r) for r in codes[0]]
    m_t = len(set(rows))
    m_ty = len(set(zip(rows, y)))
    n = len(y)
    # H(T) + (m_t - 1)/2N, H(T|Y) + (m_ty - C)/2N nats; I(X;T) = H(T) for a deterministic layer
    assert mm[0] - plain[0] == pytest.approx((m_t - 1) / (2 * n * np.log(2)), abs=1e-12)
    assert mm[1] - plain[1] == pytest.approx((m_t - 1 - (m_ty - 2)) / (2 * n * np.log(2)), abs=1e-12)


@pytest.mark.parametrize("scale", [1e15, 1e30, 3e37])
def test_sb18_codes_stay_exact_for_huge_activations(tishby, scale):
    """floor(a / b) beyond int64 (and, at 3e37 / 0.07, beyond float32: computed in float64)."""
    x, y = tishby
    raw = np.maximum(x @ np.random.default_rng(6).normal(size=(12, 3)), 0)
    layer = (raw / raw.max() * scale).astype(np.float32)
    got = binning.information_plane(layer, y, bin_size=0.07)
    source = layer if scale < 1e37 else layer.astype(np.float64)
    expected = reference.binning_loop(source, y, n_bins=None, bin_size=0.07)
    assert got[0] == pytest.approx(expected[0], abs=1e-12) and got[1] == pytest.approx(expected[1], abs=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bin_size", [0.07, 0.5, 1e-3])
def test_compiled_sb18_codes_equal_the_numpy_expression(dtype, bin_size):
    """The compiled pass (estimators._bin_codes) gives NumPy's floor(a / b) - min codes exactly,
    at and next to every multiple of the bin size, on both sides of 0, in the layer's precision."""
    from infoplane.estimators._bin_codes import sb18_codes

    rng = np.random.default_rng(9)
    step = np.asarray(bin_size, dtype=dtype)
    edges = (np.arange(-40, 41) * step).astype(dtype)
    values = np.concatenate([edges, np.nextafter(edges, dtype(-np.inf)), np.nextafter(edges, dtype(np.inf)),
                             (rng.normal(size=3 * 243 * 3 - 3 * 81 - 1) * 40 * step).astype(dtype), [dtype(-0.0)]])
    layer = rng.permutation(values).astype(dtype).reshape(3, 243, 3)
    codes, radix = sb18_codes(layer, bin_size)
    floors = np.floor(layer / bin_size)
    expected = floors.astype(np.float64) - floors.min(axis=1, keepdims=True)
    assert codes.dtype == np.float64 and np.array_equal(codes, expected)
    assert radix == (expected.max(axis=(0, 1)) + 1).astype(int).tolist()
    assert binning.bin_codes(layer, n_bins=None, bin_size=bin_size)[0] is not None


def test_compiled_sb18_codes_leave_overflow_and_huge_spans_to_numpy():
    """A floor that is not finite in float32 (3e37 / 1e-3) or a span of 2^53 bins or more: the
    compiled pass declines, and bin_codes gives the NumPy path's exact int64 codes."""
    from infoplane.estimators._bin_codes import sb18_codes

    overflow = np.array([[[3e37], [0.0], [1.0]]], dtype=np.float32)
    huge = np.array([[[1e16], [0.0], [1.0]]], dtype=np.float32)
    assert sb18_codes(overflow, 1e-3) is None and sb18_codes(huge, 0.07) is None
    codes, _ = binning.bin_codes(overflow, n_bins=None, bin_size=1e-3)  # floors in float64, ranked (span > 2^53)
    assert codes.dtype == np.int64 and codes[0, :, 0].tolist() == [2, 0, 1]
    codes, _ = binning.bin_codes(huge, n_bins=None, bin_size=0.07)
    assert codes.dtype == np.int64 and codes[0, :, 0].tolist() == [2, 0, 1]  # ranks: the span passes 2^53


def test_hashed_counts_equal_the_sorted_runs():
    """One sample per input is counted in a compiled hash table (_discrete._hashed_run_sums): the
    sums of n log n and the numbers of distinct keys and (key, label) pairs equal the sorted
    runs', on repeated keys, one key, and distinct keys up to 2^60; labels out of range raise."""
    from infoplane.estimators import _discrete

    rng = np.random.default_rng(12)
    cases = [(rng.integers(0, 50, (3, 4096)), rng.integers(0, 3, 4096), 3),
             (np.zeros((1, 700), dtype=np.int64), rng.integers(0, 2, 700), 2),
             (rng.integers(0, 2**60, (2, 1000)), rng.integers(0, 3, 1000), 3)]  # fmt: skip
    for keys, labels, n_classes in cases:
        sums = _discrete._hashed_run_sums(keys, labels, n_classes)
        (nlogn_ty, runs_ty), (nlogn_t, runs_t) = _discrete.run_statistics(np.sort(keys * n_classes + labels, axis=-1), n_classes)
        np.testing.assert_allclose(sums[:, 0], nlogn_t, rtol=1e-13, atol=1e-9)
        np.testing.assert_allclose(sums[:, 2], nlogn_ty, rtol=1e-13, atol=1e-9)
        assert np.array_equal(sums[:, 1], runs_t) and np.array_equal(sums[:, 3], runs_ty)
    with pytest.raises(ValueError, match="labels must lie in 0 … 1, got 0 … 2"):
        _discrete.plugin_information(np.zeros((1, 1, 3), dtype=np.int64), 1, np.array([0, 1, 2]), 2)


@pytest.mark.filterwarnings("ignore:divide by zero encountered")
def test_sb18_bin_sizes_that_vanish_or_widen_the_division_follow_numpy():
    """A bin size that rounds to 0 in float32 (1e-46) takes NumPy's float64 path as before (a
    review found a ZeroDivisionError); a NumPy float64 bin size divides float32 activations in
    float64, as NumPy does; a bin size of 0 still raises the documented ValueError."""
    from infoplane.estimators._bin_codes import sb18_codes

    rng = np.random.default_rng(3)
    layer = np.tanh(rng.normal(size=(2, 300, 3))).astype(np.float32)
    assert sb18_codes(layer, 1e-46) is None
    codes, _ = binning.bin_codes(layer, n_bins=None, bin_size=1e-46)
    floors = np.floor(layer.astype(np.float64) / 1e-46)
    assert np.array_equal(np.argsort(codes, axis=1, kind="stable"), np.argsort(floors, axis=1, kind="stable"))
    for size in (np.float64(0.07), np.float64(1 / 3), np.float32(0.07), 0.07):
        floors = np.floor(layer / size)
        expected = floors.astype(np.float64) - floors.min(axis=1, keepdims=True)
        assert np.array_equal(binning.bin_codes(layer, n_bins=None, bin_size=size)[0], expected), size
    with pytest.raises(ValueError, match="overflow a / bin_size"):
        binning.bin_codes(layer, n_bins=None, bin_size=0.0)
