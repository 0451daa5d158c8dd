"""Model families and named choices: the registries, seed independence of every family's
ensemble (dropout and batch norm included), every optimiser against a lone network, divergence
per family, and the config check of models and choices."""

import copy

import numpy as np
import pytest
import torch

from infoplane import baselines, families
from infoplane.choices import ACTIVATIONS, OPTIMIZERS, REGULARISERS
from infoplane.config import ConfigError, experiment, validate_config
from infoplane.settings import resolve
from infoplane.training import EnsembleTrainer

BASE = {
    "activation": "relu", "init": "glorot_uniform", "optimizer": "adam", "learning_rate": 1e-3, "batch_size": 32,
    "epochs": 1, "train_fraction": 0.75, "split_seed": 0, "record": {"schedule": "every", "step": 1},
}  # fmt: skip
MODELS = {
    "mlp": {"family": "mlp", "hidden_widths": [16, 8]},
    "cnn": {"family": "cnn", "channels": [4, 6], "kernel_size": 3, "padding": 1, "pool": 2, "hidden_widths": [12]},
}


def _data(family, n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1, 8, 8)).astype(np.float32)
    y = (x[:, 0, :4].sum((1, 2)) > x[:, 0, 4:].sum((1, 2))).astype(np.int64) + 2 * (x[:, 0, :, :4].mean((1, 2)) > 0)
    return (x.reshape(n, -1) if family == "mlp" else x), y


def _trainer(family, seeds, **settings):
    x, y = _data(family)
    return EnsembleTrainer(x, y, seeds, {**BASE, "model": MODELS[family], **settings})


def _steps(trainer, n):
    """Train ``n`` mini-batch steps (whole epochs of 6 batches, then the rest is left out)."""
    while trainer.epoch * trainer.n_batches_per_epoch < n:
        trainer.train_epoch()


@pytest.mark.parametrize("family", sorted(MODELS))
def test_a_seed_trains_alike_in_a_chunk_of_three_and_alone_with_dropout_and_batch_norm(family):
    chunk = _trainer(family, [4, 5, 6], dropout=0.3, batch_norm=True, optimizer="momentum")
    alone = _trainer(family, [5], dropout=0.3, batch_norm=True, optimizer="momentum")
    assert chunk.n_batches_per_epoch == 6
    _steps(chunk, 50), _steps(alone, 50)
    for a, b in zip(chunk._params, alone._params):  # parameters and batch norm's running averages
        torch.testing.assert_close(a[1], b[0], rtol=1e-5, atol=1e-7)
    together, _, _ = chunk.evaluate()
    single, _, _ = alone.evaluate()
    for a, b in zip(together, single):
        np.testing.assert_allclose(a[1], b[0], rtol=1e-4, atol=1e-5)
    # dropout and batch norm did act: without them the weights differ
    plain = _trainer(family, [5], optimizer="momentum")
    _steps(plain, 50)
    assert not torch.allclose(plain.model.weights[0], alone.model.weights[0], atol=1e-4)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("family", sorted(MODELS))
def test_every_optimiser_trains_each_seed_like_a_lone_plain_network(family, optimizer):
    x, y = _data(family)
    settings = {**BASE, "model": MODELS[family], "optimizer": optimizer, "weight_decay": 1e-3, "epochs": 3,
                "learning_rate": 0.05 if optimizer in ("sgd", "momentum", "nesterov") else 1e-3}  # fmt: skip
    trainer = EnsembleTrainer(x, y, [2, 3], settings)
    for _ in range(3):
        trainer.train_epoch()
    outputs = trainer.evaluate()[0][-1]  # softmax [S, P, C]
    for s, seed in enumerate([2, 3]):
        net = baselines.train_single(x, y, seed, settings)
        net.eval()
        with torch.no_grad():
            expected = torch.softmax(net(torch.from_numpy(x)), -1).numpy()
        np.testing.assert_allclose(outputs[s], expected, atol=2e-5)


def test_the_plain_cnn_is_the_ensembles_seed():
    x, _ = _data("cnn")
    model = resolve({**BASE, "model": MODELS["cnn"]})["model"]
    ensemble = families.build(model, [0, 1, 2], (1, 8, 8), 4, activation="tanh", init="st17").eval()
    outputs = ensemble.layer_outputs(torch.from_numpy(x))
    assert [tuple(o.shape) for o in outputs] == [(3, 256, 64), (3, 256, 24), (3, 256, 12), (3, 256, 4)]
    assert families.layer_widths(model, (1, 8, 8), 4) == [64, 24, 12, 4]  # 4 x 4 x 4, 6 x 2 x 2 after pooling
    for s in range(3):
        net = families.single(model, s, (1, 8, 8), 4, activation="tanh", init="st17").eval()
        with torch.no_grad():
            torch.testing.assert_close(outputs[-1][s], net(torch.from_numpy(x)), rtol=0, atol=1e-5)
            torch.testing.assert_close(outputs[0][s], net[:3](torch.from_numpy(x)).flatten(1), rtol=0, atol=1e-5)


@pytest.mark.parametrize("family", sorted(MODELS))
def test_a_diverged_seed_is_frozen_and_the_others_train_on_untouched(family):
    chunk = _trainer(family, [0, 1], batch_norm=True)
    alone = _trainer(family, [0], batch_norm=True)
    chunk.train_epoch(), alone.train_epoch()
    with torch.no_grad():
        chunk.model.weights[0][1].fill_(float("nan"))  # seed 1 breaks after epoch 1
    for _ in range(2):
        chunk.train_epoch(), alone.train_epoch()
    assert chunk.diverged_epoch.tolist() == [-1, 2] and chunk.alive.tolist() == [True, False]
    for p in chunk._params:
        assert torch.isfinite(p).all() and not p[1].any()  # zeroed, finite, frozen
    for a, b in zip(chunk._params, alone._params):
        torch.testing.assert_close(a[0], b[0], rtol=1e-5, atol=1e-7)
    activations, metrics, _, _ = chunk.mask_diverged(*chunk.evaluate()[:2], None, np.zeros((2, 1)))
    assert all(np.isnan(a[1]).all() and np.isfinite(a[0]).all() for a in activations)


def test_declared_ranges_and_the_schema_come_from_the_declarations():
    from infoplane.config import load_schema

    settings = load_schema()["$defs"]["settings"]["properties"]
    assert settings["activation"]["enum"] == list(ACTIVATIONS)
    assert settings["optimizer"]["enum"] == list(OPTIMIZERS) and {"sgd", "momentum", "nesterov", "adam", "rmsprop"} <= set(OPTIMIZERS)
    assert settings["model"]["properties"]["family"]["enum"] == sorted(families.REGISTRY)
    assert set(REGULARISERS) <= set(settings) and settings["batch_norm"]["type"] == "boolean"
    x = torch.linspace(-30, 30, 2001)
    for activation in ACTIVATIONS.values():
        values = activation.apply(x)
        assert activation.low is None or values.min() >= activation.low
        assert activation.high is None or values.max() <= activation.high


@pytest.fixture(scope="module")
def tiny_config():
    from conftest import ROOT

    from infoplane.config import load_config

    return load_config(ROOT / "config" / "tiny.yaml")


def _config(tiny_config, **training):
    config = copy.deepcopy(tiny_config)
    if "model" in training:
        del config["training"]["hidden_widths"]
    config["training"].update(training)
    return config


@pytest.mark.parametrize("change,message", [
    ({"model": {"family": "cnn"}}, r"training\.model\.family: 'cnn' takes inputs of rank 3 per row, but dataset 'tishby' has inputs of shape \[12\]"),
    ({"model": {"family": "resnet"}}, r"model\.family: 'resnet' is not one of"),
    ({"model": {"family": "mlp", "hidden_widths": [10, 0]}}, r"training\.model: hidden_widths must be >= 1, got 0"),
    ({"model": {"family": "mlp", "depth": 3}}, r"training\.model: unknown parameter\(s\) \['depth'\]"),
    ({"optimizer": "momentum", "optimizer_params": {"momentum": 1.5}}, r"training\.optimizer_params \(momentum\): momentum must be <= "),
    ({"optimizer_params": {"momentum": 0.9}}, r"training\.optimizer_params \(adam\): unknown parameter\(s\) \['momentum'\]"),
    ({"dropout": 1.0}, r"dropout: 1\.0 is greater than the maximum of 0\.95"),
    ({"optimizer": "adagrad"}, r"training\.optimizer: 'adagrad' is not one of"),
])  # fmt: skip
def test_bad_models_and_choices_are_refused_naming_the_key(tiny_config, change, message):
    with pytest.raises(ConfigError, match=message):
        validate_config(_config(tiny_config, **change))


def test_hidden_widths_is_the_mlp_family_and_experiments_merge_their_model(tiny_config):
    config = _config(tiny_config)
    config["experiments"]["wide"] = {"model": {"hidden_widths": [20, 10]}, "dropout": 0.2}
    config["experiments"]["other"] = {"model": {"family": "mlp", "hidden_widths": [5]}, "optimizer": "rmsprop"}
    config = validate_config(config)
    assert experiment(config, "tanh").settings["model"] == {"family": "mlp", "hidden_widths": [10, 7, 5, 4, 3]}
    wide = experiment(config, "wide").settings
    assert wide["model"]["hidden_widths"] == [20, 10] and wide["dropout"] == 0.2 and wide["batch_norm"] is False
    assert experiment(config, "other").settings["optimizer_params"] == {"alpha": 0.99, "eps": 1e-8, "momentum": 0.0}


def test_the_tanh_activation_is_tanh_to_float32_precision_and_stays_in_its_range():
    # the tanh activation is 2 sigmoid(2x) - 1 (infoplane.choices._tanh: torch.tanh is 10x slower on
    # the reference CPU); its values and gradient against float64 tanh
    x = torch.cat([torch.linspace(-30, 30, 600001), torch.logspace(-30, 1, 20001), -torch.logspace(-30, 1, 20001),
                   torch.tensor([0.0, float("inf"), -float("inf")])])  # fmt: skip
    y = ACTIVATIONS["tanh"].apply(x)
    assert y.dtype == torch.float32 and float(y.min()) == -1.0 and float(y.max()) == 1.0
    assert float((y.double() - torch.tanh(x.double())).abs().max()) < 2e-7
    assert torch.isnan(ACTIVATIONS["tanh"].apply(torch.tensor([float("nan")]))).all()
    a = torch.randn(64, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(ACTIVATIONS["tanh"].apply, (a,))
    b = torch.randn(1000, requires_grad=True)
    ACTIVATIONS["tanh"].apply(b).sum().backward()
    torch.testing.assert_close(b.grad, 1 - torch.tanh(b.detach()) ** 2, atol=4e-7, rtol=0)
