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
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        datasets.load_dataset("imagenet")
    with pytest.raises(FileNotFoundError, match="no cifar-10-python.tar.gz .* in data_dir .*download: true"):
        datasets.load_dataset("cifar10", data_dir=tmp_path)
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


def test_non_finite_inputs_are_rejected_naming_the_file(tmp_path):
    for bad in (np.nan, np.inf):
        path = tmp_path / f"bad-{bad}.mat"
        F = np.zeros((4, 3))
        F[2, 1] = bad
        scipy.io.savemat(path, {"F": F, "y": np.array([[0, 1, 0, 1]])})
        with pytest.raises(ValueError, match="non-finite") as error:
            datasets.load_dataset(path)
        assert str(path) in str(error.value) and "row 2" in str(error.value)
    path = tmp_path / "huge.mat"  # finite in float64, infinite in float32
    scipy.io.savemat(path, {"F": np.full((2, 2), 1e300), "y": np.array([[0, 1]])})
    with pytest.raises(ValueError, match="non-finite") as error:
        datasets.load_mat(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("content", [b"hello, this is not MATLAB", b"", b"MATLAB 5.0 MAT-file" + b"\0" * 10])
def test_non_matlab_file_named_mat_names_the_file(tmp_path, content):
    path = tmp_path / "text.mat"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="not a readable MATLAB .mat file") as error:
        datasets.load_dataset(path)
    assert str(path) in str(error.value)


def test_fixed_split_and_divisor_round_trip(tmp_path):
    path = tmp_path / "d.mat"
    inputs = np.array([[0, 255], [51, 102], [7, 9]], dtype=np.uint8)
    datasets.save_mat(path, inputs, np.array([0, 1, 1]), train_index=[0, 2], test_index=[1], divisor=255.0)
    x, y = datasets.load_mat(path)
    assert x.dtype == np.float32 and np.array_equal(x, inputs.astype(np.float32) / np.float32(255))
    train, test = datasets.load_split(path)
    assert train.tolist() == [0, 2] and test.tolist() == [1] and train.dtype == np.int64
    plain = tmp_path / "plain.mat"
    datasets.save_mat(plain, *datasets.tishby_dataset())
    assert datasets.load_split(plain) is None
    with pytest.raises(ValueError, match="both"):
        datasets.save_mat(tmp_path / "e.mat", inputs, np.array([0, 1, 1]), train_index=[0])
