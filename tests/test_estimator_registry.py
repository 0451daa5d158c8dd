import numpy as np
import pytest

from infoplane import estimators


def test_registry_maps_config_names_to_modules():
    assert set(estimators.REGISTRY) == {"binning", "kde"}
    for name in estimators.REGISTRY:
        module = estimators.get(name)
        assert callable(module.information_plane) and callable(module.check_params)
        assert all(path.exists() for path in estimators.source_files(name))


def test_defaults_come_from_the_literature():
    assert estimators.check_params("binning", {}) == {"n_bins": 30, "bin_size": None}
    assert estimators.check_params("kde", {}) == {"noise_variance": 1e-3, "bound": "upper"}


def test_bad_names_and_parameters_are_named():
    with pytest.raises(ValueError, match="unknown estimator 'ksg'"):
        estimators.get("ksg")
    with pytest.raises(ValueError, match="estimator 'kde': got an unexpected keyword argument 'bins'"):
        estimators.check_params("kde", {"bins": 3})


def test_dispatch_runs_the_estimator():
    t = np.array([[-0.9], [0.9]])
    assert estimators.information_plane("binning", t, np.array([0, 1])) == (1.0, 1.0)


@pytest.mark.parametrize("name", ["binning", "kde"])
def test_inputs_that_are_not_plain_float32_arrays(name):
    import torch

    rng = np.random.default_rng(0)
    t = np.tanh(rng.normal(size=(64, 3)))
    y = rng.integers(0, 2, 64)
    expected = estimators.information_plane(name, t.astype(np.float32), y)
    # a tensor that carries gradients
    got = estimators.information_plane(name, torch.tensor(t, dtype=torch.float32, requires_grad=True), y)
    assert np.allclose(got, expected)
    # labels with any integer values: only which inputs share a label matters
    assert np.allclose(estimators.information_plane(name, t.astype(np.float32), np.where(y == 1, 10**8, -7)), expected)
    # half precision is computed in float32
    half = estimators.information_plane(name, torch.tensor(t, dtype=torch.float16), y)
    assert np.allclose(half, estimators.information_plane(name, t.astype(np.float16).astype(np.float32), y))
