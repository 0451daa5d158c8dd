"""The config schema and cross-checks: good configs pass, bad ones name the key, before any job."""

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, copy_workflow, snakemake
from infoplane.config import ConfigError, experiment, load_config, validate_config


@pytest.fixture()
def default_config():
    return load_config(ROOT / "config" / "config.yaml")


@pytest.mark.parametrize("name", ["config.yaml", "paper.yaml", "tiny.yaml", "st17.yaml", "sb18.yaml", "mnist.yaml", "mnist_offline.yaml",
                                  "fashion.yaml", "cifar10.yaml", "mnist_cnn.yaml"])
def test_shipped_configs_are_valid(name):
    config = validate_config(load_config(ROOT / "config" / name))
    assert config["device"] in ("cpu", "auto")
    for exp in config["experiments"]:
        assert experiment(config, exp).seeds


def test_default_config_is_the_studied_setup(default_config):
    config = validate_config(default_config)
    assert set(config["experiments"]) == {"tanh", "relu"}
    for name in ("tanh", "relu"):
        e = experiment(config, name)
        assert e.settings["activation"] == name
        assert e.settings["model"] == {"family": "mlp", "hidden_widths": [10, 7, 5, 4, 3]}
        assert e.settings["optimizer"] == "adam" and e.settings["learning_rate"] == 4e-4
        assert e.settings["batch_size"] == 512 and e.settings["epochs"] >= 3000
        assert len(e.seeds) >= 5
    from infoplane import estimators

    methods = {spec["estimator"] for spec in config["estimators"].values()}
    assert methods == set(estimators.REGISTRY)  # every estimator, side by side


def test_paper_config_is_st17_scale():
    config = validate_config(load_config(ROOT / "config" / "paper.yaml"))
    e = experiment(config, "tanh")
    assert len(e.seeds) == 50 and e.settings["epochs"] == 8000


def test_experiment_overrides_and_chunks(default_config):
    config = copy.deepcopy(default_config)
    config["training"]["seeds"] = 7
    config["training"]["chunk_size"] = 3
    config["experiments"]["relu"] = {"activation": "relu", "record": {"points": 10}, "estimators": ["binning"]}
    validate_config(config)
    relu = experiment(config, "relu")
    assert relu.chunks == ((0, 1, 2), (3, 4, 5), (6,))
    assert relu.settings["record"] == {"schedule": "log", "points": 10, "tail": 10}
    assert relu.estimators == ("binning",)
    from infoplane.instances import expand_instances

    assert experiment(config, "tanh").estimators == tuple(expand_instances(config["estimators"]))  # sweeps expanded


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["training"].update(epochs=-5), r"training\.epochs: -5 is less than the minimum of 1"),
        (lambda c: c["experiments"]["tanh"].update(epochs=-5), r"experiments\.tanh\.epochs: -5 is less than"),
        (lambda c: c["experiments"]["relu"].update(activation="gelu"), r"experiments\.relu\.activation: 'gelu' is not one of"),
        (lambda c: c["training"].update(learning_rat=0.1), r"training\.learning_rat: unknown key"),
        (lambda c: c.update(epochs=10), r"epochs: unknown key"),
        (lambda c: c["training"].update(batch_size="big"), r"training\.batch_size: 'big' is not of type 'integer'"),
        (lambda c: c["training"].update(learning_rate="4e-4"), r"write it with a decimal point"),
        (lambda c: c["estimators"].update(ksg={"estimator": "ksg"}), r"estimators\.ksg\.estimator: 'ksg' is not one of"),
        (lambda c: c["estimators"]["kde_upper"]["params"].update(noise_variance=-1), r"estimators\.kde_upper\.params\.noise_variance: -1"),
        (lambda c: c["estimators"]["binning"]["params"].update(bins=3), r"estimators\.binning\.params\.bins: unknown key"),
        (lambda c: c["estimators"]["binning"]["params"].update(bin_size=0.1), r"estimators\.binning\.params: .*not both"),
        (lambda c: c["experiments"]["tanh"].update(dataset="mnist"), r"experiments\.tanh\.dataset: 'mnist' is not defined"),
        (lambda c: c["experiments"]["tanh"].update(estimators=["kde"]), r"experiments\.tanh\.estimators: 'kde' is not defined"),
        (lambda c: c.update(device="gpu"), r"device: 'gpu' does not match"),
        (lambda c: c["experiments"].update({"bad name": {}}), r"experiments: invalid name 'bad name'"),
        # what used to fail only inside a job (claims, k-NN, AIR), refused before any
        (lambda c: c["training"].update(record={"schedule": "every", "step": 10000}),
         r"training\.record: the schedule 'every' \(step 10000\) records 2 epochs of 8000 \(0, 8000\); the claims' "
         r"gradient-SNR change-point needs at least 6 recorded epochs after epoch 0"),
        (lambda c: c["experiments"]["relu"].update(record={"schedule": "every", "step": 2000, "tail": 0}),
         r"experiments\.relu\.record: the schedule 'every' .* records 5 epochs of 8000"),
        (lambda c: c["estimators"]["knn"]["params"].update(k=4096),
         r"estimators\.knn\.params \(instance knn, experiment tanh\): k = 4096 needs more than k probe rows, the experiment records 4096"),
        # an estimator at widths where it no longer means anything: k-NN beyond 64 joint dimensions
        (lambda c: c["experiments"]["tanh"].update(hidden_widths=[60, 7]),
         r"estimators\.knn \(instance knn, experiment tanh\): k-NN \(KSG\) estimates I\(X;T\) in the joint space of the "
         r"inputs \(12 values\) and the layer: with layer 1 \(60 units\) it exceeds 64 dimensions"),
        (lambda c: c["estimators"]["air"]["params"].update(window=48),
         r"estimators\.air\.params \(instance air, experiment tanh\): window = 48 pools 48 consecutive recorded epochs, the "
         r"experiment records 47"),
        # seeds are below 2^32 everywhere; a test set is needed
        (lambda c: c["claims"].update(seed=2**64), r"claims\.seed: 18446744073709551616 is greater than the maximum of 4294967295"),
        (lambda c: c["validation"].update(seed=2**64), r"validation\.seed: 18446744073709551616 is greater than the maximum"),
        (lambda c: c["training"]["record"].update(probe_seed=2**64), r"training\.record\.probe_seed: 18446744073709551616 is greater"),
        (lambda c: c["estimators"]["noisy"]["params"].update(sample_seed=2**32), r"estimators\.noisy\.params\.sample_seed: 4294967296"),
        (lambda c: c["training"].update(train_fraction=1.0),
         r"training\.train_fraction: 1\.0 is greater than or equal to the maximum of 1 \(all inputs for training leave no test set"),
    ],
)
def test_bad_values_are_named(default_config, edit, message):
    config = copy.deepcopy(default_config)
    edit(config)
    with pytest.raises(ConfigError, match=message):
        validate_config(config)


def test_all_problems_are_listed_at_once(default_config):
    config = copy.deepcopy(default_config)
    config["training"]["epochs"] = -1
    config["training"]["seeds"] = 0
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    assert "training.epochs" in str(info.value) and "training.seeds" in str(info.value)


def test_snakemake_stops_before_any_job_on_a_bad_config(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["experiments"]["relu"]["epochs"] = -3
    (workdir / "bad.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(workdir, "report", "--cores", "1", "--configfile", "bad.yaml", check=False)
    assert result.returncode != 0
    assert "experiments.relu.epochs: -3 is less than the minimum of 1" in result.stdout + result.stderr
    assert not (workdir / "results").exists()


def test_a_syntax_error_in_the_embedded_config_names_its_line(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    embedded = workdir / "config" / "config.yaml"
    lines = embedded.read_text().splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("training:")) + 2
    lines[line] = "  activation: [tanh"  # an unclosed bracket
    embedded.write_text("\n".join(lines) + "\n")
    result = snakemake(workdir, "report", "--cores", "1", "-n", check=False)
    assert result.returncode != 0
    assert f"config.yaml, line {line + 2}" in result.stdout + result.stderr, result.stdout + result.stderr
    assert "line" in result.stdout + result.stderr and "not valid YAML" in result.stdout + result.stderr
    assert not (workdir / "results").exists()


@pytest.mark.parametrize("value, shown", [(float("nan"), "nan"), (float("inf"), "inf"), (-float("inf"), "-inf")])
def test_non_finite_numbers_are_refused_naming_the_key(default_config, value, shown):
    # YAML's .nan and .inf pass every JSON-schema bound (comparisons with NaN are false)
    default_config["training"]["learning_rate"] = value
    with pytest.raises(ConfigError, match=rf"training.learning_rate: {shown} is not a finite number"):
        validate_config(default_config)


def test_a_seed_beyond_2_to_the_32_is_refused(default_config):
    default_config["training"]["first_seed"] = 18446744073709551616
    with pytest.raises(ConfigError, match=r"training.first_seed: 18446744073709551616 is greater than the maximum"):
        validate_config(default_config)


def test_a_key_given_twice_is_refused_naming_file_and_line(tmp_path):
    text = (ROOT / "config" / "tiny.yaml").read_text()
    duplicated = text.replace("  relu:\n", "  tanh:\n    activation: relu\n  relu:\n", 1)
    path = tmp_path / "twice.yaml"
    path.write_text(duplicated)
    line = duplicated.splitlines().index("  tanh:", duplicated.splitlines().index("experiments:") + 2) + 1
    with pytest.raises(ConfigError, match=rf"twice.yaml, line {line}: key 'tanh' is given twice in one mapping"):
        load_config(path)


def test_a_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("training:\n  epochs: 30\n  seeds: [1, 2\nestimators: {}\n")
    with pytest.raises(ConfigError, match=r"broken.yaml, line \d+, column \d+: not valid YAML"):
        load_config(path)


def test_snakemake_stops_on_a_duplicated_experiment(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    text = (ROOT / "config" / "tiny.yaml").read_text()
    (workdir / "twice.yaml").write_text(text.replace("  relu:\n", "  tanh:\n    activation: relu\n  relu:\n", 1))
    result = snakemake(workdir, "report", "-n", "--cores", "1", "--configfile", "twice.yaml", check=False)
    assert result.returncode != 0
    assert "key 'tanh' is given twice in one mapping" in result.stdout + result.stderr


def test_the_config_check_names_file_line_and_column(tmp_path):
    # Snakemake 9 parses a --configfile before the workflow and drops the YAML error's position
    import subprocess
    import sys

    broken = tmp_path / "broken.yaml"
    broken.write_text("training:\n  epochs: 30\n  seeds: [1, 2\nestimators: {}\n")
    invalid = tmp_path / "invalid.yaml"
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["training"]["learning_rate"] = float("nan")
    invalid.write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "infoplane.config", "check"]
    tiny = str(ROOT / "config" / "tiny.yaml")
    result = subprocess.run([*command, tiny, str(broken)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{broken}, line 4, column 11: not valid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence that begins at line 3, column 10)",
    ]
    result = subprocess.run([*command, str(invalid)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{invalid}: invalid config:", "  training.learning_rate: nan is not a finite number"]
    # several files are one config, merged in order as --configfile merges them
    override = tmp_path / "override.yaml"
    override.write_text("threads:\n  train: 2\n")
    result = subprocess.run([*command, tiny, str(override)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"{tiny}, {override}: valid"
    override.write_text("training:\n  epochs: -1\n")
    result = subprocess.run([*command, tiny, str(override)], capture_output=True, text=True)
    assert result.returncode == 1 and "training.epochs: -1 is less than the minimum of 1" in result.stderr
    # make check (the install step left out: it is the environment this test runs in)
    if shutil.which("make"):
        result = subprocess.run(["make", "-s", "-o", "install", "check", f"CONFIG={broken}", f"BIN={sys.prefix}/bin"],
                                cwd=ROOT, capture_output=True, text=True)  # fmt: skip
        assert result.returncode != 0 and f"{broken}, line 4, column 11: not valid YAML" in result.stderr


def test_snakemake_names_file_and_line_of_a_key_twice_in_the_embedded_config(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    embedded = workdir / "config" / "config.yaml"
    lines = embedded.read_text().splitlines(keepends=True)
    at = lines.index("training:\n") + 1
    lines.insert(at, "  epochs: 10\n")  # epochs is given again further down
    embedded.write_text("".join(lines))
    result = snakemake(workdir, "report", "-n", "--cores", "1", check=False)
    assert result.returncode != 0
    assert re.search(rf"config/config.yaml, line \d+: key 'epochs' is given twice in one mapping \(first at line {at + 1}\)",
                     result.stdout + result.stderr)  # fmt: skip


@pytest.mark.parametrize("content, message", [
    (None, r"datasets\.tishby\.path: no such file '{path}'"),
    (b"%PDF-1.4 not a MATLAB file", r"datasets\.tishby\.path: {path}: not a readable MATLAB \.mat file"),
    ("nan", r"datasets\.tishby\.path: {path}: the inputs hold 1 non-finite value\(s\) \(NaN or infinity\)"),
    ("shapes", r"datasets\.tishby\.path: {path}: 'y' of shape \(1, 5\) does not match 4 rows of 'F'"),
], ids=["missing", "not MATLAB", "NaN", "mismatched shapes"])  # fmt: skip
def test_the_config_check_reads_a_dataset_file_as_the_workflow_does(tmp_path, content, message):
    import subprocess
    import sys

    import numpy as np
    import scipy.io

    data = tmp_path / "data.mat"
    if content == "nan":
        scipy.io.savemat(data, {"F": np.array([[0.0, np.nan], [1.0, 0.0]]), "y": np.array([[0, 1]])})
    elif content == "shapes":
        scipy.io.savemat(data, {"F": np.zeros((4, 2)), "y": np.zeros((1, 5))})
    elif content is not None:
        data.write_bytes(content)
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["datasets"]["tishby"] = {"path": str(data)}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([sys.executable, "-m", "infoplane.config", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 1 and re.search(message.format(path=re.escape(str(data))), result.stderr), result.stderr


def test_a_binary_config_file_is_named(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "photo.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}: not a text \(UTF-8\) file: byte b'\\x89' at offset 0"):
        load_config(path)
    result = subprocess.run([sys.executable, "-m", "infoplane.config", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr and f"{path}: not a text (UTF-8) file" in result.stderr


def test_readme_option_list_is_what_the_declarations_say(tmp_path):
    """The README's list of families, choices, sources and estimators is generated from their
    declarations; a declaration added or changed without `make readme` fails here."""
    from infoplane import options

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert options.replace_block(readme, options.markdown()) == readme, "README.md is stale: run `make readme`"
    for name in ("`mlp`", "`cnn`", "`rmsprop`", "`glorot_uniform`", "`fashion_mnist`", "`knn`", "`batch_norm`"):
        assert name in readme.split(options.BEGIN)[1].split(options.END)[0]
    path = tmp_path / "README.md"
    path.write_text("no markers here\n")
    with pytest.raises(ValueError, match="options:begin"):
        options.main(["--write", str(path)])
