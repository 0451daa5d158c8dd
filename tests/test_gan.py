"""GAN discriminators in the information plane: the GAN trainer's recording against the
definitions (probe, labels, balanced metrics, the generator's loss, samples from the plain
per-seed generator), seed independence, the config's checks, the claim and the curves on
synthetic tables with known answers, and a real Snakemake run of a tiny study to its PDF."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from conftest import ROOT, copy_workflow, results, snakemake
from infoplane import families
from infoplane.claims import check_settings as claim_settings
from infoplane.config import ConfigError, activation_dump_bytes, load_config, validate_config
from infoplane.gan import GENERATED, REAL, check_settings, generator_seed
from infoplane.gan.analysis import CLAIM, discriminator_claims, kept_seeds, training_curves
from infoplane.gan.training import GANTrainer, train_gan
from infoplane.plots.gan import grid_epochs
from infoplane.recording import read_activations, read_info, read_series, read_statistics

SHIPPED = ROOT / "config" / "gan.yaml"


def settings(**changes) -> dict:
    base = dict(
        model={"family": "mlp", "hidden_widths": [6, 4]}, activation="tanh", init="glorot_uniform", optimizer="adam",
        learning_rate=1e-3, batch_size=16, epochs=3, train_fraction=0.75, split_seed=0,
        record={"schedule": "every", "step": 1, "probe": "train"},
    )  # fmt: skip
    base.update(changes)
    return base


GAN = {"generator": {"family": "mlp", "hidden_widths": [5]}, "latent_dim": 3, "samples": 4}


@pytest.fixture(scope="module")
def images():
    """64 random 1 x 3 x 3 images in [0, 1]."""
    return np.random.default_rng(0).random((64, 1, 3, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def recording(images, tmp_path_factory):
    path = tmp_path_factory.mktemp("gan") / "chunk.h5"
    train_gan(images, [3, 7], settings(), GAN, path, experiment="t", progress=False)
    return path


def test_the_probe_is_real_then_generated_images_with_y_real_or_generated(recording):
    info = read_info(recording)
    n_train = 48  # 0.75 of 64
    assert info.n_inputs == 64 + n_train  # the real images, then one generated slot per training image
    assert list(info.widths) == [9, 6, 4, 2]
    assert (info.labels[:n_train] == REAL).all() and (info.labels[n_train:] == GENERATED).all()
    assert (info.probe_index[:n_train] < 64).all() and (info.probe_index[n_train:] >= 64).all()
    status = read_statistics(recording)
    assert status["train_accuracy"].shape == (4, 2)
    assert read_activations(recording, 3, slice(None)).shape == (4, 2, 2 * n_train, 2)


def test_metrics_and_series_are_their_definitions_on_the_recorded_output_layer(recording):
    """With the whole training set as probe, the recorded softmax gives every metric back."""
    info = read_info(recording)
    softmax = read_activations(recording, 3, slice(None)).astype(np.float64)  # [E, S, 2P, 2]
    stats = read_statistics(recording)
    real, fake = info.labels == REAL, info.labels == GENERATED
    correct = softmax.argmax(-1) == info.labels
    cross_entropy = -np.log(np.take_along_axis(softmax, info.labels[None, None, :, None], -1)[..., 0])
    np.testing.assert_allclose(stats["train_accuracy"], correct.mean(-1), atol=1e-6)  # balanced: equal halves
    np.testing.assert_allclose(stats["train_loss"], cross_entropy.mean(-1), rtol=2e-3, atol=2e-4)
    np.testing.assert_allclose(read_series(recording, "real_train_accuracy"), correct[..., real].mean(-1), atol=1e-6)
    np.testing.assert_allclose(read_series(recording, "generated_accuracy"), correct[..., fake].mean(-1), atol=1e-6)
    generator_loss = -np.log(softmax[..., fake, REAL]).mean(-1)  # -log D(G(z)), the non-saturating loss
    np.testing.assert_allclose(read_series(recording, "generator_loss"), generator_loss, rtol=2e-3, atol=2e-4)
    assert np.isfinite(read_series(recording, "real_test_accuracy")).all()


def test_samples_are_the_plain_generator_of_each_seed_on_the_fixed_codes(recording):
    samples = read_series(recording, "samples")
    assert samples.shape == (4, 2, 4, 1, 3, 3) and samples.dtype == np.uint8
    gan = check_settings(GAN)
    codes = np.random.default_rng([0, 5]).standard_normal((48, 3)).astype(np.float32)[:4]
    for s, seed in enumerate([3, 7]):
        network = families.single(gan["generator"], generator_seed(seed), (3,), 9, activation="relu", init="glorot_uniform")
        with torch.no_grad():
            images = torch.sigmoid(network(torch.from_numpy(codes))).numpy()
        np.testing.assert_array_equal(samples[0, s].reshape(4, 9), np.round(images * 255).astype(np.uint8))
    assert not np.array_equal(samples[0], samples[-1])  # the generators moved


def test_a_seed_trains_as_it_would_alone(images, recording, tmp_path):
    alone = tmp_path / "alone.h5"
    train_gan(images, [7], settings(), GAN, alone, experiment="t", progress=False)
    for layer in (1, 3):
        np.testing.assert_allclose(read_activations(alone, layer, slice(None))[:, 0],
                                   read_activations(recording, layer, slice(None))[:, 1], atol=1e-5)  # fmt: skip
    np.testing.assert_array_equal(read_series(alone, "samples")[:, 0], read_series(recording, "samples")[:, 1])


def test_bad_inputs_are_refused_before_training(images):
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*got \[-0.99"):
        GANTrainer(images * 2 - 1, [0], settings(), GAN)
    with pytest.raises(ValueError, match="generator: family 'cnn' takes images"):
        GANTrainer(images, [0], settings(), {**GAN, "generator": {"family": "cnn", "channels": [2]}})
    with pytest.raises(ValueError, match="generator_activation: unknown activation 'swish'"):
        check_settings({"generator_activation": "swish"})


# -- the config ----------------------------------------------------------------------------------------


def tiny_config() -> dict:
    """Two discriminators on the Tishby data, 4 seeds in two chunks: a run of seconds."""
    config = load_config(SHIPPED)
    config["study"] = "gantiny"
    config["datasets"] = {"tishby": {"builtin": "tishby"}}
    config["training"].update(
        dataset="tishby", model={"family": "mlp", "hidden_widths": [10, 7, 5]}, dropout=0.0, learning_rate=1e-3,
        batch_size=128, epochs=12, seeds=4, chunk_size=2, record={"schedule": "every", "step": 2, "probe": "train", "probe_size": 256},
    )  # fmt: skip
    config["gan"].update(generator={"family": "mlp", "hidden_widths": [16]}, latent_dim=4, samples=4)
    config["estimators"]["kde_upper"]["params"]["noise_variance"] = 0.01
    config["estimators"].pop("kde_upper_1")
    config["claims"] = {"resamples": 200}
    config["threads"] = {"train": 1, "estimate": 1}
    config["report"] = {"title": "Tiny GAN study"}
    return config


def test_the_shipped_config_is_valid_and_sized_as_the_discriminator_sees_it():
    config = validate_config(load_config(SHIPPED))
    total, product = activation_dump_bytes(config, "tanh")
    # 31 recorded epochs x 8 seeds x (500 real + 500 generated) rows x (256 + 128 + 64 + 2) units x 2 bytes
    assert total == 31 * 8 * 1000 * 450 * 2, product
    assert config["gan"]["generator"] == {"family": "mlp", "hidden_widths": [128, 256]}
    assert set(config["estimators"]) == {"binning", "kde_upper", "kde_upper_1"}


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["estimators"].update(knn={"estimator": "knn", "params": {"k": 3}}),
         "estimators.knn: method 'knn' pools seeds or epochs or reads the inputs"),
        (lambda c: c["estimators"].update(ens={"estimator": "ensemble", "params": {"base": "binning", "n_bins": 30}}),
         "estimators.ens: method 'ensemble'"),
        (lambda c: c["experiments"]["tanh"].update(batch_norm=True), "experiments.tanh.batch_norm: the discriminator"),
        (lambda c: c["gan"].update(latent_dim=0), "gan.latent_dim"),
        (lambda c: c["training"]["record"].update(keep_weights=True), "experiments.tanh.record.keep_weights: a GAN chunk"),
        (lambda c: c["gan"].update(generator={"family": "mlp", "widths": [3]}), "gan.generator: "),
        (lambda c: c.update(stopping={"estimator": "kde_upper", "betas": [1]}), "stopping: a GAN study"),
    ],
)
def test_a_bad_gan_config_names_the_key(edit, message):
    config = tiny_config()
    edit(config)
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    assert message in str(error.value)


# -- the claim and the curves ---------------------------------------------------------------------------


def information(fall_bits: float, seeds=range(6), epochs=range(0, 22, 2)) -> pd.DataFrame:
    """I(X;T) of two hidden layers rising to 4 bits at epoch 6, then falling by ``fall_bits``
    (layer 1) or staying (layer 2); small seed-to-seed noise; I(T;Y) rising to 1 bit."""
    rng = np.random.default_rng(1)
    rows = []
    for seed in seeds:
        for epoch in epochs:
            for layer in (1, 2, 3):
                rise = min(epoch, 6) / 6 * 4
                fall = fall_bits * max(epoch - 6, 0) / 14 if layer == 1 else 0.0
                rows.append({"estimator": "b", "seed": seed, "epoch": epoch, "layer": layer, "probe_size": 1000,
                             "I_XT_bits": 2 + rise - fall + rng.normal(0, 0.02), "I_TY_bits": min(epoch, 6) / 6})  # fmt: skip
    return pd.DataFrame(rows)


def seeds_table(diverged=()) -> pd.DataFrame:
    return pd.DataFrame({
        "seed": range(6), "diverged_epoch": [4 if s in diverged else pd.NA for s in range(6)],
        "divergence_cause": ["non-finite generator loss" if s in diverged else "" for s in range(6)],
    })  # fmt: skip


SETTINGS = claim_settings({"resamples": 500})


@pytest.mark.parametrize("fall, verdict, layer_1", [(1.0, "confirmed", "confirmed"), (0.0, "refuted", "refuted")])
def test_the_claim_follows_the_fall_of_i_xt_after_its_peak(fall, verdict, layer_1):
    claims, curves = discriminator_claims({"b": information(fall)}, seeds_table(), SETTINGS, "e")
    assert set(claims["claim"]) == {CLAIM}
    hidden = claims[claims["layer"] == "hidden"].iloc[0]
    assert hidden["verdict"] == verdict and hidden["statistic"] == "I_XT_fall_bits"
    row = claims[(claims["layer"] == "1") & (claims["statistic"] == "I_XT_fall_bits")].iloc[0]
    assert row["verdict"] == layer_1
    assert abs(row["estimate"] - fall) < 0.05 and row["ci_low"] <= row["estimate"] <= row["ci_high"]
    peak = claims[(claims["layer"] == "1") & (claims["statistic"] == "I_XT_peak_epoch")].iloc[0]
    assert fall == 0.0 or peak["estimate"] == 6
    assert (claims[(claims["layer"] == "2") & (claims["statistic"] == "I_XT_fall_bits")]["verdict"] == "refuted").all()
    assert set(curves["quantity"]) == {"I_XT", "I_TY"} and (curves["n_seeds"] == 6).all()


def test_a_diverged_seed_is_left_out_and_named_and_too_few_seeds_are_inconclusive():
    claims, _ = discriminator_claims({"b": information(1.0)}, seeds_table(diverged=(2,)), SETTINGS, "e")
    assert (claims["n_seeds"].astype(int) == 5).all()
    kept, listed = kept_seeds(seeds_table(diverged=(2,)))
    assert 2 not in kept and "non-finite generator loss" in listed.set_index("seed").at[2, "reason"]
    claims, _ = discriminator_claims({"b": information(1.0)}, seeds_table(diverged=(0, 1, 2)), SETTINGS, "e")
    assert list(claims["verdict"]) == ["inconclusive"] and "at least 4" in claims["rule"].iloc[0]


def test_training_curves_are_seed_means_with_bootstrap_intervals():
    rng = np.random.default_rng(0)
    series = {name: rng.random((3, 5)) for name in
              ("real_train_accuracy", "real_test_accuracy", "generated_accuracy", "generator_loss", "train_accuracy")}  # fmt: skip
    series["generated_accuracy"][:, 4] = np.nan  # a diverged seed, not kept
    table = training_curves(series, [0, 5, 10], [10, 11, 12, 13, 14], [10, 11, 12, 13], SETTINGS, "e")
    row = table[(table["quantity"] == "generated_accuracy") & (table["epoch"] == 5)].iloc[0]
    assert math.isclose(row["mean"], series["generated_accuracy"][1, :4].mean())
    assert row["ci_low"] <= row["mean"] <= row["ci_high"] and row["n_seeds"] == 4
    assert set(table["quantity"]) == set(series)


def test_the_sample_grid_shows_at_most_twelve_epochs_with_the_first_and_last():
    assert list(grid_epochs(5)) == [0, 1, 2, 3, 4]
    shown = grid_epochs(31)
    assert len(shown) == 12 and shown[0] == 0 and shown[-1] == 30


# -- the workflow ---------------------------------------------------------------------------------------


def test_a_tiny_gan_study_reaches_its_pdf(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config" / "gantiny.yaml").write_text(yaml.safe_dump(tiny_config(), sort_keys=False))
    snakemake(workdir, "report", "--cores", "2", "--configfile", "config/gantiny.yaml")
    tree = results(workdir, "gantiny")
    assert (tree / "report" / "report.pdf").stat().st_size > 10_000
    claims = pd.read_csv(tree / "tables" / "gan" / "claims.csv")
    hidden = claims[claims["layer"] == "hidden"]
    assert set(zip(hidden["experiment"], hidden["estimator"])) == {(e, m) for e in ("leaky_relu", "tanh")
                                                                   for m in ("binning", "kde_upper")}  # fmt: skip
    assert set(hidden["verdict"]) <= {"confirmed", "refuted", "inconclusive"}
    training = pd.read_csv(tree / "tables" / "gan" / "training.csv")
    accuracy = training[training["unit"] == "fraction"]
    assert ((accuracy["mean"] >= 0) & (accuracy["mean"] <= 1)).all()
    chunk = read_info(tree / "train" / "tanh" / "chunk-1.h5")
    assert list(chunk.seeds) == [2, 3] and (chunk.labels == REAL).sum() == 256
    tex = (tree / "report" / "report.tex").read_text()
    assert "Does the discriminator compress?" in tex
    for row in hidden.itertuples():
        assert f"\\textbf{{{row.verdict}}}" in tex
    assert (tree / "figures" / "gan" / "tanh" / "samples.png").exists()
    assert not (tree / "tables" / "tanh" / "claims.csv").exists()  # the classifiers' claims do not run here


def test_a_layer_at_its_ceiling_log2_p_is_inconclusive_not_refuted():
    table = information(0.0)
    table["probe_size"] = 64
    table.loc[table["layer"] < 3, "I_XT_bits"] = 6.0  # every probe input its own bin: log2 64 throughout
    claims, _ = discriminator_claims({"b": table}, seeds_table(), SETTINGS, "e")
    row = claims[(claims["layer"] == "1") & (claims["statistic"] == "I_XT_fall_bits")].iloc[0]
    assert row["verdict"] == "inconclusive" and "ceiling log2 64 = 6.000 bits" in row["rule"]
    assert claims[claims["layer"] == "hidden"].iloc[0]["verdict"] == "inconclusive"


@pytest.mark.parametrize("network", ["discriminator", "generator"])
def test_a_seed_that_diverges_is_recorded_and_the_other_trains_as_alone(images, tmp_path, network):
    """A non-finite weight in seed 3's discriminator (or generator) after initialisation: that
    seed is diverged at epoch 1 with its values NaN, and seed 7 is the seed trained alone."""
    from infoplane.gan.training import GANTrainer
    from infoplane.training import record_training

    trainer = GANTrainer(images, [3, 7], settings(), GAN)
    weights = (trainer.discriminator if network == "discriminator" else trainer.generator).weights[0]
    with torch.no_grad():
        weights[0, 0, 0] = float("inf")
    path = record_training(trainer, trainer.settings, tmp_path / "diverged.h5", progress=False)
    status = read_statistics(path)
    from infoplane.recording import read_status

    assert list(read_status(path)["diverged_epoch"]) == [1, -1]
    assert np.isnan(status["train_accuracy"][1:, 0]).all() and np.isfinite(status["train_accuracy"][:, 1]).all()
    alone = tmp_path / "alone.h5"
    train_gan(images, [7], settings(), GAN, alone, experiment="t", progress=False)
    np.testing.assert_allclose(read_activations(path, 3, slice(None))[:, 1], read_activations(alone, 3, slice(None))[:, 0], atol=1e-5)
    assert all(torch.count_nonzero(p[0]) == 0 for p in trainer.generator.parameters())  # zeroed and still
