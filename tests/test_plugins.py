"""A study's own model family and dataset source, each one module outside the package, run
through a real Snakemake run to the PDF without editing any other file; a plugin edit reruns
exactly the jobs that import it; bad plugin files are refused naming the key."""

import textwrap

import pytest
import yaml
from conftest import ROOT, copy_workflow, snakemake

from infoplane.config import ConfigError, load_config, validate_config

FAMILY = '''
"""tinynet: one hidden layer, written from scratch as a user would."""
import math

import torch
from torch import nn

from infoplane import families
from infoplane.params import Parameter

SOURCE = "a test of the plugin mechanism"
DESCRIPTION = "a one-hidden-layer test network"
RECORDED = "The hidden layer's T is its activation's output."
PARAMETERS = (Parameter("width", "integer", 6, "hidden units", minimum=1),)
REGULARISERS = ()
INPUT_RANK = None


def layer_shapes(input_shape, n_outputs, params):
    return [(params["width"],), (n_outputs,)]


def cost(input_shape, n_outputs, params):
    weights = math.prod(input_shape) * params["width"] + params["width"] * n_outputs
    return {"parameters": weights + params["width"] + n_outputs, "flops": 2 * weights}


class Tiny(nn.Module):
    def __init__(self, seeds, d, width, n_outputs, activation):
        super().__init__()
        from infoplane.choices import ACTIVATIONS

        self.seeds, self.act = list(seeds), ACTIVATIONS[activation].apply
        generators = [torch.Generator().manual_seed(s) for s in self.seeds]
        self.weights = nn.ParameterList([
            nn.Parameter(torch.stack([torch.randn(width, d, generator=g) / math.sqrt(d) for g in generators])),
            nn.Parameter(torch.stack([torch.randn(n_outputs, width, generator=g) / math.sqrt(width) for g in generators])),
        ])
        self.n_layers = 2

    def layer_outputs(self, x):
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(len(self.seeds), -1, -1)
        hidden = self.act(x @ self.weights[0].transpose(1, 2))
        return [hidden, hidden @ self.weights[1].transpose(1, 2)]

    def training_inputs(self, x):
        return x.reshape(len(x), -1)

    def training_outputs(self, stored, index):
        return self.layer_outputs(stored[index])[-1].transpose(1, 2)


def build(seeds, input_shape, n_outputs, params, *, activation, init, dropout=0.0, batch_norm=False):
    return Tiny(seeds, math.prod(input_shape), params["width"], n_outputs, activation)


def single(seed, input_shape, n_outputs, params, **choices):
    raise NotImplementedError("no plain per-seed version of this test family")


families.register("tinynet", __name__)
'''

DATASET = '''
"""parity: all inputs of a few bits, labelled by the parity of the first three."""
import itertools

import numpy as np

from infoplane import datasets
from infoplane.datasets.base import Arrays
from infoplane.params import Parameter

NAME = "parity"
DESCRIPTION = "every pattern of a few bits, labelled by the parity of the first three"
SOURCE = "a test of the plugin mechanism"
PARAMETERS = (Parameter("bits", "integer", 8, "input bits", minimum=3, maximum=12),)


def layout(spec):
    return 2 ** spec["bits"], 2, None


def input_shape(spec):
    return (spec["bits"],)


def files(spec):
    return []


def missing(spec, key=""):
    return None


def read(spec, paths, log):
    x = np.array(list(itertools.product([0, 1], repeat=spec["bits"])), dtype=np.float32)
    return Arrays(x, (x[:, :3].sum(1) % 2).astype(np.int64), (spec["bits"],))


def describe(spec):
    return f"{spec['bits']}-bit parity patterns (a plugin)"


datasets.register("parity", __name__)
'''


def _plugin_config(workdir):
    (workdir / "plugins").mkdir()
    (workdir / "plugins" / "tinynet.py").write_text(textwrap.dedent(FAMILY))
    (workdir / "plugins" / "parity.py").write_text(textwrap.dedent(DATASET))
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["plugins"] = ["plugins/tinynet.py", "plugins/parity.py"]
    config["datasets"] = {"parity": {"builtin": "parity", "bits": 8}}
    config["training"].update(dataset="parity", model={"family": "tinynet", "width": 5}, batch_size=64, epochs=20)
    del config["training"]["hidden_widths"]
    config["estimators"] = {name: config["estimators"][name] for name in ("binning", "kde_upper")}
    config["validation"].update(n_samples=[64], repeats=1, dims=[1], estimators=["binning", "kde_upper"])
    (workdir / "config" / "plugins.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return config


@pytest.mark.slow
@pytest.mark.long
def test_a_family_and_a_dataset_from_plugin_files_run_to_the_report(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    _plugin_config(workdir)
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/plugins.yaml")
    tex = (workdir / "results" / "plugins" / "report" / "report.tex").read_text()
    assert "Networks: a one-hidden-layer test network (tinynet)" in tex and "8-bit parity patterns (a plugin)" in tex
    assert "width = 5" in tex and "8-5-2" in tex  # the set-up table's network and layer widths
    assert (workdir / "results" / "plugins" / "report" / "report.pdf").stat().st_size > 10_000
    rerun = snakemake(workdir, "report", "-n", "--cores", "2", "--configfile", "config/plugins.yaml").stdout
    assert "Nothing to be done" in rerun
    family = workdir / "plugins" / "tinynet.py"
    family.write_text(family.read_text() + "\n# edited\n")
    rerun = snakemake(workdir, "report", "-n", "--cores", "2", "--configfile", "config/plugins.yaml").stdout
    assert "rule train_chunk:" in rerun and "rule dataset:" not in rerun


def test_bad_plugin_files_are_refused_naming_the_key(tmp_path):
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["plugins"] = [str(tmp_path / "missing.py")]
    with pytest.raises(ConfigError, match=r"plugins\[0\]: .*missing.py: no such file"):
        validate_config(config)
    broken = tmp_path / "broken.py"
    broken.write_text("from infoplane import families\nfamilies.register('mlp', __name__)\n")
    config["plugins"] = [str(broken)]
    with pytest.raises(ConfigError, match=r"plugins\[0\]: .*broken.py: importing it failed: ValueError: model family 'mlp' "
                                          r"\(.*\) does not declare \['PARAMETERS'"):
        validate_config(config)


def test_a_recording_of_an_activation_this_process_has_not_registered_is_checked_by_its_stored_range(tmp_path):
    import h5py
    import numpy as np

    from infoplane import recording
    from infoplane.datasets import load_dataset
    from infoplane.training import train_ensemble

    settings = {"hidden_widths": [4, 3], "activation": "tanh", "init": "st17", "optimizer": "adam", "learning_rate": 1e-3,
                "batch_size": 512, "epochs": 2, "train_fraction": 0.8, "split_seed": 0, "record": {"schedule": "every", "step": 1}}  # fmt: skip
    path = train_ensemble(*load_dataset("tishby"), [0], settings, tmp_path / "run.h5", progress=False)
    with h5py.File(path, "r+") as f:
        assert f.attrs["activation_range"].decode() == "[-1.0, 1.0]"
        f.attrs["activation"] = np.bytes_(b"plugin_act")  # a plugin's name: not registered here
    assert recording.read_activations(path, 1).shape == (3, 1, 4096, 4)  # checked against [-1, 1]
    with h5py.File(path, "r+") as f:
        f.attrs["activation_range"] = np.bytes_(b"[0.0, 1.0]")  # tanh's negative values fall outside
    with pytest.raises(recording.DamagedRecordingError, match=r"values outside \[0, 1\], the range of plugin_act"):
        recording.read_activations(path, 1)
