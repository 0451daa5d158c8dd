"""Adaptive binning ([CHO19]) against a per-input loop of their definition, closed cases and invariances."""

import numpy as np
import pytest

from infoplane.datasets import load_dataset
from infoplane.estimators import _bin_codes, adaptive_binning, reference


@pytest.fixture(scope="module")
def tishby():
    return load_dataset("tishby")


def _layers(x, rng):
    w = rng.normal(size=(12, 5))
    return {"tanh": np.tanh(x @ w - 1).astype(np.float32), "relu": np.maximum(x @ w - 0.5, 0).astype(np.float32)}


@pytest.mark.parametrize("scheme", ["equal_mass", "equal_width"])
@pytest.mark.parametrize("n_bins", [30, 7])
def test_matches_per_input_loop_of_their_definition(tishby, scheme, n_bins):
    x, y = tishby
    for kind, layer in _layers(x, np.random.default_rng(1)).items():
        expected = reference.adaptive_binning_loop(layer, y, n_bins=n_bins, scheme=scheme)
        got = adaptive_binning.information_plane(layer, y, n_bins=n_bins, scheme=scheme)
        assert got[0] == pytest.approx(expected[0], abs=1e-12), kind
        assert got[1] == pytest.approx(expected[1], abs=1e-12), kind


def test_edges_follow_the_layer():
    relu = np.array([[0.0, 0.5], [1.0, 2.0], [0.0, 4.0]])
    assert np.allclose(adaptive_binning.layer_edges(relu, 5, "equal_width"), np.linspace(0, 4, 5))
    tanh = np.array([[-0.5, 0.2], [0.9, -0.1]])
    assert adaptive_binning.layer_edges(tanh, 3, "equal_width")[0] == -1.0
    # equal mass: 4 distinct values other than 0 and 2 bins -> u[0], u[2], then u[-1]
    edges = adaptive_binning.layer_edges(relu, 2, "equal_mass")
    assert edges.tolist() == [0.0, 0.5, 2.0, 4.0]


def test_each_layer_epoch_gets_its_own_bins_and_batches_agree(tishby):
    x, y = tishby
    rng = np.random.default_rng(2)
    acts = np.maximum(np.einsum("nd,edk->enk", x, rng.normal(size=(3, 12, 4)) * [[[1.0]], [[10.0]], [[0.1]]]), 0)
    batched = adaptive_binning.information_plane(acts, y)
    for e in range(3):
        single = adaptive_binning.information_plane(acts[e], y)
        assert batched[0][e] == single[0] and batched[1][e] == single[1]
    # scaling a ReLU layer moves fixed bins but not fitted ones
    assert batched[0][0] == pytest.approx(adaptive_binning.information_plane(acts[0] * 1000.0, y)[0], abs=1e-12)


def test_closed_cases_and_miller_madow(tishby):
    x, y = tishby
    constant = np.full((4096, 3), 0.25, np.float32)
    assert adaptive_binning.information_plane(constant, y) == (0.0, 0.0)
    distinct = (x @ (2.0 ** np.arange(12))[:, None]).astype(np.float32)  # one value per input
    i_xt, i_ty = adaptive_binning.information_plane(distinct, y, n_bins=4096)
    assert i_xt == pytest.approx(12.0) and i_ty == pytest.approx(0.9991571208502705)
    # Miller-Madow adds (m - 1) / 2N nats to H(T) over m occupied bins; at m = N it would pass
    # log2 N, and I(X;T) is clipped there
    corrected = adaptive_binning.information_plane(distinct, y, n_bins=4096, correction="miller_madow")
    assert corrected[0] == 12.0
    layer = np.tanh(x @ np.random.default_rng(3).normal(size=(12, 2))).astype(np.float32)
    plain = adaptive_binning.information_plane(layer, y, n_bins=8)
    mm = adaptive_binning.information_plane(layer, y, n_bins=8, correction="miller_madow")
    codes, radix = adaptive_binning.bin_codes(layer[None], 8, "equal_mass")
    occupied = len({tuple(r) for r in codes[0]})
    assert mm[0] - plain[0] == pytest.approx((occupied - 1) / (2 * 4096 * np.log(2)), abs=1e-12)
    assert mm[1] <= mm[0]


def test_compiled_codes_equal_the_binary_search_exactly():
    """The compiled pass gives np.searchsorted(edges, values, side="right") - 1, wrapped round to
    the last edge, for float32, float16 and float64 values, values on an edge and just above it,
    edges that are not float32 numbers (equal width), repeated edges, and more edges than are
    compared one by one (the binary search beyond 64)."""
    rng = np.random.default_rng(7)
    values = np.tanh(rng.normal(size=(500, 6)) * 2).astype(np.float32)
    values[-5:] = -1.5  # below the equal-width edges' first: wraps round
    mass = adaptive_binning.layer_edges(values, 30, "equal_mass")
    width = np.linspace(-1.0, float(values.max()), 30)
    assert not np.array_equal(width.astype(np.float32).astype(np.float64), width)  # exercises float64 comparison
    just_above = np.nextafter(width.astype(np.float32), np.float32(np.inf))  # float32 neighbours of float64 edges
    values[: len(width), 0] = just_above
    values[len(width) : 2 * len(width), 0] = width.astype(np.float32)
    many = np.sort(np.concatenate([np.repeat(mass, 3), rng.uniform(-1, 1, 100)]))  # > 64 edges, repeats, on the values
    assert len(many) > 64
    values[2 * len(width) : 2 * len(width) + len(mass), 1] = mass.astype(np.float32)
    for edges in (mass, width, np.repeat(mass, 2)[:50], many, width[:1]):
        for layer in (values, values.astype(np.float64), values.astype(np.float16), (values * 4).astype(np.int64)):
            expected = (np.searchsorted(edges, layer.astype(np.float64), side="right") - 1) % len(edges)
            got = _bin_codes.edge_codes(layer[None], edges[None], np.array([len(edges)]))[0]
            assert got.dtype == np.float64 and np.array_equal(got, expected), (len(edges), layer.dtype)


def _numpy_edges(values, n_bins):
    """[CHO19]'s equal-mass edges in NumPy, as their set_up_bins states them."""
    a = np.asarray(values, dtype=np.float64).ravel()
    low = 0.0 if a.min() >= 0 else min(-1.0, float(a.min()))
    distinct = np.unique(a)
    distinct = distinct[distinct != low]
    if distinct.size == 0:
        return np.array([low])
    picks = distinct[(np.arange(n_bins) * (distinct.size / n_bins)).astype(np.int64)]
    return np.concatenate([[low], picks, [distinct[-1]]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_equal_mass_edges_and_codes_equal_numpy_on_awkward_layers(dtype):
    """Edges and codes of a batch equal NumPy's np.unique-based definition exactly on layers with
    repeats, saturation at +-1, -0.0 beside 0.0, values below -1, a constant layer, a layer of
    only ``low``, fewer distinct values than bins, and n_bins beyond the number of values."""
    rng = np.random.default_rng(11)
    layers = [
        np.tanh(rng.normal(size=(300, 4)) * 5),
        np.maximum(rng.normal(size=(300, 4)), 0.0),
        np.round(rng.normal(size=(300, 4)), 1),
        np.where(rng.random((300, 4)) < 0.1, 1.0, np.where(rng.random((300, 4)) < 0.5, -0.0, 0.0)),
        np.where(rng.random((300, 4)) < 0.5, -0.0, np.round(np.tanh(rng.normal(size=(300, 4))), 1)),  # 0 kept, low = -1
        rng.normal(size=(300, 4)) * 3,  # minimum below -1
        np.full((300, 4), 0.25),
        np.zeros((300, 4)),
        np.full((300, 4), -1.0),
        np.tile([0.1, 0.2, 0.3, 0.4], (300, 1)),
    ]
    assert np.signbit(layers[3]).any() and np.signbit(layers[4]).any() and layers[4].min() < 0
    for n_bins in (2, 7, 30, 2000):
        batch = np.stack(layers).astype(dtype)
        codes, radix = adaptive_binning.bin_codes(batch, n_bins, "equal_mass")
        assert radix == [max(len(_numpy_edges(layer, n_bins)) for layer in batch)] * 4
        for b, layer in enumerate(batch):
            edges = _numpy_edges(layer, n_bins)
            assert np.array_equal(adaptive_binning.layer_edges(layer, n_bins, "equal_mass"), edges), (b, n_bins)
            expected = (np.searchsorted(edges, layer.astype(np.float64), side="right") - 1) % len(edges)
            assert np.array_equal(codes[b], expected), (b, n_bins)


def test_empty_layers_and_bad_bin_counts_raise_and_an_empty_batch_is_empty():
    """Direct calls: a layer without values or n_bins < 1 raises a ValueError naming them (the
    compiled edges would read outside the layer); a batch of no layer-epochs gives no codes."""
    for scheme in adaptive_binning.SCHEMES:
        for shape in ((2, 0, 3), (2, 4, 0)):
            with pytest.raises(ValueError, match="a layer with values"):
                adaptive_binning.bin_codes(np.zeros(shape, np.float32), 30, scheme)
        with pytest.raises(ValueError, match="n_bins >= 1"):
            adaptive_binning.bin_codes(np.zeros((2, 4, 3)), 0, scheme)
        with pytest.raises(ValueError, match="n_bins = -1"):
            adaptive_binning.layer_edges(np.array([-0.5, 0.2, 0.7]), -1, scheme)
        with pytest.raises(ValueError, match="0 values"):
            adaptive_binning.layer_edges(np.zeros((3, 0)), 30, scheme)
        codes, radix = adaptive_binning.bin_codes(np.zeros((0, 4, 3), np.float32), 30, scheme)
        assert codes.shape == (0, 4, 3) and radix == [1, 1, 1]
    with pytest.raises(ValueError, match=r"shape \(1, 0\)"):
        _bin_codes.adaptive_edges(np.array([[-5.0, 1.0]])[:, :0], 30)
