"""Shared fixtures: paths, the optional ../shared material, and one real run of the tiny workflow."""

from __future__ import annotations

import os
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
WORKFLOW_PARTS = ("Snakefile", "workflow", "src", "config", "report", "envs")


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


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A copy of the workflow in which `snakemake --cores 2 --configfile config/tiny.yaml report` has run."""
    if shutil.which("latexmk") is None:
        pytest.fail("latexmk is not installed: run the tests through `make test`, which installs LaTeX")
    workdir = copy_workflow(tmp_path_factory.mktemp("tiny_workflow"))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/tiny.yaml")
    return workdir
