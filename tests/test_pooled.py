"""The pooled estimators: ensemble (seeds, seed document 001) and AIR (epochs, document 003)."""

import numpy as np
import pytest

from infoplane.datasets import load_dataset
from infoplane.estimators import adaptive_binning, air, binning, ensemble, kde, reference


@pytest.fixture(scope="module")
def layer():
    x, y = load_dataset("tishby")
    return np.tanh((x - 0.5) @ np.random.default_rng(0).normal(size=(12, 4))).astype(np.float32), y


@pytest.mark.parametrize(
    "base, params, module",
    [("binning", {}, binning), ("binning", {"bin_size": 0.07}, binning), ("adaptive_binning", {"scheme": "equal_width"}, adaptive_binning),
     ("kde", {"bound": "upper"}, kde), ("kde", {"bound": "lower", "noise_variance": 1e-2}, kde)],
)  # fmt: skip
def test_identical_seeds_equal_the_base_estimator_on_one_network(layer, base, params, module):
    t, y = layer
    expected = module.information_plane(t, y, **params)
    got = ensemble.information_plane(np.stack([t] * 4), y, base=base, **params)
    # S identical samples: the same sums, S times over (1e-8: float32 kernel terms summed in another order)
    assert got[0] == pytest.approx(expected[0], abs=1e-8) and got[1] == pytest.approx(expected[1], abs=1e-8)
    windows = air.information_plane(np.stack([t] * 5), y, window=3, base=base, **params)
    assert windows[0].shape == (3,) and np.allclose(windows[0], expected[0], atol=1e-8)


def test_pooled_binning_equals_dict_counting_over_all_samples(layer):
    t, y = layer
    rng = np.random.default_rng(1)
    samples = np.stack([t + rng.normal(size=t.shape).astype(np.float32) * 0.05 for _ in range(3)])[:, :800]
    expected = reference.pooled_binning_loop(samples, y[:800])
    got = ensemble.information_plane(samples, y[:800])
    assert got[0] == pytest.approx(expected[0], abs=1e-12) and got[1] == pytest.approx(expected[1], abs=1e-12)
    # noise between seeds makes H(T|X) > 0: less than a single network's I(X;T)
    assert got[0] < binning.information_plane(samples[0], y[:800])[0]


def test_air_windows_and_bounds(layer):
    t, y = layer
    rng = np.random.default_rng(2)
    epochs = np.stack([t + rng.normal(size=t.shape).astype(np.float32) * 0.02 * e for e in range(6)])
    values = air.information_plane(epochs[None], y, window=4)  # leading dimension kept
    assert values[0].shape == (1, 3)
    for end in range(3):
        alone = ensemble.information_plane(epochs[end : end + 4], y)
        assert values[0][0, end] == pytest.approx(alone[0]) and values[1][0, end] == pytest.approx(alone[1])
    assert ((0 <= values[1]) & (values[1] <= values[0]) & (values[0] <= 12)).all()
    with pytest.raises(ValueError, match="window = 7 needs at least 7 epochs, got 6"):
        air.information_plane(epochs, y, window=7)
    with pytest.raises(ValueError, match=r"base must be one of \['binning', 'adaptive_binning', 'kde'\], got 'knn'"):
        ensemble.information_plane(epochs, y, base="knn")
