import numpy as np
import pytest
import scipy.io

from conftest import shared_file
from infoplane import datasets


def test_tishby_dataset_equals_var_u_mat_bit_for_bit():
    original = scipy.io.loadmat(shared_file("data/tishby/var_u.mat"))
    F, y = datasets.tishby_dataset()
    for name, ours in (("F", F), ("y", y)):
        theirs = original[name]
        assert ours.dtype == theirs.dtype == np.uint8
        assert ours.shape == theirs.shape
        assert ours.tobytes() == theirs.tobytes()


def test_written_mat_file_reads_back_as_var_u(tmp_path):
    original = scipy.io.loadmat(shared_file("data/tishby/var_u.mat"))
    path = tmp_path / "tishby.mat"
    datasets.save_mat(path, *datasets.tishby_dataset())
    written = scipy.io.loadmat(path)
    for name in ("F", "y"):
        assert written[name].dtype == original[name].dtype
        assert written[name].tobytes() == original[name].tobytes()


def test_tishby_facts_from_reference():
    F, y = datasets.tishby_dataset()
    assert F.shape == (4096, 12) and y.shape == (1, 4096)
    assert np.array_equal(F[1], [0] * 11 + [1])  # row r is r in binary, MSB first
    assert len(np.unique(F, axis=0)) == 4096
    assert int(y.sum()) == 2118
    p = y.mean()
    assert -(p * np.log2(p) + (1 - p) * np.log2(1 - p)) == pytest.approx(0.99916, abs=1e-5)


def test_icosahedron_pair_classes():
    pairs = datasets.ICOSAHEDRON_EDGES
    assert len(pairs) == 30 and len(datasets.ANTIPODAL_PAIRS) == 6
    degree = np.bincount(np.array(pairs).ravel(), minlength=12)
    assert (degree == 5).all()
    assert not set(pairs) & set(datasets.ANTIPODAL_PAIRS)


def test_load_dataset_api():
    x, y = datasets.load_dataset("tishby")
    assert x.dtype == np.float32 and x.shape == (4096, 12)
    assert y.dtype == np.int64 and y.shape == (4096,)
    F, labels = datasets.tishby_dataset()
    assert np.array_equal(x, F) and np.array_equal(y, labels[0])


def test_load_dataset_from_path_keeps_row_order():
    path = shared_file("data/tishby/g1.mat")
    x, y = datasets.load_dataset(path)
    raw = scipy.io.loadmat(path)
    assert x.shape == (4096, 12) and np.array_equal(x, raw["F"])
    assert np.array_equal(y, raw["y"].reshape(-1))
    assert y.mean() == pytest.approx(0.504, abs=0.001)


def test_load_dataset_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        datasets.load_dataset("mnist")
    with pytest.raises(FileNotFoundError, match="nowhere.mat"):
        datasets.load_dataset(tmp_path / "nowhere.mat")
    bad = tmp_path / "bad.mat"
    scipy.io.savemat(bad, {"X": np.zeros((3, 2))})
    with pytest.raises(ValueError, match="missing variable"):
        datasets.load_mat(bad)


def test_save_mat_never_overwrites(tmp_path):
    path = tmp_path / "d.mat"
    datasets.save_mat(path, *datasets.tishby_dataset())
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        datasets.save_mat(path, np.zeros((2, 2)), np.zeros(2))
    assert path.read_bytes() == before


def test_train_test_split_is_seeded_and_disjoint():
    a = datasets.train_test_split(4096, 0.8, seed=3)
    b = datasets.train_test_split(4096, 0.8, seed=3)
    c = datasets.train_test_split(4096, 0.8, seed=4)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    train, test = a
    assert len(train) == round(0.8 * 4096) and len(test) == 4096 - len(train)
    assert not set(train) & set(test)
    assert np.array_equal(np.sort(np.concatenate(a)), np.arange(4096))
    full_train, empty_test = datasets.train_test_split(10, 1.0, seed=0)
    assert len(full_train) == 10 and len(empty_test) == 0
    with pytest.raises(ValueError, match="train_fraction must be in \\(0, 1\\], got 1.5"):
        datasets.train_test_split(10, 1.5, seed=0)
