"""The estimator registry and the declared parameters: one declaration per estimator gives the
config schema, the parameter check, the report's description, sweeps and shared-pass jobs."""

import jsonschema
import numpy as np
import pytest

from infoplane import estimators
from infoplane.config import load_schema
from infoplane.params import Parameter
from infoplane.instances import estimation_jobs, expand_instances, sweeps

METHODS = {"binning", "adaptive_binning", "kde", "noisy", "knn", "ensemble", "air"}


def test_registry_holds_every_estimator_with_its_declaration():
    assert set(estimators.REGISTRY) == METHODS
    for name in estimators.REGISTRY:
        module = estimators.get(name)
        assert callable(module.information_plane) and callable(module.check_params) and callable(module.describe)
        assert module.SOURCE and all(isinstance(p, Parameter) and p.description for p in module.PARAMETERS)
        defaults = estimators.check_params(name, {})
        assert set(defaults) >= {p.name for p in module.PARAMETERS}
        assert isinstance(estimators.describe(name, defaults), str)


def test_defaults_come_from_the_literature():
    assert estimators.check_params("binning", {}) == {"n_bins": 30, "bin_size": None, "correction": "none"}
    assert estimators.check_params("kde", {}) == {"noise_variance": 1e-3, "bound": "upper"}
    assert estimators.check_params("knn", {}) == {"k": 3}
    assert estimators.check_params("adaptive_binning", {})["n_bins"] == 30
    assert estimators.check_params("ensemble", {"base": "kde"}) == {"base": "kde", "noise_variance": 1e-3, "bound": "upper"}


def test_bad_names_and_parameters_are_named():
    with pytest.raises(ValueError, match="unknown estimator 'ksg'"):
        estimators.get("ksg")
    with pytest.raises(ValueError, match=r"estimator 'kde': unknown parameter\(s\) \['bins'\]; declared parameters"):
        estimators.check_params("kde", {"bins": 3})
    with pytest.raises(ValueError, match="estimator 'knn': k must be >= 1, got 0"):
        estimators.check_params("knn", {"k": 0})
    with pytest.raises(ValueError, match="estimator 'ensemble': base 'kde': noise_variance must be > 0, got -1"):
        estimators.check_params("ensemble", {"base": "kde", "noise_variance": -1})
    with pytest.raises(ValueError, match="correction must be one of"):
        estimators.check_params("binning", {"correction": "jackknife"})


def test_config_schema_is_generated_from_the_declarations():
    schema = load_schema()
    validator = jsonschema.Draft202012Validator(schema["$defs"]["estimator"])
    assert list(schema["$defs"]["estimator"]["properties"]["estimator"]["enum"]) == list(estimators.REGISTRY)
    for name in estimators.REGISTRY:
        module = estimators.get(name)
        for parameter in module.PARAMETERS:
            good = {"estimator": name, "params": {parameter.name: parameter.default}} if parameter.default is not None else None
            if good:
                assert not list(validator.iter_errors(good)), (name, parameter.name)
                sweep = {"estimator": name, "params": {parameter.name: [parameter.default]}}
                assert not list(validator.iter_errors(sweep)), (name, parameter.name)
        assert list(validator.iter_errors({"estimator": name, "params": {"not_declared": 1}}))
    assert list(validator.iter_errors({"estimator": "kde", "params": {"noise_variance": 0}}))
    assert list(validator.iter_errors({"estimator": "air", "params": {"window": 1}}))
    # a pooled estimator accepts its base's parameters, and only those
    assert not list(validator.iter_errors({"estimator": "ensemble", "params": {"base": "kde", "bound": "lower"}}))
    assert list(validator.iter_errors({"estimator": "ensemble", "params": {"base": "kde", "n_bins": 30}}))


def test_sweeps_expand_to_named_instances_and_shared_passes_share_a_job():
    entries = {
        "fixed": {"estimator": "binning", "params": {"bin_size": [0.01, 0.07, 0.5]}},
        "upper": {"estimator": "kde", "params": {"bound": "upper"}},
        "lower": {"estimator": "kde", "params": {"bound": "lower"}},
        "kde_s2": {"estimator": "kde", "params": {"noise_variance": [1.0e-4, 1.0e-2], "bound": ["upper", "lower"]}},
        "knn": {"estimator": "knn", "stride": 3},
    }
    instances = expand_instances(entries)
    assert list(instances)[:3] == ["fixed-bin_size-0.01", "fixed-bin_size-0.07", "fixed-bin_size-0.5"]
    assert instances["fixed-bin_size-0.07"].params["bin_size"] == 0.07 and instances["fixed-bin_size-0.07"].swept == {"bin_size": 0.07}
    assert "kde_s2-noise_variance-0.0001-bound-lower" in instances
    assert [i.name for i in sweeps(instances)["kde_s2"]][0] == "kde_s2-noise_variance-0.0001-bound-upper"
    assert instances["knn"].stride == 3
    jobs = estimation_jobs(instances, list(instances))
    names = [job.instances for job in jobs]
    assert ("lower", "upper") in names  # same noise variance: one pass (names sorted)
    assert ("kde_s2-noise_variance-0.0001-bound-lower", "kde_s2-noise_variance-0.0001-bound-upper") in names
    assert ("fixed-bin_size-0.01",) in names and len(jobs) == 3 + 1 + 2 + 1
    with pytest.raises(ValueError, match=r"estimators\.bad\.params with bin_size = -1: .*bin_size must be > 0"):
        expand_instances({"bad": {"estimator": "binning", "params": {"bin_size": [0.1, -1]}}})


def test_dispatch_runs_the_estimator():
    t = np.array([[-0.9], [0.9]])
    assert estimators.information_plane("binning", t, np.array([0, 1])) == (1.0, 1.0)


@pytest.mark.parametrize("name", ["binning", "adaptive_binning", "kde", "noisy"])
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
