"""The install path and the conda environments pin the same versions; every rule has log and conda."""

import re

import yaml

from conftest import ROOT


def _constraints():
    pins = {}
    for line in (ROOT / "envs" / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_install_path_pins_torch_cpu_build():
    assert _constraints()["torch"] == "2.13.0"


def test_conda_environments_pin_the_install_path_versions():
    pins = _constraints()
    envs = sorted((ROOT / "envs").glob("*.yaml"))
    assert {e.stem for e in envs} == {"train", "estimate", "plot", "report"}
    for env in envs:
        spec = yaml.safe_load(env.read_text())
        pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d)
        for requirement in pip:
            name, version = requirement.split("==")
            assert pins[name.lower()] == version, f"{env.name}: {requirement} but constraints pin {pins[name.lower()]}"


def test_every_rule_names_a_log_and_a_conda_environment():
    rules = {}
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"\n(?=rule )", smk.read_text()):
            match = re.match(r"rule (\w+):", block)
            if match:
                rules[match.group(1)] = block
    assert len(rules) >= 9
    for name, block in rules.items():
        assert "\n    log:" in block and "\n    conda:" in block, name
        env = re.search(r'conda:\s*\n\s*"\.\./\.\./(envs/\w+\.yaml)"', block).group(1)
        assert (ROOT / env).exists(), (name, env)
