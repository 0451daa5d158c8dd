"""Speed of the batched code against straightforward baselines, measured side by side in one run.

    python benchmarks/run_all.py [training] [families] [estimators] [trained] [wide] [workflow]
                                 [--widths 3 10 20] [--threads N] [--knn-wide]

Prints, for each benchmark, the time per unit of work of both implementations, their ratio and
how far their values differ, then the machine. Targets:

* training: the batched ensemble of 50 seeds against a per-seed loop of ``nn.Sequential``
  networks; at least 5x per network-epoch, about 1 ms per network-epoch on 2 cores;
* families: for each model family, its batched ensemble of ``--family-seeds`` seeds against a
  per-seed loop of the family's plain ``nn.Module`` (``single``), on image-shaped inputs
  [2048, 1, 28, 28] (Fashion-MNIST's shape, random pixels, 10 classes), Adam, batch 128;
* every estimator per layer-epoch at N = 4096 for each width d, against a straightforward
  unbatched implementation of the same definition (``infoplane.estimators.reference``: per-input
  loops for the binning estimators, float64 NumPy/SciPy for the KDE bounds and the noisy-layer
  Monte Carlo, textbook ``cKDTree`` queries for k-NN). Targets at d = 10 on 2 cores: binning
  <= 0.1 ms, KDE (both bounds together) <= 4 ms, k-NN <= 50 ms;
* trained, wide, workflow: the cases users run (``benchmarks/hard_cases.py``): every hidden
  layer of trained tanh and ReLU Tishby networks, layers of width 256 and 1024, and training
  inside the workflow's own function, with recording.

After the rows, a table of the targets (issue 14): each target, the measured value, their
ratio and whether it is met.

Both sides of a ratio run in the same process, one after the other, with the same thread count;
each time is the best of ``--repeats`` runs, since a shared machine only ever adds time.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import torch

from infoplane import baselines
from infoplane.datasets import load_dataset
from infoplane.estimators import binning, kde, reference
from infoplane.training import EnsembleTrainer

import hard_cases

#: The Tishby network's training settings ([ST17]), declared once in hard_cases.
SETTINGS = hard_cases.TISHBY


def best_time(fn, repeats: int) -> float:
    """Smallest wall time of ``repeats`` calls, seconds (:func:`hard_cases.timed`)."""
    return hard_cases.timed(fn, repeats)[0]


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
    autograd = EnsembleTrainer(x, y, seeds, SETTINGS, device=args.device, engine="torch")
    autograd.train_epoch()
    t_autograd = best_time(lambda: [autograd.train_epoch() for _ in range(epochs)], args.repeats) / (len(seeds) * epochs)
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
        "note": f"{'compiled passes' if trainer.fused is not None else 'torch autograd'}; the same ensemble with torch's "
                f"autograd (engine torch): {t_autograd * 1e3:.3f} ms; one network alone in the batched code: "
                f"{t_single * 1e3:.2f} ms per epoch",
    }


#: The networks the families benchmark times (image-shaped inputs [1, 28, 28]).
FAMILY_MODELS = {
    "mlp": {"family": "mlp", "hidden_widths": [256, 128, 64]},
    "cnn": {"family": "cnn", "channels": [8], "kernel_size": 5, "padding": 2, "pool": 2, "hidden_widths": [64]},
}


def bench_families(x, y, args) -> list[dict]:
    from infoplane import families

    rng = np.random.default_rng(0)
    images = rng.random((2048, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, 2048)
    seeds = list(range(args.family_seeds))
    out = []
    for name in families.REGISTRY:
        if name not in FAMILY_MODELS:
            continue
        settings = {**SETTINGS, "model": FAMILY_MODELS[name], "activation": "relu", "init": "glorot_uniform",
                    "learning_rate": 1e-3, "batch_size": 128}  # fmt: skip
        settings.pop("hidden_widths")
        trainer = EnsembleTrainer(images, labels, seeds, settings, device=args.device)
        trainer.train_epoch()  # warm-up
        t_batched = best_time(trainer.train_epoch, args.repeats) / len(seeds)
        baselines.train_single(images, labels, 0, settings, epochs=1)  # warm-up
        t_loop = best_time(lambda: [baselines.train_single(images, labels, s, settings, epochs=1) for s in seeds],
                           1) / len(seeds)  # fmt: skip
        cost = families.cost(trainer.settings["model"], (1, 28, 28), 10)
        out.append({
            "what": f"family {name} ({families.describe(trainer.settings['model'])}), {len(seeds)} seeds, "
                    f"{cost['parameters']} parameters and {cost['flops'] / 1e6:.2f} MFLOPs per input, 1536 train images",
            "unit": "ms per network-epoch",
            "batched": t_batched * 1e3,
            "baseline": t_loop * 1e3,
            "baseline_name": "per-seed loop of the family's plain nn.Module",
            "note": "same initial weights and batches",
        })  # fmt: skip
    return out


def _agreement(batched, baseline) -> str:
    diff = np.abs(np.asarray(batched, dtype=float) - np.asarray(baseline, dtype=float)).max()
    return f"max |difference| {diff:.1e} bits"


def _estimator_bench(name, width, batched_fn, baseline_fn, acts, baseline_count, args, *, target=None) -> dict:
    """Time ``batched_fn(acts)`` per layer-epoch against ``baseline_fn(layer)`` on the first
    ``baseline_count`` layers, and compare their values on those layers."""
    batched_fn(acts[:1])  # warm-up (first calls import, allocate, build caches)
    t_batched = best_time(lambda: batched_fn(acts), args.repeats) / len(acts)
    t_base = best_time(lambda: [baseline_fn(a) for a in acts[:baseline_count]], 1) / baseline_count
    got = np.asarray(batched_fn(acts[:baseline_count]), dtype=float).reshape(-1, baseline_count)
    expected = np.asarray([baseline_fn(a) for a in acts[:baseline_count]], dtype=float).reshape(baseline_count, -1).T
    return {
        "what": f"{name}, N = {acts.shape[-2]}, d = {width}",
        "unit": "ms per layer-epoch",
        "batched": t_batched * 1e3,
        "baseline": t_base * 1e3,
        "note": _agreement(got, expected) + (f"; target {target}" if target else ""),
    }


def bench_estimators(x, y, args) -> list[dict]:
    """Every estimator per layer-epoch at N = 4096 for each width, against a straightforward
    unbatched implementation of the same definition (infoplane.estimators.reference)."""
    from infoplane.estimators import adaptive_binning, ensemble, knn, noisy

    rows = []
    for width in args.widths:
        acts = layer_activations(x, args.layers, width, seed=width)
        few = acts[: max(2, args.kde_layers)]
        rows.append(_estimator_bench(
            "binning [ST17] 30 bins", width, lambda a: binning.information_plane(a, y),
            lambda a: reference.binning_loop(a, y), acts, 5, args, target="<= 0.1 ms at d = 10" if width == 10 else None,
        ))  # fmt: skip
        rows.append(_estimator_bench(
            "adaptive binning [CHO19], 30 equal-mass bins", width, lambda a: adaptive_binning.information_plane(a, y),
            lambda a: reference.adaptive_binning_loop(a, y), acts[:40], 5, args,
        ))  # fmt: skip

        def both_bounds(a):
            upper, lower = kde.information_planes(a, y, [{"bound": "upper"}, {"bound": "lower"}])
            return np.stack([upper[0], lower[0], upper[1], lower[1]])

        def both_bounds_float64(a):
            upper, lower = reference.kde_float64(a, y, bound="upper"), reference.kde_float64(a, y, bound="lower")
            return [upper[0], lower[0], upper[1], lower[1]]

        rows.append(_estimator_bench(
            "KDE both bounds [KT17], s2 = 1e-3, one pass, synthetic tanh layer", width, both_bounds, both_bounds_float64, few, 1,
            args, target="<= 4 ms at d = 10" if width == 10 else None,
        ))  # fmt: skip
        inputs, noise = noisy.draws(len(y), width, 4096, 0)
        rows.append(_estimator_bench(
            "noisy layer [GBG19], s2 = 1e-3, 4096 samples", width, lambda a: noisy.information_plane(a, y, n_samples=4096),
            lambda a: reference.noisy_direct(a, y, noise_variance=1e-3, noise=noise.numpy()[None]), few, 1, args,
        ))  # fmt: skip
        rows.append(_estimator_bench(
            "k-NN [KSG04] I(X;T) + [Ross14] I(T;Y), k = 3", width,
            lambda a: np.stack(knn.information_plane(a, y, inputs=x)) if a.ndim == 3 else knn.information_plane(a, y, inputs=x),
            lambda a: hard_cases.knn_reference(x, a, y), acts[:4], 1, args,
            target="<= 50 ms at d = 10" if width == 10 else None,
        ))  # fmt: skip
        pooled = layer_activations(x, 24, width, seed=width + 1).reshape(4, 6, len(y), width)  # 4 epochs of 6 seeds
        rows.append(_estimator_bench(
            "ensemble of 6 seeds, binning base", width, lambda a: np.stack(ensemble.information_plane(a, y)) if a.ndim == 4 else ensemble.information_plane(a, y),
            lambda a: reference.pooled_binning_loop(a, y), pooled, 1, args,
        ))  # fmt: skip
        if width == 10:  # what limits the binning targets (the trained rows say it for KDE and k-NN too)
            binned = [row for row in rows[-6:] if "binning" in row["what"] and "ensemble" not in row["what"]]
            hard_cases.attach_limits(binned, acts, x, y, args.repeats)
    return rows


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
    parser.add_argument("which", nargs="*", help="training, families, estimators (default: all)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=20, help="epochs timed for the batched ensemble")
    parser.add_argument("--layers", type=int, default=200, help="layer-epochs in the binning call")
    parser.add_argument("--kde-layers", type=int, default=8, help="layer-epochs in the KDE and noisy calls")
    parser.add_argument("--widths", type=int, nargs="+", default=[3, 10, 20], help="layer widths d")
    parser.add_argument("--family-seeds", type=int, default=8, help="seeds of each family's ensemble")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trained-epochs", type=int, default=8000, help="epochs of the trained networks")
    parser.add_argument("--trained-seeds", type=int, default=2, help="trained networks per activation (layer-epochs timed)")
    parser.add_argument("--wide-widths", type=int, nargs="+", default=[256, 1024], help="widths of the wide layers")
    parser.add_argument("--knn-wide", action="store_true", help="also time k-NN on the wide layers (minutes each)")
    parser.add_argument("--workflow-epochs", type=int, default=400, help="epochs of the workflow training benchmark")
    args = parser.parse_args()
    benches = {
        "training": bench_training, "families": bench_families, "estimators": bench_estimators,
        "trained": hard_cases.bench_trained, "wide": hard_cases.bench_wide, "workflow": hard_cases.bench_workflow_training,
    }  # fmt: skip
    unknown = sorted(set(args.which) - set(benches))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {sorted(benches)}")
    torch.set_num_threads(args.threads)
    x, y = load_dataset("tishby")
    print(f"machine: {machine(args)}\n")
    print("| benchmark | batched | baseline | ratio |")
    print("| --- | --- | --- | --- |")
    rows = []
    for name in args.which or list(benches):
        results = benches[name](x, y, args)
        for r in results if isinstance(results, list) else [results]:
            rows.append(r)
            print(
                f"| {r['what']} | {r['batched']:.3g} {r['unit']} | {r['baseline']:.3g} {r['unit']} "
                f"({r.get('baseline_name', 'reference')}) | {r['baseline'] / r['batched']:.1f}x; {r['note']} |"
                if r["baseline"] == r["baseline"] else f"| {r['what']} | {r['batched']:.3g} {r['unit']} | (none) | {r['note']} |",
                flush=True,
            )
    print("\nTargets (issue 14; N = 4096, per layer-epoch or network-epoch):\n")
    print("\n".join(hard_cases.targets_table(rows)))
    print(f"\nmachine: {machine(args)}")


if __name__ == "__main__":
    main()
