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


#: Import name -> PyPI name, where they differ.
_DISTRIBUTION = {"yaml": "pyyaml", "sklearn": "scikit-learn"}


def _imports(path):
    """Top-level names of every module imported anywhere in a file (function bodies included)."""
    import ast

    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: a module of the package
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                parts = (node.module or "").split(".") if node.module else []
                target = base.joinpath(*parts)
                names.update(f"infoplane:{target}/{alias.name}" for alias in node.names)
                names.add(f"infoplane:{target}")
            else:
                names.add(node.module)
    return names


def _third_party_closure(script):
    import sys

    package = ROOT / "src" / "infoplane"
    seen, todo, third_party = set(), [script], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path):
            if name.startswith("infoplane:"):
                target = __import__("pathlib").Path(name.split(":", 1)[1])
                candidates = [target.with_suffix(".py"), target / "__init__.py"]
            elif name.split(".")[0] == "infoplane":
                target = package.joinpath(*name.split(".")[1:])
                candidates = [target.with_suffix(".py"), target / "__init__.py"]
            else:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "snakemake":
                    third_party.add(_DISTRIBUTION.get(top, top))
                continue
            todo.extend(c for c in candidates if c.exists())
    if {package / "estimation.py", package / "validation.py"} & seen:  # they call the registered estimators by name
        for module in (package / "estimators").glob("*.py"):
            if module not in seen:
                third_party |= _third_party_closure(module)
    return third_party


def test_each_conda_environment_has_what_its_scripts_import():
    """Static check: every third-party module a rule's script reaches (through the library,
    lazy imports included) is in that rule's conda environment; from the tables module it
    follows the registry into every estimator."""
    rules_dir = ROOT / "workflow" / "rules"
    checked = 0
    for smk in rules_dir.glob("*.smk"):
        for block in re.split(r"\n(?=rule )", smk.read_text()):
            script = re.search(r'script:\s*\n\s*"(\.\./scripts/\w+\.py)"', block)
            env = re.search(r'conda:\s*\n\s*"(\.\./\.\./envs/\w+\.yaml)"', block)
            if not script:
                continue
            spec = yaml.safe_load((rules_dir / env.group(1)).read_text())
            pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict) and "pip" in d)
            available = {r.split("==")[0].lower() for r in pip}
            needed = _third_party_closure((rules_dir / script.group(1)).resolve())
            missing = needed - available
            assert not missing, f"{env.group(1)} lacks {sorted(missing)} for {script.group(1)}"
            checked += 1
    assert checked >= 9


def test_benchmark_script_runs_on_a_small_size():
    """The benchmarks stay runnable (timings are printed, never asserted: the machine is shared)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "estimators", "--widths", "3", "--layers", "6",
         "--kde-layers", "2", "--repeats", "1"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("binning", "adaptive", "KDE", "noisy", "k-NN", "ensemble"):
        assert name in result.stdout
    assert "machine:" in result.stdout


def test_benchmark_names_what_limits_the_binning_targets():
    """The targets table's 'what limits it' for the two binning estimators: measured shares of
    the sort of row keys and of the equal-mass edges, on layers of the targets' width."""
    import sys

    import numpy as np

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import hard_cases
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 4096)
    layers = np.tanh(rng.normal(size=(2, 4096, 10))).astype(np.float32)
    rows = [{"what": "binning [ST17] 30 bins, N = 4096, d = 10"},
            {"what": "adaptive binning [CHO19], 30 equal-mass bins, N = 4096, d = 10"}, {"what": "ensemble, d = 10"}]
    hard_cases.attach_limits(rows, layers, None, y, 1)
    assert "one sort of the N = 4096 row keys takes" in rows[0]["limit"] and "(2 batched)" in rows[0]["limit"]
    assert "a sort of the 40960 values" in rows[1]["limit"] and "(2 batched)" in rows[1]["limit"] and "limit" not in rows[2]
