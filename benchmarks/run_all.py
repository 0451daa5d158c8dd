"""Speed of the batched code against straightforward baselines, measured side by side in one run.

    python benchmarks/run_all.py [training] [binning] [kde] [--device cpu|cuda] [--threads N]

Prints, for each benchmark, the time per unit of work of both implementations and their ratio,
then the machine. Targets (from issue 2):

* training: the batched ensemble of 50 seeds against a per-seed loop of ``nn.Sequential``
  networks; at least 5x per network-epoch, about 1 ms per network-epoch on 2 cores;
* binning: the batched estimator against the per-input loop of the same definition; under
  1 ms per layer and epoch at N = 4096, d = 10;
* KDE upper bound: the batched float64 estimator against a direct float64 NumPy/SciPy
  evaluation of the formula; at least 10x, under 0.1 s per layer and epoch at N = 4096, d = 10.

Both sides of a ratio run in the same process, one after the other, with the same thread count;
each time is the best of ``--repeats`` runs, since a shared machine only ever adds time.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from infoplane import baselines
from infoplane.datasets import load_dataset
from infoplane.estimators import binning, kde, reference
from infoplane.training import EnsembleTrainer

SETTINGS = {
    "hidden_widths": [10, 7, 5, 4, 3], "activation": "tanh", "init": "st17", "optimizer": "adam",
    "learning_rate": 4e-4, "batch_size": 512, "epochs": 0, "train_fraction": 0.8, "split_seed": 0,
    "record": {"schedule": "log", "points": 1},
}  # fmt: skip


def best_time(fn, repeats: int) -> float:
    """Smallest wall time of ``repeats`` calls, seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def layer_activations(x: np.ndarray, count: int, width: int, seed: int = 0) -> np.ndarray:
    """[count, N, width] tanh activations of random layers on the inputs (float32)."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(scale=1.5 / np.sqrt(x.shape[1]), size=(count, x.shape[1], width))
    return np.tanh(np.einsum("nd,cdk->cnk", x - 0.5, weights)).astype(np.float32)


def bench_training(x, y, args) -> dict:
    seeds = list(range(args.seeds))
    epochs = args.epochs
    trainer = EnsembleTrainer(x, y, seeds, SETTINGS, device=args.device)
    trainer.train_epoch()  # warm-up

    def batched():
        for _ in range(epochs):
            trainer.train_epoch()

    t_batched = best_time(batched, args.repeats) / (len(seeds) * epochs)
    loop_epochs = max(1, epochs // 6)
    baselines.train_single(x, y, 0, SETTINGS, epochs=1)  # warm-up
    t_loop = best_time(lambda: [baselines.train_single(x, y, s, SETTINGS, epochs=loop_epochs) for s in seeds],
                       args.repeats) / (len(seeds) * loop_epochs)
    single = EnsembleTrainer(x, y, [0], SETTINGS, device=args.device)
    t_single = best_time(lambda: [single.train_epoch() for _ in range(loop_epochs)], args.repeats) / loop_epochs
    return {
        "what": f"training, {len(seeds)} seeds, 12-10-7-5-4-3-2 tanh, Adam, batch 512, 3277 train inputs",
        "unit": "ms per network-epoch",
        "batched": t_batched * 1e3,
        "baseline": t_loop * 1e3,
        "baseline_name": "per-seed loop of nn.Sequential",
        "note": f"one network alone in the batched code: {t_single * 1e3:.2f} ms per epoch",
    }


def bench_binning(x, y, args) -> dict:
    acts = layer_activations(x, args.layers, 10, seed=1)
    binning.information_plane(acts[:2], y)  # warm-up
    t_batched = best_time(lambda: binning.information_plane(acts, y, device=args.device), args.repeats) / len(acts)
    n_loop = min(5, len(acts))
    t_loop = best_time(lambda: [reference.binning_loop(a, y) for a in acts[:n_loop]], args.repeats) / n_loop
    batched = binning.information_plane(acts[:n_loop], y)
    looped = np.array([reference.binning_loop(a, y) for a in acts[:n_loop]]).T
    return {
        "what": f"binning [ST17] 30 bins, N = {len(y)}, d = 10, {len(acts)} layer-epochs in one call",
        "unit": "ms per layer-epoch",
        "batched": t_batched * 1e3,
        "baseline": t_loop * 1e3,
        "baseline_name": "per-input loop (reference.binning_loop)",
        "note": f"max |difference| {np.abs(np.array(batched) - looped).max():.1e} bits",
    }


def bench_kde(x, y, args) -> dict:
    acts = layer_activations(x, args.kde_layers, 10, seed=2)
    kde.information_plane(acts[:1], y)  # warm-up
    t_batched = best_time(lambda: kde.information_plane(acts, y, device=args.device), args.repeats) / len(acts)
    t_numpy = best_time(lambda: reference.kde_float64(acts[0], y), 1)
    got = kde.information_plane(acts[:1], y)
    expected = reference.kde_float64(acts[0], y)
    return {
        "what": f"KDE upper bound, s2 = 1e-3, N = {len(y)}, d = 10, {len(acts)} layer-epochs in one call",
        "unit": "ms per layer-epoch",
        "batched": t_batched * 1e3,
        "baseline": t_numpy * 1e3,
        "baseline_name": "direct float64 NumPy/SciPy (reference.kde_float64)",
        "note": f"|difference| {abs(float(got[0][0]) - expected[0]):.1e} bits (I_XT)",
    }


def machine(args) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    device = torch.cuda.get_device_name() if args.device.startswith("cuda") else cpu
    return (
        f"{device}; {os.cpu_count()} logical CPUs, torch threads {torch.get_num_threads()}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", nargs="*", help="training, binning, kde (default: all)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=20, help="epochs timed for the batched ensemble")
    parser.add_argument("--layers", type=int, default=200, help="layer-epochs in the binning call")
    parser.add_argument("--kde-layers", type=int, default=8, help="layer-epochs in the KDE call")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    benches = {"training": bench_training, "binning": bench_binning, "kde": bench_kde}
    unknown = sorted(set(args.which) - set(benches))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {sorted(benches)}")
    torch.set_num_threads(args.threads)
    x, y = load_dataset("tishby")
    print("| benchmark | batched | baseline | ratio |")
    print("| --- | --- | --- | --- |")
    for name in args.which or list(benches):
        r = benches[name](x, y, args)
        print(
            f"| {r['what']} | {r['batched']:.3g} {r['unit']} | {r['baseline']:.3g} {r['unit']} "
            f"({r['baseline_name']}) | {r['baseline'] / r['batched']:.1f}x; {r['note']} |",
            flush=True,
        )
    print(f"\nmachine: {machine(args)}")


if __name__ == "__main__":
    main()
