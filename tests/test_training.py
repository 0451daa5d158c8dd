"""Ensemble training: determinism, equivalence with per-seed training, HDF5 layout, errors."""

import json

import h5py
import numpy as np
import pytest
import torch

from infoplane import baselines, recording
from infoplane.datasets import load_dataset
from infoplane.families._mlp import EnsembleMLP
from infoplane.training import EnsembleTrainer, resolve_device, train_ensemble

SETTINGS = {
    "hidden_widths": [10, 7, 5, 4, 3], "activation": "tanh", "init": "st17", "optimizer": "adam",
    "learning_rate": 4e-4, "batch_size": 512, "epochs": 6, "train_fraction": 0.8, "split_seed": 0,
    "record": {"schedule": "every", "step": 2},
}  # fmt: skip


@pytest.fixture(scope="module")
def tishby():
    return load_dataset("tishby")


def _arrays(path):
    with h5py.File(path, "r") as f:
        out = {}
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        return out


def test_same_seeds_give_the_same_numbers(tishby, tmp_path):
    a = train_ensemble(*tishby, [3, 4], SETTINGS, tmp_path / "a.h5", progress=False)
    b = train_ensemble(*tishby, [3, 4], SETTINGS, tmp_path / "b.h5", progress=False)
    arrays_a, arrays_b = _arrays(a), _arrays(b)
    assert arrays_a.keys() == arrays_b.keys()
    for key in arrays_a:
        assert np.array_equal(arrays_a[key], arrays_b[key], equal_nan=arrays_a[key].dtype.kind == "f"), key
    c = train_ensemble(*tishby, [5, 6], SETTINGS, tmp_path / "c.h5", progress=False)
    assert not np.array_equal(_arrays(c)["activations/layer_1"], arrays_a["activations/layer_1"])


def test_a_seed_does_not_depend_on_its_chunk(tishby, tmp_path):
    together = _arrays(train_ensemble(*tishby, [0, 1, 2], SETTINGS, tmp_path / "together.h5", progress=False))
    alone = _arrays(train_ensemble(*tishby, [1], SETTINGS, tmp_path / "alone.h5", progress=False))
    for layer in range(1, 7):
        np.testing.assert_allclose(alone[f"activations/layer_{layer}"][:, 0],
                                   together[f"activations/layer_{layer}"][:, 1], rtol=0, atol=1e-5)


@pytest.mark.parametrize("optimizer,activation,init", [("adam", "tanh", "st17"), ("sgd", "relu", "sb18")])
def test_batched_ensemble_trains_each_seed_like_a_lone_network(tishby, tmp_path, optimizer, activation, init):
    settings = {**SETTINGS, "optimizer": optimizer, "activation": activation, "init": init,
                "learning_rate": 0.05 if optimizer == "sgd" else 4e-4, "epochs": 5}
    x, y = tishby
    path = train_ensemble(x, y, [7, 8], settings, tmp_path / "e.h5", progress=False)
    recorded = _arrays(path)
    for s, seed in enumerate([7, 8]):
        net = baselines.train_single(x, y, seed, settings)
        with torch.no_grad():
            probabilities = torch.softmax(net(torch.from_numpy(x)), -1).numpy()
        np.testing.assert_allclose(recorded["activations/layer_6"][-1, s], probabilities, atol=1e-5)


def test_ensemble_forward_equals_per_seed_linear_layers(tishby):
    x, _ = tishby
    model = EnsembleMLP([0, 1, 2], [12, 10, 7, 5, 4, 3, 2], "softplus", "st17")
    out = model(torch.from_numpy(x))
    for s, seed in enumerate([0, 1, 2]):
        net = baselines.single_network(seed, {**SETTINGS, "activation": "softplus"}, (12,), 2)
        torch.testing.assert_close(out[s], net(torch.from_numpy(x)), rtol=0, atol=1e-6)


def test_initialisations_follow_the_papers():
    model = EnsembleMLP(list(range(200)), [12, 400, 10], "tanh", "st17")
    w1, w2 = model.weights[0].detach(), model.weights[1].detach()
    # truncated at 2 sd of 1/sqrt(fan_in); a normal truncated at ±2 sd has sd 0.8796 sd
    assert w1.abs().max() <= 2 / np.sqrt(12) + 1e-6
    assert w1.std().item() == pytest.approx(0.8796 / np.sqrt(12), rel=0.02)
    assert w2.std().item() == pytest.approx(0.8796 / np.sqrt(400), rel=0.02)
    assert (model.biases[0] == 0).all()
    sb18 = EnsembleMLP(list(range(200)), [12, 400, 10], "tanh", "sb18")
    assert sb18.weights[0].detach().std().item() == pytest.approx(0.8796 / np.sqrt(400), rel=0.02)


def test_hdf5_layout(tishby, tmp_path):
    x, y = tishby
    path = train_ensemble(x, y, [0, 1], SETTINGS, tmp_path / "run.h5", experiment="demo", progress=False)
    with h5py.File(path, "r") as f:
        assert f.attrs["format"].decode() == recording.FORMAT and f.attrs["format_version"] == recording.FORMAT_VERSION
        assert f["status/diverged_epoch"][()].tolist() == [-1, -1]
        assert [c.decode() for c in f["status/divergence_cause"][()]] == ["", ""]
        assert f.attrs["experiment"].decode() == "demo"  # fixed-length UTF-8 (recording)
        assert json.loads(f.attrs["settings"])["model"] == {"family": "mlp", "hidden_widths": [10, 7, 5, 4, 3]}
        assert f["epochs"][()].tolist() == [0, 2, 4, 6]
        assert f["seeds"][()].tolist() == [0, 1]
        assert f["widths"][()].tolist() == [12, 10, 7, 5, 4, 3, 2]
        assert f["data/labels"][()].tolist() == y.tolist()
        assert len(f["data/train_index"]) == 3277 and len(f["data/test_index"]) == 819
        for layer, width in enumerate([10, 7, 5, 4, 3, 2], start=1):
            data = f[f"activations/layer_{layer}"]
            assert data.shape == (4, 2, 4096, width) and data.dtype == np.float32
        assert np.allclose(f["activations/layer_6"][()].sum(-1), 1.0, atol=1e-5)  # softmax output
        for name in recording.METRICS:
            assert f[f"metrics/{name}"].shape == (4, 2)
        for name in ("gradients/mean_norm", "gradients/std_norm", "gradients/snr", "weights/norm"):
            assert f[name].shape == (4, 2, 6) and f[name].dtype == np.float64
        assert np.isnan(f["gradients/snr"][0]).all() and np.isfinite(f["gradients/snr"][1:]).all()
        np.testing.assert_allclose(f["gradients/snr"][1:], f["gradients/mean_norm"][1:] / f["gradients/std_norm"][1:])
    info = recording.read_info(path)
    assert info.n_layers == 6 and info.experiment == "demo"
    assert recording.read_activations(path, 3, slice(1, 3)).shape == (2, 2, 4096, 5)


def test_gradient_statistics_match_a_direct_computation(tishby, tmp_path):
    # One seed, SGD, one epoch: recompute each mini-batch gradient with a lone network.
    x, y = tishby
    settings = {**SETTINGS, "optimizer": "sgd", "learning_rate": 0.1, "epochs": 1, "record": {"schedule": "every", "step": 1}}
    path = train_ensemble(x, y, [11], settings, tmp_path / "g.h5", progress=False)
    stats = recording.read_statistics(path)
    net = baselines.single_network(11, SETTINGS, (12,), 2)
    from infoplane.datasets import train_test_split

    train_index, _ = train_test_split(4096, 0.8, 0)
    order = train_index[np.random.default_rng([11, 1]).permutation(len(train_index))]
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    grads = []
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for start in range(0, len(order), 512):
        index = torch.from_numpy(order[start : start + 512])
        loss = torch.nn.functional.cross_entropy(net(xt[index]), yt[index])
        optimizer.zero_grad()
        loss.backward()
        grads.append([m.weight.grad.T.clone().double().numpy() for m in net if isinstance(m, torch.nn.Linear)])
        optimizer.step()
    for layer in range(6):
        g = np.stack([batch[layer] for batch in grads])  # [batches, in, out]
        mean_norm = np.linalg.norm(g.mean(0))
        std_norm = np.linalg.norm(g.std(0))
        assert stats["gradient_mean_norm"][1, 0, layer] == pytest.approx(mean_norm, rel=1e-4)
        assert stats["gradient_std_norm"][1, 0, layer] == pytest.approx(std_norm, rel=1e-4)


def test_existing_file_is_never_overwritten(tishby, tmp_path):
    path = tmp_path / "keep.h5"
    path.write_bytes(b"results of a long run")
    with pytest.raises(FileExistsError, match="keep.h5"):
        train_ensemble(*tishby, [0], SETTINGS, path, progress=False)
    assert path.read_bytes() == b"results of a long run"


def test_a_diverging_seed_is_recorded_not_raised(tishby, tmp_path):
    # A linear network under SGD at learning rate 1e6 overflows in its first epoch.
    settings = {**SETTINGS, "activation": "linear", "optimizer": "sgd", "learning_rate": 1e6}
    path = train_ensemble(*tishby, [0], settings, tmp_path / "nan.h5", progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["nan.h5"]  # written whole, even with every seed diverged
    status = recording.read_status(path)
    assert status["seeds"].tolist() == [0]
    assert status["diverged_epoch"].tolist() == [1]
    assert status["divergence_cause"].tolist() == ["non-finite training loss"]
    stats = recording.read_statistics(path)
    assert np.isfinite(stats["train_loss"][0]).all()  # epoch 0, before training
    for name in (*recording.METRICS, "gradient_mean_norm", "gradient_snr", "weight_norm"):
        assert np.isnan(stats[name][1:]).all(), name  # every recorded epoch from the divergence on
    assert np.isnan(recording.read_activations(path, 1, slice(1, None))).all()


def test_float16_overflow_is_recorded_as_divergence(tishby, tmp_path):
    # Linear network, SGD at learning rate 1: seed 4's activations pass float16's 65504 at epoch 4
    # while still finite. With float16 storage that seed is recorded as diverged there (the run
    # does not stop); float32 stores the same values.
    settings = {**SETTINGS, "activation": "linear", "optimizer": "sgd", "learning_rate": 1.0, "epochs": 6,
                "record": {"schedule": "every", "step": 1, "precision": "float16"}}
    path = train_ensemble(*tishby, [0, 1, 2, 3, 4, 5], settings, tmp_path / "half.h5", progress=False)
    status = recording.read_status(path)
    assert status["diverged_epoch"][4] == 4
    assert "beyond ±65504" in status["divergence_cause"][4] and "float32" in status["divergence_cause"][4]
    half = recording.read_activations(path, 1)  # [epochs, seeds, N, d]
    assert np.isnan(half[4:, 4]).all() and np.isfinite(half[:4, 4]).all()
    assert np.isfinite(half[:, [1, 5]]).all()  # the seeds that stay in range are stored
    settings["record"]["precision"] = "float32"
    full = train_ensemble(*tishby, [4], settings, tmp_path / "full.h5", progress=False)
    assert recording.read_status(full)["diverged_epoch"][0] != 4
    layers = range(1, recording.read_info(full).n_layers + 1)
    assert max(np.abs(recording.read_activations(full, layer)[4, 0]).max() for layer in layers) > 65504


def _inject_inf(monkeypatch, seed_index, at_epoch):
    """Make seed ``seed_index`` non-finite at the start of training epoch ``at_epoch``."""
    original = EnsembleTrainer.train_epoch

    def train_epoch(self, gradient_statistics=False):
        if self.epoch + 1 == at_epoch:
            with torch.no_grad():
                self.model.weights[2][seed_index, 0, 0] = float("inf")
        return original(self, gradient_statistics)

    monkeypatch.setattr(EnsembleTrainer, "train_epoch", train_epoch)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_other_seeds_train_as_if_the_diverged_seed_were_absent(tishby, tmp_path, monkeypatch, optimizer):
    settings = {**SETTINGS, "optimizer": optimizer, "learning_rate": 0.05 if optimizer == "sgd" else 4e-4,
                "record": {"schedule": "every", "step": 1}}
    clean = _arrays(train_ensemble(*tishby, [0, 1, 2], settings, tmp_path / "clean.h5", progress=False))
    alone = _arrays(train_ensemble(*tishby, [0, 2], settings, tmp_path / "alone.h5", progress=False))
    _inject_inf(monkeypatch, seed_index=1, at_epoch=3)
    path = train_ensemble(*tishby, [0, 1, 2], settings, tmp_path / "forced.h5", progress=False)
    forced = _arrays(path)
    status = recording.read_status(path)
    assert status["diverged_epoch"].tolist() == [-1, 3, -1]
    assert status["divergence_cause"].tolist() == ["", "non-finite training loss", ""]
    assert forced["epochs"].tolist() == list(range(7))
    for key, values in forced.items():
        if values.ndim < 2 or key.startswith(("data/", "status/")) or key == "widths":
            continue
        # seeds 0 and 2: bit for bit the run in which seed 1 stayed finite ...
        assert np.array_equal(values[:, [0, 2]], clean[key][:, [0, 2]], equal_nan=True), key
        # ... and, to the tolerance of a different ensemble size, the run without seed 1
        np.testing.assert_allclose(values[:, [0, 2]], alone[key], rtol=1e-4, atol=1e-5, err_msg=key)
        # seed 1: as before until epoch 2, NaN from epoch 3 (its divergence) on
        assert np.array_equal(values[:3, 1], clean[key][:3, 1], equal_nan=True), key
        assert np.isnan(values[3:, 1]).all(), key


def test_full_batch_gradient_descent_has_no_gradient_spread(tishby, tmp_path):
    # batch_size >= n_train: one mini-batch per epoch, so the spread over mini-batches is undefined
    settings = {**SETTINGS, "batch_size": 4096, "epochs": 3, "record": {"schedule": "every", "step": 1}}
    path = train_ensemble(*tishby, [0, 1], settings, tmp_path / "full.h5", progress=False)
    stats = recording.read_statistics(path)
    assert np.isfinite(stats["gradient_mean_norm"][1:]).all() and (stats["gradient_mean_norm"][1:] > 0).all()
    assert np.isnan(stats["gradient_std_norm"]).all() and np.isnan(stats["gradient_snr"]).all()
    assert recording.read_status(path)["diverged_epoch"].tolist() == [-1, -1]
    net = baselines.train_single(*tishby, 1, settings)  # full-batch training equals a lone network's
    with torch.no_grad():
        probabilities = torch.softmax(net(torch.from_numpy(tishby[0])), -1).numpy()
    np.testing.assert_allclose(recording.read_activations(path, 6, [3])[0, 1], probabilities, atol=1e-5)


def test_bad_settings_fail_before_training(tishby, tmp_path):
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'"):
        train_ensemble(*tishby, [0], {**SETTINGS, "optimizer": "adagrad"}, tmp_path / "x.h5")
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        train_ensemble(*tishby, [0], {**SETTINGS, "activation": "gelu"}, tmp_path / "x.h5")
    with pytest.raises(ValueError, match="lack \\['record'\\]"):
        train_ensemble(*tishby, [0], {k: v for k, v in SETTINGS.items() if k != "record"}, tmp_path / "x.h5")
    assert not list(tmp_path.iterdir())


def test_device_selection():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="device 'cuda' requested but .* sees no CUDA device"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        resolve_device("tpu")


# --- the compiled passes of narrow mlp ensembles (infoplane.families._fused_mlp) ---------------

COMPILED = ["tanh", "relu", "sigmoid", "linear", "leaky_relu"]


def _one_batch(trainer, index, alive):
    """Every parameter's gradient of one mini-batch (rows ``index`` [S, B]) on trainer's engine."""
    if trainer.fused is not None:
        finite = trainer.fused.gradients(trainer._x_fused, index, trainer.labels, alive)
    else:
        logits = trainer.model.training_outputs(trainer._x_stored, torch.from_numpy(index))
        per_seed = torch.nn.functional.cross_entropy(logits, torch.from_numpy(trainer.labels[index]), reduction="none").mean(1)
        trainer.optimizer.zero_grad(set_to_none=False)
        torch.where(torch.from_numpy(alive), per_seed, 0.0).sum().backward()
        finite = torch.isfinite(per_seed).numpy()
    return [p.grad.numpy().copy() for p in trainer.model.parameters()], finite


@pytest.mark.parametrize("activation", COMPILED)
def test_compiled_gradients_equal_autograd(tishby, activation):
    x, y = tishby
    settings = {**SETTINGS, "activation": activation}
    torch_path = EnsembleTrainer(x, y, [0, 1, 2, 3], settings, engine="torch")
    fused = EnsembleTrainer(x, y, [0, 1, 2, 3], settings, engine="fused")
    for _ in range(2):  # away from the initial weights
        torch_path.train_epoch()
    with torch.no_grad():
        for p, q in zip(torch_path.model.parameters(), fused.model.parameters()):
            q.copy_(p)
    index = np.random.default_rng(0).choice(torch_path.train_index, size=(4, 300))  # a batch of 300 with repeats
    alive = np.array([True, True, False, True])
    expected, _ = _one_batch(torch_path, index, alive)
    got, finite = _one_batch(fused, index, alive)
    assert finite.all()
    for e, g in zip(expected, got):
        assert np.all(g[2] == 0)  # the seed that is not alive gets no gradient
        np.testing.assert_allclose(g, e, rtol=0, atol=2e-6 * max(np.abs(e).max(), 1e-3))
    # every layer's outputs: the torch forward pass's
    for ours, theirs in zip(fused.fused.outputs(fused._x_fused, np.arange(len(y))), torch_path.model.layer_outputs(torch.from_numpy(x))):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=0, atol=5e-6)


def test_compiled_activations_against_their_definitions():
    from infoplane.families import _fused_mlp

    z = np.concatenate([np.linspace(-20, 20, 400001), np.logspace(-30, 1.3, 20000), -np.logspace(-30, 1.3, 20000)])
    z = z.astype(np.float32)
    z64 = z.astype(np.float64)
    definitions = {"tanh": np.tanh(z64), "sigmoid": 1 / (1 + np.exp(-z64)), "relu": np.maximum(z64, 0),
                   "leaky_relu": np.where(z64 > 0, z64, 0.2 * z64), "linear": z64}  # fmt: skip
    for name, code in _fused_mlp.ACTIVATIONS.items():
        values = z[None].copy()
        _fused_mlp._activate(values, 1, values.shape[1], code)
        error = np.abs(values[0] - definitions[name])
        assert error.max() <= 1.5e-7 * np.maximum(1, np.abs(definitions[name])).max(), name
        if name in ("tanh", "sigmoid"):  # the range the recordings are checked against
            assert np.abs(values).max() <= 1 and (name == "tanh" or values.min() >= 0)
        special = np.array([[np.nan, np.inf, -np.inf, 0.0]], np.float32)
        _fused_mlp._activate(special, 1, 4, code)
        assert np.isnan(special[0, 0]), name  # NaN propagates: the divergence checks see it
        if name == "tanh":
            assert special[0, 1:].tolist() == [1.0, -1.0, 0.0]


def test_compiled_training_follows_autograd_and_marks_divergence(tishby, tmp_path):
    x, y = tishby
    trainers = {e: EnsembleTrainer(x, y, [0, 1], SETTINGS, engine=e) for e in ("torch", "fused")}
    for _ in range(20):
        stats = {e: t.train_epoch(gradient_statistics=True) for e, t in trainers.items()}
    for p, q in zip(trainers["torch"].model.parameters(), trainers["fused"].model.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(stats["fused"]["snr"], stats["torch"]["snr"], rtol=1e-4)
    # a seed whose logits turn NaN is diverged by its training loss, as on the torch path
    fused = trainers["fused"]
    with torch.no_grad():
        fused.model.weights[-1][1, 0, 0] = float("nan")
    fused.train_epoch()
    assert fused.diverged_epoch.tolist() == [-1, 21] and fused.divergence_cause[1] == "non-finite training loss"
    assert all(np.isfinite(p.detach().numpy()).all() for p in fused.model.parameters())


def test_compiled_passes_split_over_threads_give_the_same_numbers(tishby):
    from infoplane.families._fused_mlp import FusedMLP

    x, y = tishby
    trainer = EnsembleTrainer(x, y, [0, 1, 2, 3, 4], SETTINGS, engine="fused")
    index = np.random.default_rng(1).choice(trainer.train_index, size=(5, 512))
    alive = np.ones(5, bool)
    one, _ = _one_batch(trainer, index, alive)
    trainer.fused = FusedMLP(trainer.model.weights, trainer.model.biases, "tanh", threads=2)
    two, _ = _one_batch(trainer, index, alive)
    for a, b in zip(one, two):
        assert np.array_equal(a, b)


def test_engine_choice(tishby):
    x, y = tishby
    assert EnsembleTrainer(x, y, [0], SETTINGS).fused is not None  # auto: the Tishby network compiles
    assert EnsembleTrainer(x, y, [0], SETTINGS, engine="torch").fused is None
    for settings, why in [({**SETTINGS, "activation": "softplus"}, "activation"), ({**SETTINGS, "dropout": 0.2}, "dropout"),
                          ({**SETTINGS, "hidden_widths": [100]}, "width")]:  # fmt: skip
        assert EnsembleTrainer(x, y, [0], settings).fused is None, why  # auto falls back to torch
        with pytest.raises(ValueError, match="engine 'fused'.*no compiled passes"):
            EnsembleTrainer(x, y, [0], settings, engine="fused")
    with pytest.raises(ValueError, match="engine must be one of .* got 'jit'"):
        EnsembleTrainer(x, y, [0], SETTINGS, engine="jit")


@pytest.mark.parametrize("learning_rate, batch_size", [(1e38, 512), (1e37, 512), (1e37, 1000), (3e36, 3276)])
def test_a_loss_past_float32s_range_diverges_its_seed_on_both_engines(tishby, learning_rate, batch_size):
    # SGD at huge learning rates: the logits stay finite for a while; at 1e38 single rows' losses
    # overflow first, below it only their sum over the batch does (over several chunks of the
    # compiled pass at batch sizes above its chunk of 512: a review found both unflagged)
    x, y = tishby
    settings = {**SETTINGS, "optimizer": "sgd", "learning_rate": learning_rate, "batch_size": batch_size}
    diverged = {}
    for engine in ("torch", "fused"):
        trainer = EnsembleTrainer(x, y, [0, 1, 2, 3], settings, engine=engine)
        for _ in range(3):
            trainer.train_epoch()
        diverged[engine] = (trainer.diverged_epoch.tolist(), trainer.divergence_cause)
    assert diverged["fused"] == diverged["torch"]
    assert all(e >= 1 for e in diverged["torch"][0]) and "non-finite training loss" in diverged["torch"][1]
