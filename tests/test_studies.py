"""Studies side by side: each config's results in its own tree (results/<study>/), several built in
one run and one DAG, the index of every built study, and nothing of one study rerun or
overwritten by another."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from conftest import ROOT, edited_config, planned_jobs, reduced_config, results, snakemake
from infoplane.config import ConfigError, load_config
from infoplane.studies import claim_tree, load_study, study_config_files, study_name

EMBEDDED = ROOT / "config" / "config.yaml"


# -- names ------------------------------------------------------------------------------------------


def test_a_study_is_named_by_its_key_or_its_file():
    assert study_name({}, [], EMBEDDED) == "default"
    assert study_name({}, [str(EMBEDDED)], EMBEDDED) == "default"  # the embedded config given by name
    assert study_name({}, ["config/sb18.yaml"], EMBEDDED) == "sb18"
    assert study_name({}, ["config/tiny.yaml", "fast.yaml"], EMBEDDED) == "tiny+fast"  # merged files
    assert study_name({"study": "mine"}, ["config/sb18.yaml"], EMBEDDED) == "mine"


@pytest.mark.parametrize("config, files, message", [
    ({"study": "my study"}, [], r"study: study name 'my study' must start with a letter or digit"),
    ({}, ["config/_draft.yaml"], r"the config file name\(s\) config/_draft.yaml: study name '_draft'"),
    ({"study": "index.pdf"}, [], r"study name 'index.pdf'"),  # the index's own name under results/
])  # fmt: skip
def test_a_bad_study_name_is_refused(config, files, message):
    with pytest.raises(ConfigError, match=message):
        study_name(config, files, EMBEDDED)


def test_a_study_of_the_studies_list_is_a_shipped_config_or_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert study_config_files("default", ROOT) == [os.path.relpath(EMBEDDED)]
    assert study_config_files("sb18", ROOT) == [os.path.relpath(ROOT / "config" / "sb18.yaml")]
    (tmp_path / "mine.yaml").write_text("{}")
    assert study_config_files("mine.yaml", ROOT) == ["mine.yaml"]
    with pytest.raises(ConfigError, match=r"studies: 'sb19' names no config file .*a study is one of \[.*'default'.*'sb18'"):
        study_config_files("sb19", ROOT)


def test_a_tree_belongs_to_the_config_it_was_built_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(ROOT / "config" / "tiny.yaml")
    (tmp_path / "config").mkdir()
    (tmp_path / "other").mkdir()
    for folder in ("config", "other"):
        (tmp_path / folder / "tiny.yaml").write_text(yaml.safe_dump(config))
    first = load_study(load_config("config/tiny.yaml"), ["config/tiny.yaml"], embedded=EMBEDDED)
    claim_tree(first, dry_run=True)
    assert not Path("results/tiny/study.yaml").exists()  # a dry run records nothing
    claim_tree(first, dry_run=False)
    assert yaml.safe_load(Path("results/tiny/study.yaml").read_text()) == {"study": "tiny", "config_files": ["config/tiny.yaml"]}
    claim_tree(first, dry_run=False)  # the same config again: fine
    copy = load_study(load_config("other/tiny.yaml"), ["other/tiny.yaml"], embedded=EMBEDDED)
    with pytest.raises(ConfigError, match=r"results/tiny/ holds the study 'tiny' built from config/tiny.yaml; this run's config "
                                          r"\(other/tiny.yaml\) has the same study name .* Give it a name of its own"):  # fmt: skip
        claim_tree(copy, dry_run=True)


# -- the workflow ---------------------------------------------------------------------------------


def _tree(workdir, study):
    """Every file of a study's tree with its bytes' hash."""
    root = results(workdir, study)
    return {p.relative_to(root): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def _small_study(path):
    """A second study, smaller than the tiny one: two estimators, 4 seeds in one chunk."""
    reduced_config(path, estimators=("binning", "kde_upper"), chunk_size=4, epochs=20)


@pytest.mark.slow
@pytest.mark.long
def test_two_studies_build_side_by_side_and_a_change_to_one_leaves_the_other_alone(tiny_run):
    _small_study(tiny_run / "config" / "small.yaml")
    studies = ("studies", "--config", "studies=[tiny, small]")
    tiny_before = _tree(tiny_run, "tiny")
    jobs = planned_jobs(tiny_run, *studies, study=None)
    # the finished tiny study has nothing to do; the small one everything; the index is new
    assert jobs.pop("index") == {""} and jobs.pop("studies") == {""}
    assert all(w.startswith("study=small") for wildcards in jobs.values() for w in wildcards), jobs
    assert {"train_chunk", "estimate", "report_pdf"} <= set(jobs)
    snakemake(tiny_run, *studies[:1], "--cores", "2", *studies[1:])
    assert _tree(tiny_run, "tiny") == tiny_before, "building another study changed none of this one's files"
    assert (results(tiny_run, "small") / "report" / "report.pdf").read_bytes()[:5] == b"%PDF-"
    index = " ".join(page.extract_text() for page in PdfReader(tiny_run / "results" / "index.pdf").pages)
    assert "tiny" in index and "small" in index and "fitting, then compression" in index

    # one study changed: only its jobs rerun, and the index that shows it
    small_before = _tree(tiny_run, "small")
    with edited_config(tiny_run / "config" / "small.yaml", lambda c: c["experiments"]["relu"].update(learning_rate=1.0e-3)):
        jobs = planned_jobs(tiny_run, *studies, study=None)
        assert jobs["train_chunk"] == {"study=small, experiment=relu, chunk=0"}
        assert all(w.startswith("study=small") or w == "" for wildcards in jobs.values() for w in wildcards), jobs
        snakemake(tiny_run, *studies[:1], "--cores", "2", *studies[1:])
    assert _tree(tiny_run, "tiny") == tiny_before
    small_after = _tree(tiny_run, "small")
    assert small_after[Path("train/relu/chunk-0.h5")] != small_before[Path("train/relu/chunk-0.h5")]
    assert small_after[Path("train/tanh/chunk-0.h5")] == small_before[Path("train/tanh/chunk-0.h5")]
    # the tiny study's own command still finds it complete
    assert planned_jobs(tiny_run) == {}


@pytest.mark.slow
def test_reordering_a_configs_keys_reruns_nothing(tiny_run):
    def reverse(value):
        if isinstance(value, dict):
            return {k: reverse(v) for k, v in reversed(list(value.items()))}
        return value

    path = tiny_run / "config" / "tiny.yaml"
    original = path.read_bytes()
    reordered = reverse(load_config(path))
    assert list(reordered) != list(load_config(path)) and list(reordered["estimators"]) != list(load_config(path)["estimators"])
    try:
        path.write_text(yaml.safe_dump(reordered, sort_keys=False))
        assert planned_jobs(tiny_run) == {}
    finally:
        path.write_bytes(original)


@pytest.mark.slow
def test_another_config_of_the_same_name_is_refused_before_any_job(tiny_run):
    (tiny_run / "elsewhere").mkdir(exist_ok=True)
    (tiny_run / "elsewhere" / "tiny.yaml").write_bytes((tiny_run / "config" / "tiny.yaml").read_bytes())
    result = snakemake(tiny_run, "report", "-n", "--cores", "1", "--configfile", "elsewhere/tiny.yaml", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "results/tiny/ holds the study 'tiny' built from config/tiny.yaml" in output
    assert "rule train_chunk" not in output


@pytest.mark.slow
def test_a_study_list_naming_no_config_is_refused(tiny_run):
    result = snakemake(tiny_run, "studies", "-n", "--cores", "1", "--config", "studies=[tiny, nosuch]", check=False)
    assert result.returncode != 0 and "studies: 'nosuch' names no config file" in result.stdout + result.stderr
    result = snakemake(tiny_run, "studies", "-n", "--cores", "1", "--config", "studies=[tiny]", "seeds=3", check=False)
    assert result.returncode != 0 and "--config seeds: with studies=[...] every study keeps its own config" in result.stdout + result.stderr
