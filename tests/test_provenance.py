"""Rerun hashes follow the import closure of the code a rule runs."""

import shutil

import pytest

from infoplane import provenance
from infoplane.provenance import code_hash, import_closure


def _names(paths):
    return {str(p.relative_to(provenance.PACKAGE_DIR)) for p in paths}


def test_closure_follows_imports_at_any_depth_and_package_inits():
    names = _names(import_closure(["infoplane.estimation", "infoplane.estimators.kde"]))
    assert {"__init__.py", "estimation.py", "recording.py", "estimators/__init__.py", "params.py",
            "estimators/kde.py", "estimators/_kernels.py", "estimators/_fused.py", "estimators/_common.py"} <= names  # fmt: skip
    assert "estimators/binning.py" not in names  # the registry imports estimators by name only
    assert "tables.py" not in names and "report/__init__.py" not in names


def test_lazy_imports_inside_functions_count():
    names = _names(import_closure(["infoplane.estimators.binning"]))
    assert "estimators/_discrete.py" in names
    assert "datasets/__init__.py" in _names(import_closure(["infoplane.validation"]))


def test_a_new_module_is_covered_once_imported(tmp_path, monkeypatch):
    package = tmp_path / "infoplane"
    shutil.copytree(provenance.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", package)
    provenance._direct_imports.cache_clear()
    before = code_hash("infoplane.summary")
    (package / "helpers_new.py").write_text("X = 1\n")
    assert code_hash("infoplane.summary") == before  # not imported: no effect
    summary = package / "summary.py"
    summary.write_text(summary.read_text() + "\nfrom .helpers_new import X  # noqa\n")
    with_new = code_hash("infoplane.summary")
    assert with_new != before
    (package / "helpers_new.py").write_text("X = 2\n")
    assert code_hash("infoplane.summary") != with_new
    provenance._direct_imports.cache_clear()


def test_unknown_module_is_named():
    with pytest.raises(ValueError, match="no source file for module 'infoplane.nothing'"):
        provenance.module_path("infoplane.nothing")
