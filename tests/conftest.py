"""Shared fixtures: paths, the optional ../shared material, and one real run of the tiny workflow."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The project's shared material: ../shared beside the checkout, or INFOPLANE_SHARED.
SHARED = Path(os.environ.get("INFOPLANE_SHARED", ROOT.parent / "shared"))
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

#: What a copy of the workflow needs (the copy lets tests edit code without touching the checkout).
#: What a copied workflow needs; profiles/ because Snakemake reads profiles/default by itself on
#: every run (rerun-incomplete, keep-going), so a test run behaves as a user's.
WORKFLOW_PARTS = ("Snakefile", "workflow", "src", "config", "report", "envs", "profiles")
#: The study of config/tiny.yaml: its results lie under results/tiny/.
TINY = "tiny"


def results(workdir: Path, study: str = TINY) -> Path:
    """A study's results tree in a copy of the workflow."""
    return Path(workdir) / "results" / study


def planned_jobs(workdir: Path, *args: str, study: str | None = TINY) -> dict[str, set[str]]:
    """{rule: set of wildcard strings} that ``snakemake -n *args`` would run (default: the tiny
    study's report). With ``study``, that study's wildcard is left out of the strings (and jobs of
    other studies are kept with theirs)."""
    args = args or ("report", "--configfile", "config/tiny.yaml")
    out = snakemake(workdir, *args[:1], "-n", "--cores", "1", *args[1:]).stdout
    jobs = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", out):
        match = re.match(r"(?:local)?rule (\w+):", block.strip())
        if not match:
            continue
        found = re.search(r"wildcards: (.*)", block)
        wildcards = found.group(1) if found else ""
        if study is not None:
            wildcards = re.sub(rf"^study={re.escape(study)}(, )?", "", wildcards)
        jobs.setdefault(match.group(1), set()).add(wildcards)
    return jobs


@contextlib.contextmanager
def edited_config(path: Path, edit):
    """The config file ``path`` changed by ``edit(config)`` (a dict) for the ``with`` block, then
    restored byte for byte: what a user does to rerun a study with other settings."""
    import yaml

    from infoplane.config import load_config

    original = Path(path).read_bytes()
    config = load_config(path)
    edit(config)
    Path(path).write_text(yaml.safe_dump(config, sort_keys=False))
    try:
        yield config
    finally:
        Path(path).write_bytes(original)


def reduced_config(path: Path, estimators=("binning", "kde_upper", "kde_lower"), **training) -> Path:
    """Write config/tiny.yaml to ``path`` with only the named estimator entries, a one-point
    validation study (n = 64, d = 1, one repeat) and ``training`` keys changed: a study of every
    rule with about half the tiny study's jobs, for tests of the run itself (faults, locks, SLURM,
    studies side by side) rather than of the estimators."""
    import yaml

    from infoplane.config import load_config

    config = load_config(ROOT / "config" / "tiny.yaml")
    config["estimators"] = {name: config["estimators"][name] for name in estimators}
    config["validation"].update(n_samples=[64], repeats=1, dims=[1])
    config["training"].update(training)
    Path(path).write_text(yaml.safe_dump(config, sort_keys=False))
    return Path(path)


def shared_file(relative: str) -> Path:
    """A file under ../shared, or skip the test when it is absent."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is not present (../shared is optional outside the project's machines)")
    return path


def copy_workflow(destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, destination / part)
    return destination


def snakemake(workdir: Path, *args: str, check: bool = True, timeout: int = 1200) -> subprocess.CompletedProcess:
    """Run the real snakemake CLI in ``workdir``; output captured as text.

    Give targets before ``--configfile``, which takes every following word as a config file.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(SNAKEMAKE), *args], cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env
    )
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def _files_using_tiny_run() -> set[str]:
    """Test files with a test that takes the ``tiny_run`` fixture."""
    pattern = re.compile(r"def test_\w+\([^)]*\btiny_run\b")
    return {p.name for p in Path(__file__).parent.glob("test_*.py") if pattern.search(p.read_text())}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Parallel workers (``make test`` runs ``pytest -n 2 --dist loadfile``): each test file stays
    on one worker (its module-scoped fixtures, e.g. the killed run, are built once), and the files
    whose tests read the tiny study's run share one worker, and so one run of it. (pytest-xdist's
    ``loadgroup`` marks do not work with pytest 9: xdist 3.8 renames ``item._nodeid``, which pytest
    9 no longer reads.)"""
    if config.getvalue("dist") not in ("loadfile", "loadgroup"):
        return None
    from xdist.scheduler import LoadFileScheduling

    together = _files_using_tiny_run()

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tiny_run" if Path(path).name in together else path

    return Scheduling(config, log)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A copy of the workflow in which `snakemake --cores 2 --configfile config/tiny.yaml report` has run."""
    if shutil.which("latexmk") is None:
        pytest.fail("latexmk is not installed: run the tests through `make test`, which installs LaTeX")
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny_workflow"))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/tiny.yaml")
    return workdir
