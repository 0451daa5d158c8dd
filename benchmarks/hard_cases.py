"""The cases users run, beside the synthetic layers of ``run_all.py``: trained layers, wide
layers, and training inside the workflow's own loop, with the targets of issue 14.

* trained layers: the Tishby network ([ST17], 12-10-7-5-4-3-2, Adam 4e-4, batch 512) trained
  for ``--trained-epochs`` epochs (default [ST17]'s 8000), tanh and ReLU, every hidden layer at
  the last epoch: saturated (tanh), clustered, with repeated rows (the last layers);
* wide layers: d = 256 and 1024, N = 4096: tanh(W x) of 4096 Fashion-MNIST images (Debian's
  ``dataset-fashion-mnist``; uniform random pixels where it is not installed, which the row
  says), W Gaussian with standard deviation 1.5 / sqrt(784);
* training in the workflow: :func:`infoplane.training.train_ensemble`, the function a training
  job runs (recording to HDF5 and gradient statistics at the recorded epochs included), for 50
  seeds of the Tishby network, tanh and ReLU, recording ~3.5% of the epochs as
  ``config/paper.yaml`` does (276 of 8000).

Each estimator is timed per layer-epoch (wall and CPU, best of ``--repeats``) and compared with
its reference definition (``infoplane.estimators.reference``) on the same layer. The targets
table prints each target, the measured value, their ratio, and where a target is missed, the
part of the time that stops it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from infoplane.estimators import adaptive_binning, binning, kde, knn, noisy, reference
from infoplane.training import EnsembleTrainer, train_ensemble

TISHBY = {
    "hidden_widths": [10, 7, 5, 4, 3], "activation": "tanh", "init": "st17", "optimizer": "adam",
    "learning_rate": 4e-4, "batch_size": 512, "epochs": 0, "train_fraction": 0.8, "split_seed": 0,
    "record": {"schedule": "log", "points": 1},
}  # fmt: skip


def timed(fn, repeats: int) -> tuple[float, float]:
    """(wall, CPU) seconds of the call with the smallest wall time among ``repeats`` calls."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        if torch.cuda.is_available():  # the device's queued work counts too
            torch.cuda.synchronize()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if wall < best[0]:
            best = (wall, cpu)
    return best


def trained_layers(x, y, activation: str, seeds: int, epochs: int) -> list[np.ndarray]:
    """Every hidden layer of ``seeds`` Tishby networks after ``epochs`` epochs: [seeds, N, d_l]."""
    trainer = EnsembleTrainer(x, y, list(range(seeds)), {**TISHBY, "activation": activation})
    for _ in range(epochs):
        trainer.train_epoch()
    activations, _, _ = trainer.evaluate()
    return activations[:-1]


def wide_layers(width: int, count: int, n: int = 4096, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """``count`` layers [count, n, width] of tanh(W x) over n images, their inputs [n, 784] and
    labels [n], and where the images came from."""
    try:
        from infoplane.datasets import load_dataset

        images, labels = load_dataset("fashion_mnist")
        images, labels, source = images[:n].reshape(n, -1), labels[:n], "Fashion-MNIST images"
    except Exception:  # not installed: the shape of the case, with random pixels
        rng = np.random.default_rng(seed)
        images, labels, source = rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n), "random pixels"
    rng = np.random.default_rng(seed + width)
    weights = rng.normal(scale=1.5 / np.sqrt(images.shape[1]), size=(count, images.shape[1], width)).astype(np.float32)
    layers = np.tanh(np.einsum("nd,cdk->cnk", images - images.mean(0), weights))
    return layers.astype(np.float32), images, labels, source


def _row(what, unit, wall, cpu, baseline, values, expected, note="") -> dict:
    diff = np.abs(np.asarray(values, dtype=float).ravel() - np.asarray(expected, dtype=float).ravel()).max()
    return {
        "what": what, "unit": unit, "batched": wall * 1e3, "cpu": cpu * 1e3, "baseline": baseline * 1e3,
        "note": f"CPU {cpu * 1e3:.3g} ms; max |difference| {diff:.1e} bits" + (f"; {note}" if note else ""),
    }  # fmt: skip


def knn_reference(x, layer, y) -> np.ndarray:
    """[KSG04] + [Ross14] the textbook way (``reference.knn_plain``), clipped to the bounds the
    estimator reports: 0 <= I(T;Y) <= I(X;T) <= log2 N and I(T;Y) <= H(Y) (``knn`` module
    docstring). Clipped to [0, log2 N] only, a layer with repeated rows showed I(T;Y) = 1.11 bits
    against the estimator's H(Y) = 0.9992, a difference of the clip and not of the counts."""
    i_xt, i_ty = reference.knn_plain(x, layer, y)
    p_y = np.bincount(np.unique(y, return_inverse=True)[1]) / len(y)
    h_y = float(-(p_y * np.log2(p_y)).sum())
    i_xt = min(max(i_xt, 0.0), np.log2(len(y)))
    return np.array([i_xt, min(max(i_ty, 0.0), i_xt, h_y)])


def estimator_rows(name: str, layers: np.ndarray, x, y, args, *, knn_on: bool = True) -> list[dict]:
    """Every estimator on ``layers`` [L, N, d] per layer-epoch against its reference on the first layer."""
    n, d = layers.shape[1:]
    first = layers[0]
    rows = []

    def add(label, fn, ref, repeats=args.repeats, count=None):
        # the binning estimators are timed as the workflow calls them, on many layer-epochs at
        # once (the given layers repeated to ``count``): their per-call cost is not per layer
        timed_layers = layers if count is None or count <= len(layers) else np.resize(layers, (count, n, d))
        fn(layers[:1])  # warm-up
        wall, cpu = timed(lambda: fn(timed_layers), repeats)
        wall, cpu = wall * len(layers) / len(timed_layers), cpu * len(layers) / len(timed_layers)
        start = time.perf_counter()
        expected = ref(first)
        t_ref = time.perf_counter() - start
        got = np.stack([np.asarray(v, dtype=float).reshape(-1)[0] for v in fn(layers[:1])])
        rows.append(_row(f"{label}, {name}, N = {n}, d = {d}", "ms per layer-epoch", wall / len(layers),
                         cpu / len(layers), t_ref, got, expected))  # fmt: skip

    add("binning [ST17] 30 bins", lambda a: binning.information_plane(a, y), lambda a: reference.binning_loop(a, y),
        count=args.layers)  # fmt: skip
    add("adaptive binning [CHO19]", lambda a: adaptive_binning.information_plane(a, y),
        lambda a: reference.adaptive_binning_loop(a, y), count=40)  # fmt: skip

    def both(a):
        upper, lower = kde.information_planes(a, y, [{"bound": "upper"}, {"bound": "lower"}])
        return [upper[0], lower[0], upper[1], lower[1]]

    def both_reference(a):
        upper, lower = reference.kde_float64(a, y, bound="upper"), reference.kde_float64(a, y, bound="lower")
        return [upper[0], lower[0], upper[1], lower[1]]

    add("KDE both bounds [KT17] s2 = 1e-3", both, both_reference)
    _, noise = noisy.draws(n, d, 4096, 0)
    add("noisy layer [GBG19] 4096 samples", lambda a: noisy.information_plane(a, y),
        lambda a: reference.noisy_direct(a, y, noise_variance=1e-3, noise=noise.numpy()[None]), repeats=1)  # fmt: skip
    if knn_on:
        # best of --repeats like the others, now that the pairwise path takes tens of ms (the
        # wide layers' seconds once: there the searches run for seconds)
        add("k-NN [KSG04] + [Ross14] k = 3", lambda a: knn.information_plane(a, y, inputs=x),
            lambda a: knn_reference(x, a, y), repeats=args.repeats if d <= 64 else 1)  # fmt: skip
    return rows


def kde_limit(layer: np.ndarray, labels: np.ndarray, repeats: int) -> str:
    """What bounds the KDE pass on ``layer`` [N, d]: the pairs the fused pass computes (counted
    by wrapping ``infoplane.estimators._fused._pass``), its time per pair, and the time of the
    call outside the pass (tiling along the leading axis, tile pairs, scatter)."""
    from infoplane.estimators import _fused

    seen, original = {"pairs": 0, "seconds": 0.0}, _fused._pass

    def counting(points, *args):
        start = time.perf_counter()
        original(points, *args)
        seen["seconds"] += time.perf_counter() - start
        seen["pairs"] += len(args[3]) * points.shape[1] ** 2

    call = lambda: kde.information_planes(layer[None], labels, [{"bound": "upper"}, {"bound": "lower"}])  # noqa: E731
    call()
    _fused._pass = counting
    try:
        best = None
        for _ in range(repeats):
            seen.update(pairs=0, seconds=0.0)
            start = time.perf_counter()
            call()
            total = time.perf_counter() - start
            if best is None or total < best[0]:
                best = (total, seen["seconds"], seen["pairs"])
    finally:
        _fused._pass = original
    total, pass_s, pairs = best
    n = layer.shape[0]
    # the kernel sums alone, the fused pass against the tensor pass it replaced, side by side
    from infoplane.estimators._kernels import kernel_sums

    points, groups = torch.from_numpy(np.ascontiguousarray(layer)), torch.from_numpy(np.asarray(labels, dtype=np.int64))
    engines = {}
    for engine in ("fused", "tensor"):
        sums = lambda: kernel_sums(points, groups, int(groups.max()) + 1, [4e-3, 1e-3], engine=engine)  # noqa: E731
        sums()
        engines[engine] = timed(sums, repeats)[0]
    return (f"computes {pairs / 1e6:.1f} M pairs ({pairs / (n * (n + 1) / 2):.0%} of the N(N+1)/2) in "
            f"{pass_s * 1e3:.2g} ms ({pass_s / pairs * 1e9:.2g} ns per pair: the distances, one float32 "
            f"exponential and its fourth power); the rest of the call takes {(total - pass_s) * 1e3:.2g} ms; "
            f"the kernel sums alone {engines['fused'] * 1e3:.2g} ms against {engines['tensor'] * 1e3:.2g} ms for the "
            f"tensor pass (engine='tensor') in the same run ({engines['tensor'] / engines['fused']:.1f}x)")


def time_in(module, name: str, call) -> tuple[float, float]:
    """(seconds inside ``module.name``, seconds in all) of one ``call()``."""
    original, spent = getattr(module, name), [0.0]

    def wrapped(*a, **k):
        start = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            spent[0] += time.perf_counter() - start

    setattr(module, name, wrapped)
    try:
        start = time.perf_counter()
        call()
        return spent[0], time.perf_counter() - start
    finally:
        setattr(module, name, original)


def _seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def knn_limit(layer: np.ndarray, x, y) -> str:
    """What bounds k-NN on ``layer`` [1, N, d]: the share of the max-norm distance rows (every
    ordered pair, the pass's own compiled row function) in the whole estimate, the rest being
    the k-th smallest per label and two counts per row (``infoplane.estimators._knn_pass``)."""
    from numba import njit

    from infoplane.estimators import _knn_pass

    row = _knn_pass._row

    @njit(nogil=True)
    def rows_only(points_t):
        out = np.empty(points_t.shape[1])
        total = 0.0
        for i in range(points_t.shape[1]):
            row(points_t, i, out)
            total += out[0]
        return total

    points_t = np.ascontiguousarray(layer[0].astype(np.float64).T)
    rows_only(points_t)
    distances = min(_seconds(lambda: rows_only(points_t)) for _ in range(3))
    threads = torch.get_num_threads()
    try:  # the whole estimate on one thread too, as the rows alone
        torch.set_num_threads(1)
        total = min(_seconds(lambda: knn.information_plane(layer, y, inputs=x)) for _ in range(3))
    finally:
        torch.set_num_threads(threads)
    n = layer.shape[1]
    return (f"the pairwise pass over all {n * n / 1e6:.1f} M ordered pairs, one thread: the max-norm distance rows take "
            f"{distances * 1e3:.0f} of {total * 1e3:.0f} ms, the rest is the k-th smallest per label and two counts per row")


def binning_limit(layers: np.ndarray, y) -> str:
    """What bounds [ST17] binning on ``layers`` [B, N, d], per layer-epoch of a batched call: one
    sort of the N row keys (the plug-in counting, ``estimators._discrete``) against the whole
    estimate, best of 5 each."""
    from infoplane.estimators._discrete import row_keys

    keys = row_keys(*binning.bin_codes(layers, n_bins=30, bin_size=None))[0]
    total = min(_seconds(lambda: binning.information_plane(layers, y)) for _ in range(5)) / len(layers)
    sort = min(_seconds(lambda: np.sort(keys, axis=-1)) for _ in range(5)) / len(layers)
    return (f"NumPy passes over N x d values: one sort of the N = {keys.shape[-1]} row keys takes {sort * 1e3:.3f} of "
            f"{total * 1e3:.3f} ms per layer-epoch ({len(layers)} batched); the rest is the bin index, packing the keys "
            f"and the run statistics")


def adaptive_binning_limit(layers: np.ndarray, y) -> str:
    """What bounds adaptive binning on ``layers`` [B, N, d], per layer-epoch of a batched call:
    the equal-mass edges (one sort of all N x d activations, then their distinct values) against the
    whole estimate, best of 5 each."""
    total = min(_seconds(lambda: adaptive_binning.information_plane(layers, y)) for _ in range(5)) / len(layers)
    edges = min(_seconds(lambda: [adaptive_binning.layer_edges(v, 30, "equal_mass") for v in layers])
                for _ in range(5)) / len(layers)  # fmt: skip
    return (f"the equal-mass edges (a sort of the {layers[0].size} values, then the distinct ones counted) take {edges * 1e3:.2f} of "
            f"{total * 1e3:.2f} ms per layer-epoch ({len(layers)} batched); then one comparison per edge and value and "
            f"the counts of N keys")


def attach_limits(rows: list[dict], layer: np.ndarray, x, y, repeats: int) -> None:
    """The 'what limits it' text of each d = 10 row whose estimator has a target; ``layer``
    [B, N, d], the layer-epochs the rows were measured on."""
    for row in rows:
        if row["what"].startswith("KDE"):
            row["limit"] = "the pass " + kde_limit(layer[0], y, repeats)
        elif row["what"].startswith("k-NN"):
            row["limit"] = knn_limit(layer[:1], x, y)
        elif row["what"].startswith("binning [ST17]"):
            row["limit"] = binning_limit(layer, y)
        elif row["what"].startswith("adaptive binning"):
            row["limit"] = adaptive_binning_limit(layer, y)


def bench_trained(x, y, args) -> list[dict]:
    """Estimators on every hidden layer of trained tanh and ReLU Tishby networks."""
    rows = []
    for activation in ("tanh", "relu"):
        start = time.perf_counter()
        layers = trained_layers(x, y, activation, args.trained_seeds, args.trained_epochs)
        print(f"(trained {args.trained_seeds} {activation} networks for {args.trained_epochs} epochs in "
              f"{time.perf_counter() - start:.0f} s; distinct rows per layer: "
              f"{[len(np.unique(a[0], axis=0)) for a in layers]})", flush=True)  # fmt: skip
        for index, layer in enumerate(layers):
            found = estimator_rows(f"trained {activation} layer {index + 1} (epoch {args.trained_epochs})", layer, x, y, args)
            if layer.shape[-1] == 10:  # the targets' width: what limits them
                attach_limits(found, layer, x, y, args.repeats)
            rows += found
    return rows


def bench_wide(x, y, args) -> list[dict]:
    """Estimators on wide layers (d = 256, 1024; N = 4096); k-NN only with --knn-wide (minutes)."""
    rows = []
    for width in args.wide_widths:
        layers, images, labels, source = wide_layers(width, 2)
        rows += estimator_rows(f"tanh(Wx) of {source}", layers, images, labels, args, knn_on=args.knn_wide)
        # at the image studies' noise variance (config/fashion.yaml: 0.1) every pair is within
        # reach: the squared distances of all N(N+1)/2 pairs bound the pass
        kde.information_planes(layers[:1], labels, [{"bound": "upper", "noise_variance": 0.1}, {"bound": "lower", "noise_variance": 0.1}])
        wall, cpu = timed(lambda: kde.information_planes(layers, labels, [{"bound": "upper", "noise_variance": 0.1},
                                                                         {"bound": "lower", "noise_variance": 0.1}]), args.repeats)  # fmt: skip
        flops = 2.0 * width * 4096 * 4097 / 2  # a difference and a multiply-add per coordinate and pair
        rows.append({
            "what": f"KDE both bounds [KT17] s2 = 0.1, tanh(Wx) of {source}, N = 4096, d = {width}",
            "unit": "ms per layer-epoch", "batched": wall / len(layers) * 1e3, "cpu": cpu / len(layers) * 1e3,
            "baseline": float("nan"), "note": f"CPU {cpu / len(layers) * 1e3:.3g} ms; the squared distances alone are "
            f"{flops / 1e9:.1f} G float32 operations ({flops / (wall / len(layers)) / 1e9:.0f} G/s achieved)",
            "limit": f"the squared distances from float32 differences, {flops / 1e9:.1f} G operations per layer-epoch",
        })  # fmt: skip
    return rows


def bench_workflow_training(x, y, args) -> list[dict]:
    """train_ensemble (the training job's function) for 50 seeds, per network-epoch: the
    compiled passes (engine "auto") against torch's autograd (engine "torch"), side by side."""
    rows = []
    epochs = args.workflow_epochs
    points = max(2, round(0.0345 * epochs))  # paper.yaml records 276 of 8000 epochs
    for activation in ("tanh", "relu"):
        settings = {**TISHBY, "activation": activation, "epochs": epochs, "record": {"schedule": "log", "points": points}}
        times = {}
        for engine in ("auto", "torch"):
            with tempfile.TemporaryDirectory() as tmp:
                times[engine] = timed(lambda: train_ensemble(x, y, list(range(args.seeds)), settings, Path(tmp) / f"{time.time_ns()}.h5",
                                                             progress=False, engine=engine), 1)  # fmt: skip
        (wall, cpu), (torch_wall, _) = times["auto"], times["torch"]
        per = args.seeds * epochs
        rows.append({
            "what": f"training in the workflow (train_ensemble: HDF5 recording, gradient statistics), {args.seeds} "
                    f"{activation} Tishby networks, {epochs} epochs, log schedule of {points} points",
            "unit": "ms per network-epoch", "batched": wall / per * 1e3, "cpu": cpu / per * 1e3,
            "baseline": torch_wall / per * 1e3, "baseline_name": "the same with torch's autograd (engine torch)",
            "note": f"CPU {cpu / per * 1e3:.3g} ms; compiled passes (families._fused_mlp)",
        })  # fmt: skip
    return rows


#: (benchmark row prefix, measured field, target in ms, what the target is)
TARGETS = [
    ("KDE both bounds", "batched", 4.0, "KDE both bounds, d = 10, wall, 2 threads"),
    ("KDE both bounds", "cpu", 8.0, "KDE both bounds, d = 10, CPU"),
    ("noisy layer", "batched", 10.0, "noisy layer [GBG19], d = 10"),
    ("k-NN", "batched", 50.0, "k-NN, d = 10"),
    ("binning [ST17]", "batched", 0.1, "binning, d = 10"),
    ("adaptive binning", "batched", 1.0, "adaptive binning, d = 10"),
    ("training in the workflow", "batched", 0.4, "training, 50 networks"),
]
WIDE_TARGETS = [("KDE both bounds", "batched", 300.0, "KDE both bounds, d = 1024")]
#: what limits the KDE rows at d = 1024 (the fused pass's distances; its rows print the rate)
WIDE_LIMIT = ("the squared distances: one float32 difference and multiply-add per coordinate and pair "
              "(estimators._fused), 17.2 G float32 operations at d = 1024")


def targets_table(rows: list[dict]) -> list[str]:
    """Markdown lines: each target against every row it applies to (d = 10 layers, d = 1024 for
    the wide KDE target, training rows), with measured / target."""
    lines = ["| target | case | measured | target | measured / target | met | what limits it |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        what = row["what"]
        for prefix, field, target, label in TARGETS + WIDE_TARGETS:
            if not what.startswith(prefix):
                continue
            wide = (prefix, field, target, label) in WIDE_TARGETS
            if prefix != "training in the workflow" and not what.endswith("d = 1024" if wide else "d = 10"):
                continue
            if field not in row:
                continue
            value = row[field]
            met = value <= target
            if wide and "s2 = 1e-3" in what:
                row.setdefault("limit", WIDE_LIMIT)
            lines.append(f"| {label} | {what} | {value:.3g} ms | {target:g} ms | {value / target:.2f} | "
                         f"{'yes' if met else 'no'} | {'' if met else row.get('limit', '')} |")  # fmt: skip
    return lines
