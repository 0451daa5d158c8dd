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
