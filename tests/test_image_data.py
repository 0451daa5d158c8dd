"""Image dataset sources: Fashion-MNIST from Debian's package (content checked), CIFAR-10's
python batches (a small archive in the same format, read back exactly; a hostile pickle
refused; the MD5-checked download), image shapes through the dataset file, and the config and
workflow refusing what is missing before any job."""

import copy
import gzip
import hashlib
import logging
import pickle
import shutil

import numpy as np
import pytest
import yaml
from conftest import ROOT, copy_workflow, snakemake

from infoplane import datasets
from infoplane.config import ConfigError, load_config, validate_config
from infoplane.datasets import cifar10, fashion_mnist
from infoplane.datasets.download import download_file

FASHION = fashion_mnist.DEFAULT_DIR
needs_fashion = pytest.mark.skipif(
    not (datasets.find_mnist_file(FASHION, "t10k-images-idx3-ubyte.gz")),
    reason=f"Debian's {fashion_mnist.DEBIAN_PACKAGE} is not installed ({FASHION}); `make test` installs it",
)
LOG = logging.getLogger("test")


@needs_fashion
def test_fashion_mnist_is_the_real_dataset():
    spec = datasets.check_spec({"builtin": "fashion_mnist"})
    arrays = fashion_mnist.read(spec, fashion_mnist.files(spec), LOG)
    assert arrays.inputs.shape == (70000, 784) and arrays.inputs.dtype == np.uint8 and arrays.divisor == 255.0
    assert arrays.input_shape == (1, 28, 28) and len(arrays.train_index) == 60000 and arrays.test_index[0] == 60000
    assert np.bincount(arrays.labels).tolist() == [7000] * 10
    assert arrays.labels[0] == 9  # the first training image is an ankle boot (the upstream README's example)
    x, y = datasets.load_dataset("fashion_mnist", split="test_only")
    assert x.shape == (10000, 784) and 0.0 <= x.min() and x.max() == 1.0 and np.bincount(y).tolist() == [1000] * 10


@needs_fashion
def test_fashion_mnist_content_is_checked_after_decompression(tmp_path):
    for name in datasets.mnist_files("test_only"):
        shutil.copy(datasets.find_mnist_file(FASHION, name), tmp_path / name)
    # re-compressed at another level: other .gz bytes, the same content, accepted
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw, compresslevel=1))
    spec = datasets.check_spec({"builtin": "fashion_mnist", "data_dir": str(tmp_path), "split": "test_only"})
    assert len(fashion_mnist.read(spec, [], LOG).labels) == 10000
    path.write_bytes(gzip.compress(raw[:-1] + bytes([(raw[-1] + 1) % 10])))  # one label changed
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz: decompressed content has SHA-256 .* not Fashion-MNIST's"):
        fashion_mnist.read(spec, [], LOG)
    assert "apt-get install dataset-fashion-mnist" in fashion_mnist.missing(
        datasets.check_spec({"builtin": "fashion_mnist", "data_dir": str(tmp_path / "none")}), key="fashion")


def _cifar(tmp_path, n=5, split_batches=None):
    rng = np.random.default_rng(0)
    batches = {name: (rng.integers(0, 256, (n, 3072), dtype=np.uint8), rng.integers(0, 10, n))
               for name in split_batches or (*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH)}  # fmt: skip
    cifar10.write_archive(tmp_path / cifar10.ARCHIVE, batches)
    return batches


def test_a_small_cifar_archive_reads_back_exactly(tmp_path):
    batches = _cifar(tmp_path)
    spec = datasets.check_spec({"builtin": "cifar10", "data_dir": str(tmp_path)})
    arrays = cifar10.read(spec, cifar10.files(spec), LOG)
    expected = np.concatenate([batches[n][0] for n in (*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH)])
    assert np.array_equal(arrays.inputs, expected) and arrays.input_shape == (3, 32, 32)
    assert arrays.labels.tolist() == [int(v) for n in (*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH) for v in batches[n][1]]
    assert arrays.train_index.tolist() == list(range(25)) and arrays.test_index.tolist() == list(range(25, 30))
    # channel-major rows: pixel (c, i, j) of image k is inputs[k, c*1024 + i*32 + j]
    image = arrays.inputs[7].reshape(3, 32, 32)
    assert image[2, 31, 0] == arrays.inputs[7, 2 * 1024 + 31 * 32]
    x, y = datasets.load_dataset("cifar10", data_dir=tmp_path, split="test_only")
    assert np.allclose(x * 255, batches[cifar10.TEST_BATCH][0]) and y.tolist() == batches[cifar10.TEST_BATCH][1].tolist()


def test_a_hostile_or_broken_cifar_batch_is_refused_naming_it(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    raw = pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2)
    with pytest.raises(ValueError, match=r"here/test_batch: not a CIFAR-10 python batch .*refusing to build (__builtin__|builtins).print"):
        cifar10.read_batch(raw, "here/test_batch")
    with pytest.raises(ValueError, match="expected uint8 data"):
        cifar10.read_batch(pickle.dumps({b"data": np.zeros((2, 10)), b"labels": [0, 1]}), "x")
    (tmp_path / cifar10.ARCHIVE).write_bytes(b"not a tar")
    with pytest.raises(ValueError, match="not a readable .tar.gz"):
        cifar10.cifar10_arrays(tmp_path, "test_only")


def test_the_cifar_download_checks_its_md5(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    _cifar(mirror, n=2)
    md5 = hashlib.md5((mirror / cifar10.ARCHIVE).read_bytes()).hexdigest()
    written = download_file(cifar10.ARCHIVE, tmp_path / "data" / cifar10.ARCHIVE, mirrors=(mirror.as_uri() + "/",), md5=md5)
    assert written.read_bytes() == (mirror / cifar10.ARCHIVE).read_bytes()
    with pytest.raises(ValueError, match=r"MD5 mismatch .* expected c58f30108f718f92721af3b95e74349a"):
        download_file(cifar10.ARCHIVE, tmp_path / "other" / cifar10.ARCHIVE, mirrors=(mirror.as_uri() + "/",),
                      md5=cifar10.DOWNLOAD_MD5[cifar10.ARCHIVE])  # fmt: skip
    assert not (tmp_path / "other" / cifar10.ARCHIVE).exists()


def test_the_dataset_file_keeps_the_shape_of_an_input(tmp_path):
    images = np.arange(4 * 12, dtype=np.uint8).reshape(4, 12)
    datasets.save_mat(tmp_path / "d.mat", images, np.array([0, 1, 0, 1]), divisor=255.0, input_shape=(3, 2, 2))
    assert datasets.load_input_shape(tmp_path / "d.mat") == (3, 2, 2)
    x, _ = datasets.load_mat(tmp_path / "d.mat")
    assert x.shape == (4, 12)
    datasets.save_mat(tmp_path / "v.mat", *datasets.tishby_dataset())
    assert datasets.load_input_shape(tmp_path / "v.mat") == (12,)
    with pytest.raises(ValueError, match=r"input_shape \(3, 3, 2\) does not hold the 12 values"):
        datasets.save_mat(tmp_path / "bad.mat", images, np.zeros(4), input_shape=(3, 3, 2))


def _image_config(data_dir, **dataset):
    config = load_config(ROOT / "config" / "tiny.yaml")
    config["datasets"] = {"images": {"builtin": "cifar10", "data_dir": str(data_dir), "split": "test_only", **dataset}}
    config["training"]["dataset"] = "images"
    del config["training"]["hidden_widths"]
    config["training"]["model"] = {"family": "cnn", "channels": [4], "kernel_size": 3, "padding": 1, "pool": 4, "hidden_widths": [8]}
    config["training"]["record"]["probe_size"] = 64
    config["estimators"].pop("knn")  # refused on image inputs (3072 values: beyond its 64 joint dimensions)
    return config


def test_the_config_check_sizes_image_networks_and_names_bad_source_keys(tmp_path):
    config = validate_config(_image_config(tmp_path))
    assert config["datasets"]["images"] == {"builtin": "cifar10", "data_dir": str(tmp_path), "split": "test_only", "download": False}
    from infoplane.config import activation_dump_bytes

    total, product = activation_dump_bytes(config, "tanh")
    assert "x 64 probe rows x 274 units x" in product  # 4 x 8 x 8 after pooling 32 / 4, + 8 + 10
    with_knn = _image_config(tmp_path)
    with_knn["estimators"]["knn"] = {"estimator": "knn"}
    with pytest.raises(ConfigError, match=r"estimators.knn \(instance knn, experiment tanh\): k-NN \(KSG\) .* inputs \(3072 values\)"):
        validate_config(with_knn)
    bad = _image_config(tmp_path, resolution=32)
    with pytest.raises(ConfigError, match=r"datasets.images \(builtin: cifar10\): unknown parameter\(s\) \['resolution'\]"):
        validate_config(bad)
    too_deep = _image_config(tmp_path)
    too_deep["training"]["model"]["channels"] = [4, 4, 4, 4]
    with pytest.raises(ConfigError, match=r"training.model: cnn: pool 4 leaves no output of a \[3, 32, 32\] input"):
        validate_config(too_deep)


@pytest.mark.slow
def test_a_workflow_without_the_cifar_archive_stops_before_any_job_or_plans_its_download(tmp_path):
    workdir = copy_workflow(tmp_path / "wf")
    config = _image_config("data/cifar10")
    (workdir / "config" / "images.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(workdir, "figures", "-n", "--cores", "1", "--configfile", "config/images.yaml", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "no cifar-10-python.tar.gz" in output and "download: true" in output
    assert "rule train_chunk" not in output
    config["datasets"]["images"]["download"] = True
    (workdir / "config" / "images.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    out = snakemake(workdir, "figures", "-n", "--cores", "1", "--configfile", "config/images.yaml").stdout
    assert out.count("rule download_file:") == 1 and "file=cifar-10-python.tar.gz" in out
    # with the (small) archive in place, the dry run plans the dataset and the training
    copy.deepcopy(config)
    (workdir / "data" / "cifar10").mkdir(parents=True)
    _cifar(workdir / "data" / "cifar10", n=40, split_batches=[cifar10.TEST_BATCH])
    out = snakemake(workdir, "figures", "-n", "--cores", "1", "--configfile", "config/images.yaml").stdout
    assert "rule download_file:" not in out and "rule dataset:" in out and "rule train_chunk:" in out


@pytest.mark.slow
@pytest.mark.parametrize("name,downloads", [("fashion", 0), ("cifar10", 1), ("mnist_cnn", 4)])
def test_the_named_image_studies_plan_every_job(tmp_path, name, downloads):
    if name == "fashion" and not datasets.find_mnist_file(FASHION, "train-images-idx3-ubyte.gz"):
        pytest.skip(f"Debian's {fashion_mnist.DEBIAN_PACKAGE} is not installed; `make test` installs it")
    workdir = copy_workflow(tmp_path / "wf")
    out = snakemake(workdir, "report", "-n", "--cores", "2", "--configfile", f"config/{name}.yaml").stdout
    assert out.count("rule download_file:") == downloads and "rule dataset:" in out and "rule report_pdf:" in out
    assert out.count("rule train_chunk:") == len(load_config(ROOT / "config" / f"{name}.yaml")["experiments"])
