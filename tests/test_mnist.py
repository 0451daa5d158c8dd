"""MNIST: the IDX reader, the download's checks, probe sets, stored precision and compression,
the disk budget, the start-up message without the training images, and a real run of the
offline study (config/mnist_offline.yaml, made tiny)."""

import gzip
import shutil
import struct

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, SHARED, copy_workflow, shared_file, snakemake
from infoplane import datasets, estimators, recording
from infoplane.datasets.download import download_mnist_file
from infoplane.config import ConfigError, activation_dump_bytes, experiment, load_config, validate_config
from infoplane.estimation import information_table
from infoplane.schedules import recording_epochs
from infoplane.training import EnsembleTrainer, train_ensemble

#: Label counts of the 10000 standard test images, digits 0 … 9.
T10K_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _idx_bytes(array: np.ndarray, type_byte: int = 0x08) -> bytes:
    header = bytes([0, 0, type_byte, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write_mnist_dir(directory, n_train=6, n_test=4, files=None):
    """A fake MNIST folder: the four files with random images (gzip), or only ``files``."""
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        arrays[prefix] = (images, labels)
        for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
            name = f"{prefix}-{kind}-ubyte.gz"
            if files is None or name in files:
                (directory / name).write_bytes(gzip.compress(_idx_bytes(array)))
    return arrays


# --- the IDX reader -------------------------------------------------------------------------


def test_idx_reader_on_the_standard_test_files():
    images = datasets.read_idx(shared_file("data/mnist/t10k-images-idx3-ubyte.gz"), expect_dims=3)
    labels = datasets.read_idx(shared_file("data/mnist/t10k-labels-idx1-ubyte.gz"), expect_dims=1)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8 and images.max() == 255
    assert labels.shape == (10000,) and np.bincount(labels).tolist() == T10K_COUNTS
    train_labels = datasets.read_idx(shared_file("data/mnist/train-labels-idx1-ubyte.gz"))
    assert train_labels.shape == (60000,) and train_labels.max() == 9


def test_load_dataset_mnist_test_only():
    data_dir = shared_file("data/mnist")
    x, y = datasets.load_dataset("mnist", data_dir=data_dir, split="test_only")
    assert x.shape == (10000, 784) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0 and np.isfinite(x).all()
    raw = datasets.read_idx(data_dir / "t10k-images-idx3-ubyte.gz")
    assert np.array_equal(x, raw.reshape(10000, 784).astype(np.float32) / np.float32(255))
    assert np.bincount(y).tolist() == T10K_COUNTS


def test_sha256_of_the_shared_files_are_the_standard_ones():
    import hashlib

    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        digest = hashlib.sha256(shared_file(f"data/mnist/{name}").read_bytes()).hexdigest()
        assert digest == datasets.MNIST_SHA256[name]


@pytest.mark.parametrize("compress", [True, False])
def test_idx_reader_round_trip(tmp_path, compress):
    for array, type_byte in ((np.arange(24, dtype=np.uint8).reshape(2, 3, 4), 0x08),
                             (np.array([1.5, -2.0], dtype=np.float32), 0x0D),
                             (np.array([[70000, -3]], dtype=np.int32), 0x0C)):  # fmt: skip
        raw = _idx_bytes(array, type_byte)
        path = tmp_path / "a.idx"
        path.write_bytes(gzip.compress(raw) if compress else raw)
        back = datasets.read_idx(path)
        assert back.dtype == array.dtype and np.array_equal(back, array)


def test_idx_reader_errors_name_the_file(tmp_path):
    good = _idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))
    cases = {
        "magic.idx": (b"\x08\x03" + good[2:], "not an IDX file"),
        "type.idx": (good[:2] + b"\x07" + good[3:], "not an IDX file"),
        "truncated.idx": (good[:-5], "truncated"),
        "header.idx": (good[:9], "truncated IDX header"),
        "trailing.idx": (good + b"\x00", "trailing bytes"),
        "truncated.gz": (gzip.compress(good)[:-20], "corrupt or truncated gzip"),
        "empty.idx": (b"", "not an IDX file"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ValueError, match=message) as error:
            datasets.read_idx(path)
        assert str(path) in str(error.value)
    path = tmp_path / "labels.idx"
    path.write_bytes(_idx_bytes(np.zeros(3, dtype=np.uint8)))
    with pytest.raises(ValueError, match="1 dimension.*expected 3") as error:
        datasets.read_idx(path, expect_dims=3)
    assert str(path) in str(error.value)
    with pytest.raises(FileNotFoundError, match="nowhere.idx"):
        datasets.read_idx(tmp_path / "nowhere.idx")


def test_mnist_standard_split_and_unpacked_files(tmp_path):
    arrays = _write_mnist_dir(tmp_path / "m")
    # an unpacked file is found as well as a .gz one
    gz = tmp_path / "m" / "t10k-labels-idx1-ubyte.gz"
    (tmp_path / "m" / "t10k-labels-idx1-ubyte").write_bytes(gzip.decompress(gz.read_bytes()))
    gz.unlink()
    images, labels, train, test = datasets.mnist_arrays(tmp_path / "m", "standard")
    assert images.shape == (10, 784) and train.tolist() == list(range(6)) and test.tolist() == list(range(6, 10))
    assert np.array_equal(images[:6], arrays["train"][0].reshape(6, 784))
    assert np.array_equal(labels[6:], arrays["t10k"][1])
    x, y = datasets.load_dataset("mnist", data_dir=tmp_path / "m")
    assert x.shape == (10, 784) and x.dtype == np.float32 and y.dtype == np.int64 and x.max() <= 1.0


def test_missing_training_images_name_the_file_and_how_to_get_it(tmp_path):
    _write_mnist_dir(tmp_path / "m", files={"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"})
    assert datasets.load_dataset("mnist", data_dir=tmp_path / "m", split="test_only")[0].shape == (4, 784)
    with pytest.raises(FileNotFoundError) as error:
        datasets.load_dataset("mnist", data_dir=tmp_path / "m", split="standard")
    message = str(error.value)
    assert "train-images-idx3-ubyte.gz" in message and "train-labels-idx1-ubyte.gz" in message
    assert "t10k" not in message.split("To get them")[0]
    assert "download: true" in message and datasets.MNIST_MIRRORS[0] + "train-images-idx3-ubyte.gz" in message


def test_mnist_labels_must_match_images(tmp_path):
    _write_mnist_dir(tmp_path / "m")
    path = tmp_path / "m" / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(_idx_bytes(np.zeros(3, dtype=np.uint8))))
    with pytest.raises(ValueError, match="expected 4 uint8 labels") as error:
        datasets.mnist_arrays(tmp_path / "m", "test_only")
    assert str(path) in str(error.value)


# --- the download ---------------------------------------------------------------------------


def test_download_checks_sha256_and_writes_atomically(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    (mirror / name).write_bytes(b"not the MNIST labels")
    destination = tmp_path / "data" / name
    with pytest.raises(ValueError, match="SHA-256 mismatch") as error:
        download_mnist_file(name, destination, mirrors=(mirror.as_uri() + "/",))
    assert name in str(error.value) and datasets.MNIST_SHA256[name] in str(error.value)
    assert not destination.exists() and not list(destination.parent.iterdir())  # no partial file left
    # an unreachable mirror is skipped, the next one is used
    shutil.copy(shared_file(f"data/mnist/{name}"), mirror / name)
    written = download_mnist_file(name, destination, mirrors=((tmp_path / "nowhere").as_uri() + "/", mirror.as_uri() + "/"))
    assert written == destination and destination.read_bytes() == (mirror / name).read_bytes()
    with pytest.raises(OSError, match="could not download"):
        download_mnist_file(name, tmp_path / "x.gz", mirrors=((tmp_path / "nowhere").as_uri() + "/",))
    with pytest.raises(ValueError, match="unknown MNIST file"):
        download_mnist_file("mnist.npz", tmp_path / "y")


# --- schedule, probe, recording -------------------------------------------------------------


def test_sb18_mnist_schedule():
    epochs = recording_epochs(10000, "sb18_mnist")
    expected = sorted({*range(20), *range(0, 100, 5), *range(0, 200, 10), *range(0, 10001, 100)})
    assert epochs.tolist() == expected and len(epochs) == 145


def test_probe_index():
    train, test = np.arange(0, 8), np.arange(8, 12)
    assert datasets.probe_index(12, train, test, "all").tolist() == list(range(12))
    assert datasets.probe_index(12, train, test, "test").tolist() == [8, 9, 10, 11]
    subset = datasets.probe_index(12, train, test, "train", size=3, seed=1)
    assert len(subset) == 3 and set(subset) <= set(train) and np.all(np.diff(subset) > 0)
    assert np.array_equal(subset, datasets.probe_index(12, train, test, "train", size=3, seed=1))
    with pytest.raises(ValueError, match="probe_size must be in 1 … 4"):
        datasets.probe_index(12, train, test, "test", size=5)
    with pytest.raises(ValueError, match="empty"):
        datasets.probe_index(12, np.arange(12), np.arange(0), "test")
    # defaults: test for a fixed split, all otherwise
    assert len(datasets.probe_rows({"record": {}}, 12, train, test, fixed_split=True)) == 4
    assert len(datasets.probe_rows({"record": {}}, 12, train, test)) == 12


@pytest.mark.parametrize("precision,compression", [("float16", "gzip"), ("float32", "lzf"), ("float16", "none")])
def test_precision_and_compression_round_trip(tmp_path, precision, compression):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 50)
    probe = np.array([3, 7, 20, 49])
    acts = [np.tanh(rng.normal(size=(2, 4, 6))).astype(np.float32), rng.random((2, 4, 3)).astype(np.float32)]
    path = tmp_path / "run.h5"
    with recording.RunWriter(path, epochs=[0], seeds=[0, 1], widths=[5, 6, 3], labels=labels,
                             train_index=np.arange(40), test_index=np.arange(40, 50), probe_index=probe,
                             precision=precision, compression=compression) as writer:  # fmt: skip
        writer.write_epoch(0, acts, {m: np.zeros(2) for m in recording.METRICS}, None, np.ones((2, 2)))
    with h5py.File(path, "r") as f:
        data = f["activations/layer_1"]
        assert data.dtype == np.dtype(precision) and data.shape == (1, 2, 4, 6)
        assert data.compression == (None if compression == "none" else compression)
    info = recording.read_info(path)
    assert info.probe_index.tolist() == probe.tolist() and info.labels.tolist() == labels[probe].tolist()
    assert info.n_inputs == 50 and info.attrs["precision"] == precision
    back = recording.read_activations(path, 1)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back[0], acts[0], rtol=0, atol=1e-3 if precision == "float16" else 0)


def test_float16_refuses_overflow(tmp_path):
    with recording.RunWriter(tmp_path / "r.h5", epochs=[0], seeds=[0], widths=[2, 2], labels=np.arange(2),
                             train_index=np.arange(2), test_index=np.arange(0), precision="float16") as writer:  # fmt: skip
        with pytest.raises(OverflowError, match="record.precision: float32"):
            writer.write_epoch(0, [np.array([[[1.0, 1e5], [0.0, 0.0]]])], {m: np.zeros(1) for m in recording.METRICS},
                               None, np.ones((1, 1)))  # fmt: skip
        writer.write_epoch(0, [np.array([[[1.0, np.nan], [0.0, 0.0]]])], {m: np.zeros(1) for m in recording.METRICS},
                           None, np.ones((1, 1)))  # NaN (a diverged seed) is stored as NaN  # fmt: skip


SETTINGS = {
    "hidden_widths": [10, 7, 5, 4, 3], "activation": "tanh", "init": "st17", "optimizer": "adam",
    "learning_rate": 4e-4, "batch_size": 512, "epochs": 2, "train_fraction": 0.8, "split_seed": 0,
    "record": {"schedule": "every", "step": 1},
}  # fmt: skip


def test_probe_subset_records_its_rows_and_keeps_the_metrics(tmp_path):
    x, y = datasets.load_dataset("tishby")
    full = train_ensemble(x, y, [0, 1], SETTINGS, tmp_path / "full.h5", progress=False)
    settings = {**SETTINGS, "record": {**SETTINGS["record"], "probe": "test", "probe_size": 100, "probe_seed": 3}}
    part = train_ensemble(x, y, [0, 1], settings, tmp_path / "part.h5", progress=False)
    info_full, info = recording.read_info(full), recording.read_info(part)
    assert len(info.probe_index) == 100 and set(info.probe_index) <= set(info.test_index)
    assert info.labels.tolist() == y[info.probe_index].tolist() and info.n_inputs == 4096
    for layer in (1, 6):  # the same networks: the probe rows' activations, the same metrics
        np.testing.assert_allclose(recording.read_activations(part, layer),
                                   recording.read_activations(full, layer)[:, :, info.probe_index], atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(recording.read_statistics(part)["test_loss"], recording.read_statistics(full)["test_loss"], rtol=1e-6)
    assert info_full.probe_index.tolist() == list(range(4096))
    # the estimators get the probe rows' labels and, for k-NN, the probe rows' inputs
    table = information_table([part], "binning", {"b": {"bin_size": 0.5}}, experiment="t", progress=False)
    direct = estimators.get("binning").information_plane(recording.read_activations(part, 2)[1], y[info.probe_index], bin_size=0.5)
    np.testing.assert_allclose(table[(table["epoch"] == 1) & (table["layer"] == 2)]["I_TY_bits"], direct[1])
    knn = information_table([part], "knn", {"k": {"k": 3}}, experiment="t", inputs=x, progress=False)
    assert len(knn) == 2 * 3 * 6 and knn["I_XT_bits"].notna().all()


def test_fixed_split_is_used():
    x, y = datasets.load_dataset("tishby")
    trainer = EnsembleTrainer(x, y, [0], SETTINGS, split=(np.arange(100), np.arange(100, 4096)))
    assert len(trainer.train_index) == 100 and len(trainer.probe_index) == 3996  # default probe: the test rows
    with pytest.raises(ValueError, match="split"):
        EnsembleTrainer(x, y, [0], SETTINGS, split=(np.arange(10), np.array([5000])))


# --- config ---------------------------------------------------------------------------------


def _offline_config():
    config = load_config(ROOT / "config" / "mnist_offline.yaml")
    config["datasets"]["mnist"]["data_dir"] = str(SHARED / "data" / "mnist")
    return config


def test_mnist_configs_are_valid():
    for name in ("mnist.yaml", "mnist_offline.yaml"):
        config = validate_config(load_config(ROOT / "config" / name))
        assert config["datasets"]["mnist"]["builtin"] == "mnist"
        for exp in ("tanh", "relu"):
            settings = experiment(config, exp).settings
            assert settings["model"]["hidden_widths"] == [1024, 20, 20, 20] and settings["activation"] == exp
            assert settings["optimizer"] == "sgd" and settings["learning_rate"] == 1e-3 and settings["batch_size"] == 128
            assert settings["record"]["schedule"] == "sb18_mnist" and settings["record"]["probe"] == "test"
            total, _ = activation_dump_bytes(config, exp)
            assert total <= settings["record"]["disk_budget_gb"] * 1e9
        params = {spec["estimator"]: spec["params"] for spec in config["estimators"].values()}
        assert params["kde"]["noise_variance"] == 0.1 and params["binning"] == {"bin_size": 0.5}
    assert validate_config(load_config(ROOT / "config" / "mnist.yaml"))["datasets"]["mnist"]["split"] == "standard"


def test_disk_budget_is_checked_at_start_up():
    config = _offline_config()
    config["training"].update(seeds=2, chunk_size=2, epochs=50)  # 27 recorded epochs
    config["training"]["record"]["disk_budget_gb"] = 0.01
    config["training"]["record"]["precision"] = "float32"
    with pytest.raises(ConfigError) as error:
        validate_config(config)
    message = str(error.value)
    assert "experiments.tanh.record.disk_budget_gb" in message and "experiments.relu.record.disk_budget_gb" in message
    assert "0.473 GB" in message and "27 recorded epochs x 2 seeds x 2000 probe rows x 1094 units x 4 bytes" in message
    config = _offline_config()
    config["experiments"]["relu"]["record"] = {"probe_size": 5000}
    with pytest.raises(ConfigError, match=r"experiments.relu.record: probe_size must be in 1 … 2000"):
        validate_config(config)


def test_dataset_entries_are_checked():
    config = _offline_config()
    config["datasets"]["other"] = {"builtin": "tishby", "split": "standard"}
    with pytest.raises(ConfigError, match=r"datasets.other \(builtin: tishby\): unknown parameter\(s\) \['split'\]; declared parameters: \[\]"):
        validate_config(config)
    config = _offline_config()
    config["datasets"]["mnist"]["builtin"] = "cifar"
    with pytest.raises(ConfigError, match=r"datasets.mnist.builtin: 'cifar' is not one of \['tishby', 'mnist', 'fashion_mnist', 'cifar10', 'temperatures'\]"):
        validate_config(config)
    config = {**_offline_config(), "datasets": {"mnist": {"builtin": "mnist"}}}
    config["training"]["record"]["disk_budget_gb"] = 3.0  # the standard split's probe: 10000 test images
    config = validate_config(config)
    assert config["datasets"]["mnist"] == {"builtin": "mnist", "data_dir": "data/mnist", "split": "standard", "download": False}


# --- the workflow ---------------------------------------------------------------------------


def _write_config(workdir, config):
    path = workdir / "config" / "test_mnist.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return "config/test_mnist.yaml"


@pytest.mark.slow
def test_workflow_stops_without_the_training_images(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    config = load_config(ROOT / "config" / "mnist.yaml")
    config["datasets"]["mnist"]["data_dir"] = str(shared_file("data/mnist"))  # no training images there
    result = snakemake(workdir, "figures", "-n", "--cores", "1", "--configfile", _write_config(workdir, config), check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "train-images-idx3-ubyte.gz" in output and "download: true" in output and "datasets.mnist" in output
    assert "https://" in output and "t10k-images" not in output.split("To get them")[0]
    assert "rule train_chunk" not in output  # stopped before any job was planned
    # with download: true the missing files are planned as download jobs (not run here: no internet)
    config["datasets"]["mnist"]["data_dir"] = "data/mnist"
    config["datasets"]["mnist"]["download"] = True
    out = snakemake(workdir, "figures", "-n", "--cores", "1", "--configfile", _write_config(workdir, config)).stdout
    assert out.count("rule download_file:") == 4 and "file=train-images-idx3-ubyte.gz" in out


@pytest.mark.slow
@pytest.mark.long
def test_offline_mnist_study_runs(tmp_path):
    """config/mnist_offline.yaml, tiny: its ReLU experiment (tanh runs the same code), 2 seeds
    in 2 chunks, 6 epochs (the fewest the claims' SNR change-point takes), 1000 training images,
    300 probe rows; to the tables and figures, under results/test_mnist/."""
    data_dir = shared_file("data/mnist")
    workdir = copy_workflow(tmp_path / "wf")
    config = load_config(ROOT / "config" / "mnist_offline.yaml")
    config["datasets"]["mnist"]["data_dir"] = str(data_dir)
    config["training"].update(epochs=6, train_fraction=0.1, seeds=2, chunk_size=1)
    config["training"]["record"].update(probe_size=300)
    del config["experiments"]["tanh"]
    snakemake(workdir, "figures", "--cores", "2", "--configfile", _write_config(workdir, config))
    results = workdir / "results" / "test_mnist"
    assert not (results / "train" / "tanh").exists()
    for exp in ("relu",):
        with h5py.File(results / "train" / exp / "chunk-0.h5", "r") as f:
            assert f["activations/layer_1"].shape == (7, 1, 300, 1024)
            assert f["activations/layer_1"].dtype == np.float16 and f["activations/layer_1"].compression == "gzip"
            assert len(f["data/train_index"]) == 1000 and len(f["data/test_index"]) == 9000
        info = recording.read_info(results / "train" / exp / "chunk-0.h5")
        assert set(info.probe_index) <= set(info.test_index) and info.n_inputs == 10000
        for estimator in ("kde_upper", "kde_lower", "binning"):
            table = pd.read_csv(results / "tables" / exp / estimator / "information.csv")
            assert len(table) == 2 * 7 * 5 and set(table["layer"]) == {1, 2, 3, 4, 5}
            assert table["I_XT_bits"].between(0, np.log2(300) + 1e-9).all()
            assert (table["I_TY_bits"] <= table["I_XT_bits"] + 1e-9).all()
            summary = pd.read_csv(results / "tables" / exp / estimator / "summary.csv")
            assert len(summary[(summary["quantity"] == "I_XT") & summary["hidden"]]) == 4
            assert (results / "figures" / exp / estimator / "information_plane.pdf").stat().st_size > 1000
        training = pd.read_csv(results / "tables" / exp / "training.csv")
        assert {"train_loss", "test_accuracy"} <= set(training["quantity"])
        assert (results / "figures" / exp / "learning_curves.png").stat().st_size > 1000
