"""Weights of every epoch (record.keep_weights) and activations recomputed from them: equal to
what the recorder wrote at every recorded epoch, for the mlp and cnn families, with batch norm
and dropout, float16 storage and a diverged seed; the disk budget counts the kept weights."""

from __future__ import annotations

import numpy as np
import pytest

from infoplane.recording import read_activations, read_info, read_parameters
from infoplane.replay import Replay
from infoplane.training import train_ensemble


def settings(**changes) -> dict:
    base = dict(
        model={"family": "mlp", "hidden_widths": [8, 5]}, activation="tanh", init="glorot_uniform", optimizer="adam",
        learning_rate=1e-2, batch_size=32, epochs=7, train_fraction=0.75, split_seed=0,
        record={"schedule": "every", "step": 3, "keep_weights": True},
    )  # fmt: skip
    base.update(changes)
    return base


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    inputs = rng.random((96, 1, 6, 6)).astype(np.float32)
    labels = (inputs.reshape(96, -1).mean(1) > 0.5).astype(np.int64)
    return inputs, labels


CASES = {
    "mlp": {},
    "mlp, batch norm, dropout, probe subset": dict(batch_norm=True, dropout=0.2,
                                                   record={"schedule": "every", "step": 3, "keep_weights": True,
                                                           "probe": "train", "probe_size": 40}),
    "cnn, float16": dict(model={"family": "cnn", "channels": [3], "kernel_size": 3, "padding": 1, "pool": 2, "hidden_widths": [6]},
                         activation="relu",
                         record={"schedule": "every", "step": 3, "keep_weights": True, "precision": "float16"}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_replayed_activations_equal_the_recorded_ones_at_every_recorded_epoch(data, tmp_path, case):
    inputs, labels = data
    path = train_ensemble(inputs, labels, [1, 2], settings(**CASES[case]), tmp_path / "chunk.h5", progress=False)
    info = read_info(path)
    assert list(info.epochs) == [0, 3, 6, 7]
    replay = Replay(path, inputs)
    for index, epoch in enumerate(info.epochs):
        again = replay.activations(int(epoch))
        for layer, values in enumerate(again, start=1):
            np.testing.assert_array_equal(values, read_activations(path, layer, [index])[0])
    between = replay.activations(4)  # an epoch the schedule did not record
    assert np.isfinite(between[0]).all() and not np.array_equal(between[0], replay.activations(3)[0])
    state = read_parameters(path, 7)
    assert all(v.shape[0] == 2 and v.dtype == np.float32 for v in state.values())


@pytest.mark.parametrize("engine", ["torch", "fused"])
def test_replay_takes_the_forward_pass_training_took(data, tmp_path, engine):
    # the compiled and the autograd forward passes differ by rounding (about 1e-6): a chunk
    # records which evaluated it, and the replay takes that one (a review found a torch-engine
    # chunk replayed through the compiled pass)
    inputs, labels = data
    path = train_ensemble(inputs, labels, [1, 2], settings(), tmp_path / "chunk.h5", progress=False, engine=engine)
    assert read_info(path).attrs["engine"] == engine
    replay = Replay(path, inputs)
    for index, epoch in enumerate(read_info(path).epochs):
        for layer, values in enumerate(replay.activations(int(epoch)), start=1):
            np.testing.assert_array_equal(values, read_activations(path, layer, [index])[0])


def test_a_diverged_seed_replays_as_nan_from_its_divergence_epoch(data, tmp_path):
    inputs, labels = data
    path = train_ensemble(inputs, labels, [1, 2], settings(learning_rate=1e38, optimizer="sgd"), tmp_path / "d.h5",
                          progress=False)  # fmt: skip
    info = read_info(path)
    from infoplane.recording import read_status

    assert list(read_status(path)["diverged_epoch"]) == [1, 1]
    assert np.isnan(Replay(path, inputs).activations(3)[0]).all() and np.isfinite(Replay(path, inputs).activations(0)[0]).all()
    replay = Replay(path, inputs)
    for index, epoch in enumerate(info.epochs):
        np.testing.assert_array_equal(replay.activations(int(epoch))[0], read_activations(path, 1, [index])[0])


def test_a_chunk_without_kept_weights_and_a_wrong_dataset_are_named(data, tmp_path):
    inputs, labels = data
    plain = train_ensemble(inputs, labels, [1], settings(record={"schedule": "every", "step": 3}), tmp_path / "p.h5",
                           progress=False)  # fmt: skip
    with pytest.raises(KeyError, match="keep_weights"):
        Replay(plain, inputs)
    kept = train_ensemble(inputs, labels, [1], settings(), tmp_path / "k.h5", progress=False)
    with pytest.raises(ValueError, match="inputs have 95 rows"):
        Replay(kept, inputs[:95])
    with pytest.raises(IndexError, match="outside the kept epochs 0 … 7"):
        Replay(kept, inputs).activations(8)


def test_the_disk_budget_counts_the_kept_weights():
    from conftest import ROOT
    from infoplane.config import ConfigError, activation_dump_bytes, load_config, validate_config

    config = load_config(ROOT / "config" / "tiny.yaml")
    config["training"]["record"] = {**config["training"]["record"], "keep_weights": True}
    checked = validate_config(load_config(ROOT / "config" / "tiny.yaml") | {"training": config["training"]})
    total, product = activation_dump_bytes(checked, "tanh")
    # [ST17]'s network 12-10-7-5-4-3-2: 263 weights and 31 biases per seed, 31 epochs x 4 seeds x 4 bytes
    assert "31 epochs x 4 seeds x 294 kept parameters x 4 bytes" in product
    config["training"]["record"]["disk_budget_gb"] = total / 1e9 * 0.99
    with pytest.raises(ConfigError, match="kept parameters"):
        validate_config(config)


def test_air_takes_truly_consecutive_epochs_from_the_kept_weights(data, tmp_path):
    """With kept weights, AIR's window ending at a recorded epoch is that epoch and the W - 1
    before it, replayed, not the W - 1 recorded epochs before it."""
    from infoplane.estimation import information_table
    from infoplane.estimators import air

    inputs, labels = data
    path = train_ensemble(inputs, labels, [1, 2], settings(epochs=12, record={"schedule": "every", "step": 4, "keep_weights": True}),
                          tmp_path / "air.h5", progress=False)  # fmt: skip
    params = {"window": 3, "base": "binning", "n_bins": 10}
    replayed = information_table([path], "air", {"a": params}, experiment="e", shaped_inputs=inputs)
    recorded = information_table([path], "air", {"a": params}, experiment="e")
    assert sorted(replayed["epoch"].unique()) == [4, 8, 12]  # every recorded epoch >= W - 1
    assert sorted(recorded["epoch"].unique()) == [8, 12]  # windows of recorded epochs 0, 4, 8 and 4, 8, 12
    replay = Replay(path, inputs)
    info = read_info(path)
    window = np.stack([replay.activations(e)[0] for e in (6, 7, 8)])  # layer 1, epochs 6-8: [W, S, N, d]
    xt, ty = air.information_plane(np.swapaxes(window, 0, 1), info.labels, window=3, base="binning", n_bins=10)
    row = replayed[(replayed["epoch"] == 8) & (replayed["layer"] == 1)].sort_values("seed")
    np.testing.assert_allclose(row["I_XT_bits"], np.asarray(xt).reshape(-1), atol=1e-9)
    np.testing.assert_allclose(row["I_TY_bits"], np.asarray(ty).reshape(-1), atol=1e-9)
    assert not np.allclose(row["I_XT_bits"], recorded[(recorded["epoch"] == 8) & (recorded["layer"] == 1)].sort_values("seed")["I_XT_bits"])


def test_a_seed_beyond_float16_at_initialisation_replays_and_skips_as_the_recorder_has_it(data, tmp_path):
    """A linear network whose seed 1 starts with huge weights: its float16 activations overflow
    at the initial evaluation, so the recorder marks it diverged (epoch 1) with NaN from epoch 0;
    the replay gives the same, and a skipping job leaves the seed out instead of failing."""
    import torch

    from infoplane.recording import read_status
    from infoplane.skipping.estimation import skipped_table
    from infoplane.training import EnsembleTrainer, record_training

    inputs, labels = data
    chosen = settings(activation="linear", record={"schedule": "every", "step": 3, "keep_weights": True, "precision": "float16"})
    trainer = EnsembleTrainer(inputs, labels, [1, 2], chosen)
    with torch.no_grad():
        trainer.model.weights[0][0].mul_(1e6)
    path = record_training(trainer, trainer.settings, tmp_path / "big.h5", progress=False)
    assert list(read_status(path)["diverged_epoch"]) == [1, -1]
    replay = Replay(path, inputs)
    info = read_info(path)
    for index, epoch in enumerate(info.epochs):
        np.testing.assert_array_equal(replay.activations(int(epoch))[0], read_activations(path, 1, [index])[0])
    table = skipped_table([path], "binning", {"b": {"n_bins": 10}}, {"method": "delta_exact", "delta": 0.1, "multiplier": 2,
                          "normalise": False}, experiment="e", shaped_inputs=inputs)  # fmt: skip
    assert set(table["seed"]) == {2}
    state = trainer.network_state()
    trainer.model.weights[0].data.zero_()
    assert np.abs(state["weights.0"]).max() > 0  # a copy, not a view of the live weights


def test_with_kept_weights_the_air_window_is_checked_against_every_epoch():
    from conftest import ROOT
    from infoplane.config import ConfigError, load_config, validate_config

    config = load_config(ROOT / "config" / "tiny.yaml")
    config["estimators"] = {"air": {"estimator": "air", "params": {"window": 12, "base": "binning", "n_bins": 30}}}
    config["training"]["record"] = {"schedule": "every", "step": 4}  # 9 recorded epochs of 30
    with pytest.raises(ConfigError, match="window = 12 pools 12 consecutive recorded epochs, the experiment records"):
        validate_config(config)
    config["training"]["record"]["keep_weights"] = True  # windows replayed from the 31 kept epochs
    validate_config(config)
