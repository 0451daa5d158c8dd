"""The k-NN estimators ([KSG04] algorithm 1, [Ross14]) against full-distance-matrix evaluations of
their definitions, scikit-learn, and the closed form of correlated Gaussians."""

import math

import numpy as np
import pytest

from infoplane.datasets import load_dataset
from infoplane.estimators import knn, reference


@pytest.fixture(scope="module")
def tishby():
    return load_dataset("tishby")


def test_ksg_equals_its_definition_on_continuous_and_tied_inputs(tishby):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    z = 0.7 * x + rng.normal(size=(300, 2))
    assert knn.mutual_information(x, z, k=3) == pytest.approx(reference.ksg_brute(x, z, 3), abs=1e-12)
    assert knn.mutual_information(x, z, k=5) == pytest.approx(reference.ksg_brute(x, z, 5), abs=1e-12)
    # the Tishby inputs: 12 bits, every pair 1 apart in the max-norm (the fast path of the joint radius)
    inputs, _ = tishby
    rows = rng.choice(4096, 400, replace=False)
    t = np.tanh(inputs[rows] @ rng.normal(size=(12, 3))).astype(np.float64)
    assert knn.mutual_information(inputs[rows], t) == pytest.approx(reference.ksg_brute(inputs[rows], t, 3), abs=1e-12)
    relu = np.maximum(inputs[rows] @ rng.normal(size=(12, 4)) * 3.0, 0)  # spread: the joint search path
    assert knn.mutual_information(inputs[rows], relu) == pytest.approx(reference.ksg_brute(inputs[rows], relu, 3), abs=1e-12)


def test_constant_inputs_hold_no_information(tishby):
    """Inputs all equal (every distance in X is 0): KSG's joint distance is the layer's, and the
    estimate is about 0 on both paths, as its definition gives."""
    rng = np.random.default_rng(8)
    z = rng.normal(size=(300, 3))
    x = np.zeros((300, 2))
    assert knn._Inputs(x, 3).equidistant is None
    assert knn.mutual_information(x, z, k=3) == pytest.approx(reference.ksg_brute(x, z, 3), abs=1e-12)
    assert abs(knn.mutual_information(x, z, k=3)) < 1e-9
    assert abs(knn.mutual_information(x, z[:, :1], k=3)) < 1e-9  # one unit: the trees


def test_ross_equals_its_definition_and_scikit_learn():
    from sklearn.feature_selection import mutual_info_classif

    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 500)
    t = (y + rng.normal(size=500) * 0.8)[:, None]
    ours = knn._ross_nats(t, y, 3) / math.log(2)
    assert ours == pytest.approx(reference.ross_brute(t, y, 3), abs=1e-12)
    # scikit-learn scales the feature and adds 1e-10-sized noise: equal up to that
    sklearn = mutual_info_classif(t, y, n_neighbors=3, random_state=0)[0] / math.log(2)
    assert ours == pytest.approx(sklearn, abs=1e-6)
    t2 = np.column_stack([t[:, 0], rng.normal(size=500)])
    assert knn._ross_nats(t2, y, 3) / math.log(2) == pytest.approx(reference.ross_brute(t2, y, 3), abs=1e-12)
    y[:3] = [5, 6, 7]  # labels that occur once: left out of the counts as of the sums (as scikit-learn)
    assert knn._ross_nats(t2, y, 3) / math.log(2) == pytest.approx(reference.ross_brute(t2, y, 3), abs=1e-12)


@pytest.mark.parametrize("dim", [1, 2])
def test_correlated_gaussians_closed_form(dim):
    """I = -(dim/2) log2(1 - rho^2). At N = 4000, k = 3 the KSG estimate's bias is a few
    hundredths of a bit in low dimensions and its sd over samples about 0.02 bits: 0.06 bits."""
    rng = np.random.default_rng(2)
    rho = 0.6
    x = rng.normal(size=(4000, dim))
    z = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=(4000, dim))
    truth = -0.5 * dim * math.log2(1 - rho**2)
    assert knn.mutual_information(x, z) == pytest.approx(truth, abs=0.06)
    assert abs(knn.mutual_information(x, rng.normal(size=(4000, dim)))) < 0.03  # independent


def test_information_plane_bounds_and_errors(tishby):
    x, y = tishby
    rng = np.random.default_rng(3)
    acts = np.stack([np.tanh(x @ rng.normal(size=(12, 3))), np.maximum(x @ rng.normal(size=(12, 3)), 0) * 1e6])
    i_xt, i_ty = knn.information_plane(acts.astype(np.float32), y, inputs=x)
    assert i_xt.shape == (2,) and ((0 <= i_ty) & (i_ty <= i_xt) & (i_xt <= 12)).all()
    single = knn.information_plane(acts[1].astype(np.float32), y, inputs=x)
    assert single[0] == i_xt[1] and single[1] == i_ty[1]
    with pytest.raises(ValueError, match="needs the network's inputs"):
        knn.information_plane(acts[0], y)
    with pytest.raises(ValueError, match="inputs have 10 rows but the activations 4096"):
        knn.information_plane(acts[0], y, inputs=x[:10])
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        knn.mutual_information(x, x, k=0)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_pairwise_search_gives_the_tree_searches_counts(tishby, k):
    """The blocked pairwise path (N <= BRUTE_FORCE_MAX) and the tree path give the same KSG and
    Ross estimates: on the equidistant Tishby inputs (no distance matrix of X), on continuous
    inputs with labels that occur once, on a ReLU layer with repeated rows (zero radii), and on
    integer points where most distances tie; blocks smaller than a label group cross it."""
    x, y = tishby
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(4)
    tanh = np.tanh((x - 0.5) @ rng.normal(size=(12, 10)) * 2).astype(np.float32).astype(np.float64)
    relu = np.maximum((x - 0.5) @ rng.normal(size=(12, 4)), 0).round(1)
    xc = rng.normal(size=(700, 3))
    yc = rng.integers(0, 4, 700)
    yc[:2], yc[5], yc[10:13] = 9, 11, 12  # labels with 2 and 3 members (k_label < k) and one that occurs once
    xi = rng.integers(0, 3, size=(500, 2)).astype(np.float64)
    cases = [(x, tanh, y), (x, relu, y), (xc, 0.7 * xc[:, :2] + rng.normal(size=(700, 2)), yc),
             (xi, rng.integers(0, 4, size=(500, 2)).astype(np.float64), rng.integers(0, 2, 500))]  # fmt: skip
    for inputs, layer, labels in cases:
        prepared = knn._Inputs(inputs, k)
        assert (prepared.equidistant == 1.0) == (inputs is x)
        trees = knn._ksg_nats(prepared, layer, k), knn._ross_nats(layer, labels, k)
        assert knn._brute_force_nats(prepared, layer, labels, k) == pytest.approx(trees, abs=1e-12)
    prepared = knn._Inputs(x, k)
    trees = knn._ksg_nats(prepared, tanh, k), knn._ross_nats(tanh, y, k)
    with pytest.MonkeyPatch.context() as threaded:
        threaded.setattr(knn, "threads_allowed", lambda: 3)  # three row ranges, one crossing the label groups' border
        assert knn._brute_force_nats(prepared, tanh, y, k) == pytest.approx(trees, abs=1e-12)
    assert knn._brute_force_nats(prepared, tanh, None, k)[0] == pytest.approx(trees[0], abs=1e-12)


def test_tree_path_beyond_the_pairwise_limit_and_below_its_width(tishby, monkeypatch):
    """Above BRUTE_FORCE_MAX points, or below the pairwise searches' fewest units, the trees run;
    the estimates are the same."""
    x, y = tishby
    rng = np.random.default_rng(5)
    layer = np.tanh(x @ rng.normal(size=(12, 8))).astype(np.float32)
    assert knn._pairwise(4096, 8) and knn._pairwise(4096, knn.PAIRWISE_MIN_UNITS)
    assert not knn._pairwise(4096, knn.PAIRWISE_MIN_UNITS - 1) and not knn._pairwise(knn.BRUTE_FORCE_MAX + 1, 8)
    pairwise = np.hstack(knn.information_plane(layer, y, inputs=x))
    with monkeypatch.context() as patched:
        patched.setattr(knn, "BRUTE_FORCE_MAX", 100)
        patched.setattr(knn, "_brute_force_nats", None)  # would fail if called
        assert np.hstack(knn.information_plane(layer, y, inputs=x)) == pytest.approx(pairwise, abs=1e-12)
        patched.undo()
        patched.setattr(knn, "_brute_force_nats", None)
        patched.setattr(knn, "PAIRWISE_MIN_UNITS", 9)
        assert np.hstack(knn.information_plane(layer, y, inputs=x)) == pytest.approx(pairwise, abs=1e-12)


def _counts_by_definition(x, z, labels, k):
    """[KSG04] n_x, n_z and [Ross14] m from full float64 max-norm distance matrices: the points
    strictly within the radius r, i.e. at most the largest double below r (at r = 0, as the tree
    searches count it, the points equal to the centre, which [Ross14]'s m includes)."""
    n = len(z)
    dx = np.abs(x[:, None, :] - x[None, :, :]).max(-1)
    dz = np.abs(z[:, None, :] - z[None, :, :]).max(-1)
    eps = np.sort(np.maximum(dx, dz), axis=1)[:, k]  # column 0 is the point itself
    n_x = (dx <= np.nextafter(eps, 0)[:, None]).sum(1) - 1
    n_z = (dz <= np.nextafter(eps, 0)[:, None]).sum(1) - 1
    sizes = np.bincount(labels)[labels]
    kept = sizes > 1
    m = np.full(n, -1)
    for i in np.flatnonzero(kept):
        own = np.sort(dz[i, labels == labels[i]])[min(k, sizes[i] - 1)]
        m[i] = (dz[i, kept] <= np.nextafter(own, 0)).sum()
    return n_x, n_z, m


@pytest.mark.parametrize("threads", [1, 3])
def test_compiled_pairwise_counts_equal_their_definition(threads):
    """The compiled pass (_knn_pass) against full distance matrices: continuous points; integer
    points, distinct in the joint space, where most marginal distances tie (the k-th smallest found among ties); repeated rows (zero
    radii); fewer points than one screening block and a block count that does not divide N;
    labels of 1, 2 and 3 members (left out, k_label < k); equidistant inputs without X's
    distances; rows split over threads across the label groups' borders."""
    from infoplane.estimators._knn_pass import neighbour_counts

    rng = np.random.default_rng(6)
    n = 603  # 2 row ranges of at least 256 with threads > 1; not a multiple of the block of 64
    labels = rng.integers(0, 3, n)
    labels[:1], labels[1:3], labels[3:6] = 7, 8, 9
    x = rng.normal(size=(n, 3))
    cells = rng.choice(4**5, n, replace=False)  # integer points, distinct in the joint space (eps > 0)
    grid = np.stack(np.unravel_index(cells, (4,) * 5), axis=1).astype(float)
    cases = [(x, 0.6 * x[:, :2] + rng.normal(size=(n, 2))),
             (grid[:, :2], grid[:, 2:]),
             (x, np.repeat(rng.normal(size=(n // 7 + 1, 4)), 7, axis=0)[:n]),
             (x[:40], rng.normal(size=(40, 1)))]  # fmt: skip
    for k in (1, 3, 5):
        for inputs, layer in cases:
            y = labels[: len(layer)]
            got = neighbour_counts(layer, labels=y, k=k, inputs=inputs, threads=threads)
            for ours, truth in zip(got, _counts_by_definition(inputs, layer, y, k)):
                np.testing.assert_array_equal(ours, truth)
    # equidistant inputs: every two distinct rows of the 8 corners of the cube are 1 apart
    corners = np.array([[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)], dtype=float)
    inputs = corners
    layer = rng.normal(size=(8, 2)) * 0.5
    for k in (1, 3):
        assert all((a == b).all() for a, b in zip(
            neighbour_counts(layer, labels=np.arange(8) % 2, k=k, equidistant=1.0, threads=threads),
            _counts_by_definition(inputs, layer, np.arange(8) % 2, k)))  # fmt: skip
    np.testing.assert_array_equal(neighbour_counts(layer, k=1, inputs=inputs)[2], -1)  # no labels: no m
    with pytest.raises(ValueError, match="need 1 <= k < N, got k = 8 and N = 8"):
        neighbour_counts(layer, k=8, inputs=inputs)
    with pytest.raises(ValueError, match="needs the inputs X"):
        neighbour_counts(layer, k=1)
    with pytest.raises(ValueError, match="equidistant must be a distance > 0, got 0.0"):
        neighbour_counts(layer, k=1, equidistant=0.0)
    with pytest.raises(ValueError, match="inputs have 7 rows but the layer 8"):
        neighbour_counts(layer, k=1, inputs=inputs[:7])
