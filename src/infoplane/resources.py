"""Cluster resources of the workflow's jobs, from the config and the data size.

Snakemake hands a rule's ``resources`` to its executor; under ``--profile profiles/slurm`` they
become ``sbatch --mem`` (``mem_mb``, MB), ``--time`` (``runtime``, minutes), ``--cpus-per-task``
and ``--gpus``. The three rules that go to the cluster are sized here (``train_chunk``,
``estimate``, ``validate_task``; wired in by ``workflow/rules/resources.smk``); every other rule
is a ``localrule`` and runs on the machine that runs Snakemake.

Each request is a cost model (seconds of one CPU thread, megabytes) times a safety factor, plus
a job's start-up, with a floor::

    runtime = max(MIN_RUNTIME_MIN, ceil((JOB_STARTUP_S + SAFETY_TIME * seconds) / 60))
    mem_mb  = max(MIN_MEM_MB, ceil(SAFETY_MEMORY * (BASE_MEM_MB + megabytes)))

and a retry (``attempt`` k, Snakemake's ``retries``) asks for k times both. The model's
coefficients were measured on this project's machine (AMD EPYC, 2 cores, torch 2.13.0 CPU
build; README, "Benchmarks" and "MNIST"); each says where it comes from, and the ones that are
assumptions say so. Times are for one thread: more threads or a GPU make a job faster, not
slower.

Importable without torch (the machine that submits the jobs sizes them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from . import datasets, families
from .schedules import planned_epochs

__all__ = [
    "Resources", "Layout", "JobSizes", "gpus_for", "layout", "training_seconds", "layer_epoch_seconds",
    "estimation_seconds", "validation_seconds",
]  # fmt: skip

# --- requests from estimates -------------------------------------------------------------------
#: Run time requested per second of the model. With it (and without the floor) the request covers
#: the training and estimation job times the README measured, even of jobs that shared a core with
#: three others (tests/test_resources.py); a job past its time limit is killed, then retried with more.
#: 3 covered the runs up to da9d685; the default run at 9aa70cd (8 jobs on 2 cores: a job's wall time
#: up to 4 times its CPU time) had tanh's k-NN at 389 s and noisy layer at 166 s, over 60 s + 3 x the
#: model (375 s, 154 s): 4.
SAFETY_TIME = 4.0
#: Memory requested per MB of the model.
SAFETY_MEMORY = 1.5
#: Seconds a cluster job spends before its rule runs: Snakemake parsing the workflow on the node
#: and the script importing its libraries (measured: 5-20 s on this machine; doubled for a
#: shared file system).
JOB_STARTUP_S = 60.0
#: Floors: a job asks for at least this much (short jobs wait no longer in a queue for it).
MIN_RUNTIME_MIN = 10
MIN_MEM_MB = 1000
#: Resident memory of a job before its data (measured: 348 MB for the script's imports of torch,
#: NumPy, SciPy, scikit-learn, pandas, h5py and the library, 110 MB for Snakemake's own process
#: before it parses the workflow; rounded up to cover the parsed workflow).
BASE_MEM_MB = 600.0

# --- training (infoplane.training) -------------------------------------------------------------
#: Seconds per mini-batch shared by all seeds of a chunk (Python and kernel launches), and per
#: seed and mini-batch on top. Fitted to one thread's training of the Tishby network (3277
#: training rows, batch 512: 7 mini-batches per epoch; ``EnsembleTrainer.train_epoch``,
#: 2026-12-03, after the tanh and batch-gather speed-ups): 3.8, 4.5, 6.7 and 18.1 ms per epoch of
#: a chunk of 1, 4, 12 and 50 seeds (tanh; ReLU 3.1 to 18.5 ms), with the weights' flops below.
#: The paper-scale run agrees: 235 s of CPU for 50 seeds x 8000 epochs with recording, against
#: 289 s modelled. This is torch's autograd; the compiled passes of narrow MLPs
#: (infoplane.families._fused_mlp) take about half (162 s of CPU for that run, 2026-12-04), so
#: for them the model asks for about twice what they need.
BATCH_S = 0.50e-3
SEED_BATCH_S = 0.023e-3
#: Floating-point operations per second of one thread on the weights' matrix products: fitted to
#: one epoch of a 784-64-64-10 ReLU network, 4 seeds, 2458 rows, batch 128 (0.058 s, one thread,
#: 2026-12-03, after the batch gather became index_select; 6 flops per weight and row: forward 2,
#: backward 4). The MNIST network's earlier 0.9 s per network-epoch on 8000 rows (4.4e10) was
#: measured with the slower gather.
FLOPS = 7.0e10
#: Convolutions (families that declare ``conv_flops`` and ``elements``, infoplane.families): their
#: FLOPs at CONV_FLOPS per second, and each output value before pooling (batch norm, activation,
#: pooling, forward and backward) at ELEMENT_S. Fitted to one epoch of 4 seeds on 2458 rows of
#: 1 x 28 x 28 images, batch 128, one thread, machine quiet (2026-12-03, after the index_select
#: gather): the Fashion study's CNNs with 8 channels (cnn1: 0.504 s) and 8 + 16 channels (cnn2:
#: 0.845 s), their fully connected part priced at FLOPS. A first convolution over one input channel
#: is bound by its elementwise work, a second by its arithmetic.
CONV_FLOPS = 1.8e11
ELEMENT_S = 5.8e-9
#: A recorded epoch costs this many training epochs on top of its own (the gradient statistics
#: of every mini-batch and the forward pass over all rows; MNIST: 0.8 s per evaluation of 2 seeds
#: on 10000 rows against 0.9 s per network-epoch of training on 8000).
RECORDED_EPOCH_COST = 1.0
#: Bytes per second written to or read from the activation dumps: uncompressed HDF5 measured in
#: the paper-scale run (2026-12-03): a binning job read its 7.0 GB chunk in 25 s of wall time
#: (about 280 MB/s, from a local disk, partly from the page cache); gzip on one core manages
#: 20-60 MB/s. Compressed dumps (``compressed``) are priced at IO_COMPRESSED_BYTES_PER_S.
IO_BYTES_PER_S = 200e6
IO_COMPRESSED_BYTES_PER_S = 40e6

# --- estimation (infoplane.estimators): seconds per layer-epoch -------------------------------
#: One layer of one seed at one recorded epoch, N = 4096 rows, d = 10 units, both I(X;T) and
#: I(T;Y) (README "Benchmarks", ``make bench``, 2026-11-23, on random tanh layers). Each scales
#: with N and d as in :func:`layer_epoch_seconds`.
LAYER_EPOCH_S = {
    "binning": 0.22e-3,
    "adaptive_binning": 0.74e-3,
    # Both bounds of one noise variance in one pass, CPU seconds of one thread, reading included:
    # the paper-scale run at every recorded epoch, 2026-12-04 (the fused pass with float32 runs,
    # estimators._fused, terms below 2^-40 dropped), took 309 and 280 s of CPU for 82 800
    # seed-layer-epochs of trained tanh and ReLU networks each, the two jobs side by side (3.7 and
    # 3.4 ms). The pass with float64 sums: 544 and 485 s (6.6 and 5.9 ms); the tensor pass before
    # it: 9.4-10.2 ms on one thread, 20 ms on two; before that round's kernel pass, 92-103 ms.
    "kde": 3.8e-3,
    # 4096 Monte Carlo samples, one thread: 4-12.5 ms of CPU on trained Tishby layers (d = 2-10) with
    # the compiled query pass (estimators._fused_queries, 2026-12-04), 11-14 ms with the tensor pass
    "noisy": 13e-3,
    "knn": 57e-3,  # 1 thread: KNN_BASE_S + 10 KNN_UNIT_S
}
BENCH_ROWS = 4096
#: Binning packs a row's bin codes into one float64 key up to about 10 units (31^10 < 2^53,
#: estimators._discrete.row_keys) and goes column by column beyond: 1.0 ms at d = 20 (bench),
#: growing with d (checked against MNIST: 0.2 s per network-epoch on 10000 rows, 1094 units).
BINNING_PACKED_UNITS = 10
BINNING_WIDE_S = 1.0e-3 / 20  # per unit, d > BINNING_PACKED_UNITS
#: Adaptive binning grows with d: 0.31, 0.74, 1.9, 6.5 ms at d = 3, 10, 20, 64 (2026-12-04, random
#: tanh layers, N = 4096, since bins are counted by comparisons; 0.95, 3.6, 6.8 ms at d = 3, 10, 20
#: before): 0.1 ms per unit. With the compiled edges and codes (2026-12-04, a sixth session, CPU
#: of one thread on a faster hour): 0.13, 0.26, 0.90, 3.7, 16, 82 ms at d = 3, 10, 20, 64, 256,
#: 1024 (the old code 0.30, 0.64, 1.38, 5.2, 23, 110 ms side by side); kept at 0.1 ms per unit,
#: which covers d = 1024 (0.08 ms per unit there) on slower hours.
ADAPTIVE_UNIT_S = 0.1e-3
#: KDE is about flat in d up to 10 units and grows as d / 10 beyond: the fused pass's squared
#: distances cost one float32 difference and multiply-add per coordinate and pair. Measured
#: 2026-12-04 with the float32 runs (``make bench`` on tanh(Wx) of Fashion-MNIST, N = 4096, CPU
#: seconds per layer-epoch, 2 threads): d = 256, 0.07 s at s2 = 1e-3 and 0.19 s at s2 = 0.1 (model
#: 0.10 s); d = 1024, 0.25 and 0.38 s (model 0.39 s). With float64 sums (model 0.16 and 0.63 s):
#: d = 20, 13-19 ms; d = 256, 0.14-0.26 s; d = 1024, 0.52 and 0.71-0.90 s, one thread. The noisy layer (the tensor
#: pass, unchanged) at d = 256: 0.71 s, d = 1024: 3.84 s of CPU (2026-12-03).
PAIR_WIDTH_KNEE = 10.0
#: k-NN compares every pair up to ``knn.BRUTE_FORCE_MAX`` rows (the compiled pass of
#: ``knn._knn_pass``): one thread at N = 4096 takes 33, 50, 80, 188 ms at d = 3, 10, 20, 52 on the
#: 12-bit Tishby inputs, whose distances are all 1 (no distances of X), and 63, 91, 119, 221 ms on
#: 12 continuous inputs (2026-12-04, random tanh layers): KNN_BASE_S + KNN_UNIT_S per unit of the
#: layer, plus KNN_INPUTS_S + KNN_UNIT_S per input value, which the model always counts (it
#: cannot know that the inputs are equidistant). Trained Tishby layers: 26-49 ms at d = 2-10.
#: The torch pass before it: 75, 106, 170, 540 ms at d = 3, 10, 20, 64 (Tishby inputs).
KNN_BASE_S = 25e-3
KNN_UNIT_S = 3.2e-3
KNN_INPUTS_S = 5e-3
#: Where the trees search (below ``knn.PAIRWISE_MIN_UNITS`` units, or beyond
#: ``knn.BRUTE_FORCE_MAX`` rows): 36.5 ms per unit, at least 4 (their benchmark: 137 ms at d = 3;
#: trained layers 26-84 ms at d = 3-5, one thread), times (N / 4096)^2.
KNN_TREE_UNIT_S = 36.5e-3
KNN_TREE_MIN_UNITS = 4
#: Pooled estimators (ensemble over seeds, AIR over epochs) run their base estimator on the
#: pooled samples, and cost twice that (bench: the ensemble of 6 seeds with a binning base,
#: 2.6 ms, against 6 x 0.22 ms).
POOLING_OVERHEAD = 2.0
#: Pooled draws per sample in the validation study (infoplane.validation.POOLED_DRAWS).
VALIDATION_POOLED_DRAWS = 8
#: The noisy tasks' Monte Carlo truth (infoplane.validation._noisy_truth): rounds of N draws, each
#: against all N centres in float64 torch, checked after every 4 rounds until both standard
#: errors reach the target. Measured 2026-12-04 on the default validation settings (72 samples,
#: one thread): 12.7 s of CPU, 0.30 s per sample at N = 4096 (4 rounds: 4.5 ns per draw and
#: centre), 0.10 s at N = 1024 and 0.125 s at N = 256 (one sample 2.3 s), where the standard
#: errors need about 2e4 and 1e5 draws (draws x N about 2.5e7). Modelled as
#: max(4 N, VALIDATION_TRUTH_DRAW_PAIRS / N) draws at VALIDATION_TRUTH_PAIR_S per draw and
#: centre: 0.30, 0.11 and 0.11 s per sample, 12.6 s for those settings (the model before, the
#: noisy layer's pass for 4 rounds, said 1.7 s and ranked the task's job too low).
VALIDATION_TRUTH_ROUNDS = 4
VALIDATION_TRUTH_DRAW_PAIRS = 2.5e7
VALIDATION_TRUTH_PAIR_S = 4.5e-9
#: Activations read at once by an estimation job (infoplane.estimation._READ_BUDGET).
READ_BLOCK_BYTES = 256 * 2**20
#: Working memory of an estimator, per float64 value of the layer it is given.
WORK_COPIES = 16


@dataclass(frozen=True)
class Resources:
    """What one job asks for, and the model's estimate behind it.

    mem_mb : int, megabytes (``sbatch --mem``); runtime : int, minutes (``--time``);
    cpus_per_task : int, the rule's threads; gpu : int, GPUs (``--gpus``; 0 for none);
    seconds, megabytes : the model's estimate before the safety factors and floors.
    """

    mem_mb: int
    runtime: int
    cpus_per_task: int
    gpu: int
    seconds: float
    megabytes: float

    def for_attempt(self, attempt: int) -> Resources:
        """The request of try ``attempt`` (1 the first): ``attempt`` times the memory and time."""
        if attempt < 1:
            raise ValueError(f"attempt must be at least 1, got {attempt}")
        return replace(self, mem_mb=self.mem_mb * attempt, runtime=self.runtime * attempt)


def gpus_for(device: str) -> int:
    """GPUs a training or estimation job asks for under config ``device``.

    ``cpu`` and ``auto`` (a GPU where the node happens to have one): 0; ``cuda``: 1;
    ``cuda:<i>``: i + 1, since a job sees only the GPUs allocated to it, numbered from 0 (on a
    cluster, ``device: cuda`` is the one to use).

    Raises
    ------
    ValueError
        For any other value.
    """
    if device in ("cpu", "auto"):
        return 0
    if device == "cuda":
        return 1
    if device.startswith("cuda:") and device[5:].isdigit():
        return int(device[5:]) + 1
    raise ValueError(f"unknown device {device!r}: cpu, cuda, cuda:<i> or auto")


#: What each thread beyond the first adds to a PARALLEL estimator's speed (the tensor KDE pass's
#: paper-scale jobs, 2 threads: 848 s of CPU in 483 s of wall, a speed-up of 1.76; the fused KDE
#: pass splits only long passes, 1.45x at d = 1024, and keeps narrow layers on one thread, which
#: the safety factor covers).
THREAD_EFFICIENCY = 0.75


def thread_speedup(threads: int) -> float:
    """How much faster than one thread a PARALLEL estimation job runs on ``threads``."""
    return 1.0 + THREAD_EFFICIENCY * (max(1, int(threads)) - 1)


def _request(seconds: float, megabytes: float, threads: int, gpu: int) -> Resources:
    runtime = max(MIN_RUNTIME_MIN, math.ceil((JOB_STARTUP_S + SAFETY_TIME * seconds) / 60.0))
    mem_mb = max(MIN_MEM_MB, math.ceil(SAFETY_MEMORY * (BASE_MEM_MB + megabytes)))
    return Resources(mem_mb, runtime, int(threads), gpu, seconds, megabytes)


# --- the data's size -------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Sizes of one experiment's data, as the training job will see them.

    n_rows : dataset rows; n_train : training rows; n_inputs : input units; probe_rows : rows
    whose activations are recorded; recorded_epochs : epochs recorded (epoch 0 included);
    widths : units of layers 1 … L (hidden, then the output = number of classes);
    multiply_adds : of one network's forward pass per input (the model family's declared cost),
    ``conv_multiply_adds`` of them in convolutions; elements : convolution outputs per input;
    value_bytes : bytes per stored activation (4, or 2 in float16); compressed : HDF5 filter on.
    """

    n_rows: int
    n_train: int
    n_inputs: int
    probe_rows: int
    recorded_epochs: int
    widths: tuple[int, ...]
    multiply_adds: int
    value_bytes: int
    compressed: bool
    conv_multiply_adds: int = 0
    elements: int = 0

    @property
    def weights(self) -> int:
        """Multiply-adds of one network's forward pass per input: its weights, for a fully
        connected network (biases left out)."""
        return self.multiply_adds


#: Stand-in for a ``path`` dataset whose file does not exist yet: the Tishby data's size.
_UNKNOWN = (4096, 2, None, (12,))


def layout(settings: Mapping, spec: Mapping, gan: Mapping | None = None) -> Layout:
    """The sizes of an experiment with resolved ``settings`` (infoplane.config.experiment) on
    the dataset entry ``spec`` (``config["datasets"][name]``). A ``path`` dataset whose file is
    missing is sized as the Tishby data (Snakemake stops on the missing file anyway).

    With ``gan`` (a GAN study's checked section, :mod:`infoplane.gan`) the recorded network is
    the discriminator: two outputs, a probe of twice the real probe rows (as many generated),
    and per real training image three of its passes (the real and the generated image in its
    step, the generated one again in the generator's) and one of the generator's, each forward
    and backward."""
    found = datasets.spec_layout(dict(spec))
    if found is None:
        n, classes, split, input_shape = _UNKNOWN
    else:
        (n, classes, split), input_shape = found, datasets.spec_input_shape(dict(spec))
    fixed = split is not None
    if split is None:
        split = datasets.train_test_split(n, float(settings["train_fraction"]), int(settings["split_seed"]))
    probe = datasets.probe_rows(dict(settings), n, *split, fixed_split=fixed)
    record = settings["record"]
    epochs = planned_epochs(settings)
    probe_rows, multiply = len(probe), 1
    if gan is not None:
        classes, probe_rows, multiply = 2, 2 * len(probe), 3
    cost = families.cost(settings["model"], input_shape, classes)
    extra = 0 if gan is None else families.cost(gan["generator"], (int(gan["latent_dim"]),), math.prod(input_shape))["flops"] // 2
    return Layout(
        n_rows=n, n_train=len(split[0]), n_inputs=math.prod(input_shape), probe_rows=probe_rows, recorded_epochs=len(epochs),
        widths=tuple(families.layer_widths(settings["model"], input_shape, classes)),
        multiply_adds=multiply * cost["flops"] // 2 + extra,
        value_bytes=2 if record.get("precision") == "float16" else 4,
        compressed=record.get("compression", "none") != "none",
        conv_multiply_adds=cost.get("conv_flops", 0) // 2,
        elements=cost.get("elements", 0),
    )  # fmt: skip


# --- training ----------------------------------------------------------------------------------
def _io_rate(data: Layout) -> float:
    """Bytes per second of the activation dumps' reads and writes (compressed or not)."""
    return IO_COMPRESSED_BYTES_PER_S if data.compressed else IO_BYTES_PER_S


def training_seconds(data: Layout, n_seeds: int, epochs: int, batch_size: int) -> float:
    """One thread's seconds to train ``n_seeds`` networks together for ``epochs`` epochs and
    record them: every epoch's mini-batches (a share per chunk, a share per seed, the weights'
    flops, and for convolutions their flops and output values), once more per recorded epoch,
    and the dumps' bytes written."""
    batches = math.ceil(data.n_train / batch_size)
    rows = data.n_train * n_seeds
    dense = 6.0 * rows * (data.multiply_adds - data.conv_multiply_adds)  # forward 2, backward 4 per multiply-add
    conv = 6.0 * rows * data.conv_multiply_adds
    epoch = batches * (BATCH_S + n_seeds * SEED_BATCH_S) + dense / FLOPS + conv / CONV_FLOPS + rows * data.elements * ELEMENT_S
    written = data.recorded_epochs * n_seeds * data.probe_rows * sum(data.widths) * data.value_bytes
    return epochs * epoch + data.recorded_epochs * RECORDED_EPOCH_COST * epoch + written / _io_rate(data)


def training_megabytes(data: Layout, n_seeds: int, batch_size: int) -> float:
    """MB of a training job beyond :data:`BASE_MEM_MB`: the dataset (three float32 copies), the
    parameters with Adam's state and gradients (4 copies), a mini-batch's activations and their
    gradients, and one evaluation (all rows' outputs, in blocks of 8192 rows when the probe is a
    subset; float32, three copies: torch, NumPy, masked)."""
    units = sum(data.widths)
    dataset = 3 * 4 * data.n_rows * data.n_inputs
    parameters = 4 * 4 * n_seeds * data.weights
    batch = 2 * 4 * n_seeds * batch_size * (data.n_inputs + units)
    rows = data.n_rows if data.probe_rows == data.n_rows else data.probe_rows + min(data.n_rows, 8192)
    evaluation = 3 * 4 * n_seeds * rows * units
    return (dataset + parameters + batch + evaluation) / 1e6


# --- estimation --------------------------------------------------------------------------------
def layer_epoch_seconds(method: str, params: Mapping, rows: int, units: int, inputs: int = 0) -> float:
    """Seconds of one thread for estimator ``method`` with ``params`` on one layer-epoch of
    ``rows`` samples with ``units`` units (one seed; pooled estimators get the pooled rows);
    ``inputs``: values per input X, for the estimators that read the inputs (k-NN).

    Scaling from the benchmark at N = 4096, d = 10 (:data:`LAYER_EPOCH_S`): binning and
    adaptive binning ~ N, KDE and k-NN ~ N^2 (pairs), the noisy layer ~ N x its Monte Carlo
    samples; widths as described at each coefficient. An unknown method is sized as k-NN, the
    slowest measured.
    """
    n = rows / BENCH_ROWS
    if method == "binning":
        if units <= BINNING_PACKED_UNITS:
            return LAYER_EPOCH_S["binning"] * n
        return BINNING_WIDE_S * units * n
    if method == "adaptive_binning":
        return ADAPTIVE_UNIT_S * max(units, 3) * n
    wide = max(1.0, units / PAIR_WIDTH_KNEE)
    if method == "kde":
        return LAYER_EPOCH_S["kde"] * n * n * wide
    if method == "noisy":
        samples = int(params.get("n_samples", BENCH_ROWS)) / BENCH_ROWS
        return LAYER_EPOCH_S["noisy"] * n * samples * wide
    from .estimators.knn import BRUTE_FORCE_MAX, PAIRWISE_MIN_UNITS

    if units < PAIRWISE_MIN_UNITS or rows > BRUTE_FORCE_MAX:  # the path knn._pairwise takes
        return KNN_TREE_UNIT_S * max(units, KNN_TREE_MIN_UNITS) * n * n
    x_distances = KNN_INPUTS_S + KNN_UNIT_S * inputs if inputs else 0.0
    return (KNN_BASE_S + KNN_UNIT_S * units + x_distances) * n * n


def _pooled_seconds(params: Mapping, rows: int, units: int, draws: int) -> float:
    return POOLING_OVERHEAD * layer_epoch_seconds(params.get("base", "binning"), params, rows * draws, units)


def kept_epochs(recorded: int, stride: int) -> np.ndarray:
    """Indices of the recorded epochs an estimation job with ``stride`` estimates: every
    ``stride``-th and the last (infoplane.estimation.information_table)."""
    return np.unique(np.append(np.arange(0, recorded, stride), recorded - 1))


def estimation_seconds(data: Layout, method: str, params: Sequence[Mapping], n_seeds: int, stride: int) -> float:
    """One thread's seconds for an estimation job: ``method`` with each of ``params`` (its
    instances; KDE instances of a job share one pass) on every layer, kept epoch and seed of
    ``n_seeds`` networks, plus reading the kept epochs' activations."""
    kept = kept_epochs(data.recorded_epochs, stride)
    passes = 1 if method == "kde" else len(params)
    first = params[0]
    seconds = 0.0
    for units in data.widths:
        if method == "ensemble":  # the seeds pooled at each kept epoch
            seconds += len(kept) * _pooled_seconds(first, data.probe_rows, units, n_seeds)
        elif method == "air":  # each seed's window of consecutive recorded epochs, per window end
            window = int(first.get("window", 10))
            ends = int((kept >= window - 1).sum())
            seconds += n_seeds * ends * _pooled_seconds(first, data.probe_rows, units, window)
        else:
            inputs = data.n_inputs if method == "knn" else 0
            seconds += n_seeds * len(kept) * layer_epoch_seconds(method, first, data.probe_rows, units, inputs)
    read = n_seeds * len(kept) * data.probe_rows * sum(data.widths) * data.value_bytes
    return passes * seconds + read / _io_rate(data)


def estimation_megabytes(data: Layout, method: str, params: Mapping, n_seeds: int, chunk_seeds: int) -> float:
    """MB of an estimation job beyond :data:`BASE_MEM_MB`: the activations read at once
    (:data:`READ_BLOCK_BYTES`, at least one epoch of a chunk's seeds; AIR one window of them;
    the ensemble every seed) as float32 with a copy, and the estimator's working memory
    (:data:`WORK_COPIES` float64 copies of the samples it is given)."""
    widest = max(data.widths)
    one_epoch = 4 * data.probe_rows * widest
    if method == "air":  # a block of window ends, each end's W epochs copied (infoplane.estimation)
        pooled = int(params.get("window", 10))
        block = max(READ_BLOCK_BYTES, one_epoch * chunk_seeds * pooled)
    elif method == "ensemble":
        block = max(READ_BLOCK_BYTES, one_epoch * n_seeds)
        pooled = n_seeds
    else:
        block = max(READ_BLOCK_BYTES, one_epoch * chunk_seeds)
        pooled = 1
    work = WORK_COPIES * 8 * data.probe_rows * pooled * widest
    return (2 * block + work) / 1e6


# --- validation --------------------------------------------------------------------------------
def _validation_samples(task: str, settings: Mapping) -> list[tuple[int, int, bool]]:
    """(rows, units, has a Monte Carlo truth) of every sample of a task family
    (infoplane.validation.task_samples)."""
    out = []
    for n in settings["n_samples"]:
        for _ in range(int(settings["repeats"])):
            if task in ("gaussian", "channel"):
                totals = len(settings.get("total_bits") or (None,))
                out += [(n, int(dim), False) for dim in settings["dims"] for _total in range(totals)]
            elif task == "deterministic":
                out += [(n, int(w), False) for _activation in range(2) for w in settings["layer_widths"]]
            else:
                out += [(n, int(w), True) for _activation in range(2) for w in settings["layer_widths"]
                        for _s2 in settings["noise_variances"]]  # fmt: skip
    return out


def validation_seconds(task: str, settings: Mapping, instances: Sequence[tuple[str, Mapping]]) -> float:
    """One thread's seconds for one validation task family: every (method, params) of
    ``instances`` on every sample, and the noisy tasks' Monte Carlo truths."""
    seconds = 0.0
    for rows, units, truth in _validation_samples(task, settings):
        for method, params in instances:
            if method == "ensemble":
                seconds += _pooled_seconds(params, rows, units, VALIDATION_POOLED_DRAWS)
            elif method == "air":
                seconds += _pooled_seconds(params, rows, units, int(params.get("window", 10)))
            else:
                seconds += layer_epoch_seconds(method, params, rows, units)
        if truth:  # draws against N centres until the standard errors are small enough
            seconds += VALIDATION_TRUTH_PAIR_S * rows * max(VALIDATION_TRUTH_ROUNDS * rows, VALIDATION_TRUTH_DRAW_PAIRS / rows)
    return seconds


def validation_megabytes(settings: Mapping) -> float:
    """MB of a validation job beyond :data:`BASE_MEM_MB`: the working memory of the largest
    sample (pooled over the most draws)."""
    rows = max(settings["n_samples"])
    units = max(max(settings["dims"]), max(settings["layer_widths"]), 12)
    return WORK_COPIES * 8 * rows * VALIDATION_POOLED_DRAWS * units / 1e6


# --- per job -----------------------------------------------------------------------------------
class JobSizes:
    """Resources of the workflow's cluster jobs for one validated ``config``, the experiments'
    sizes computed once.

    The arguments are the workflow's own objects: an :class:`infoplane.config.Experiment`, an
    :class:`infoplane.instances.Job` with its instances' parameters, and the validated
    instances (:class:`infoplane.instances.Instance`).
    """

    def __init__(self, config: Mapping):
        self.config = config
        self._layouts: dict[str, Layout] = {}

    def layout(self, experiment) -> Layout:
        if experiment.name not in self._layouts:
            spec = self.config["datasets"][experiment.dataset]
            self._layouts[experiment.name] = layout(experiment.settings, spec, self.config.get("gan"))
        return self._layouts[experiment.name]

    def _gpu(self) -> int:
        return gpus_for(self.config.get("device", "cpu"))

    def train_chunk(self, experiment, chunk: int) -> Resources:
        """Resources of training chunk ``chunk`` of ``experiment``."""
        settings, data = experiment.settings, self.layout(experiment)
        seeds = len(experiment.chunks[chunk])
        batch = int(settings["batch_size"])
        seconds = training_seconds(data, seeds, int(settings["epochs"]), batch)
        return _request(seconds, training_megabytes(data, seeds, batch), self.config["threads"]["train"], self._gpu())

    def skipping_truth(self, experiment, instance) -> Resources:
        """Resources of the skipping study's truth job: ``instance`` (an
        :class:`infoplane.instances.Instance`) at every epoch 0 … epochs of ``experiment``."""
        from .instances import Job

        job = Job(instance.name, instance.method, (instance.name,), 1, {"method": "simple", "n": 1})
        return self.estimate(experiment, job, {instance.name: instance.params})

    def estimate(self, experiment, job, params: Mapping[str, Mapping]) -> Resources:
        """Resources of estimation ``job`` on ``experiment``; ``params``: instance name -> its
        complete parameters."""
        data = self.layout(experiment)
        chosen = [params[name] for name in job.instances]
        seeds = len(experiment.seeds)
        if getattr(job, "skip", None):  # at most every epoch it may measure: all of them with kept weights
            settings = experiment.settings
            measurable = int(settings["epochs"]) + 1 if settings["record"].get("keep_weights") else data.recorded_epochs
            data = replace(data, recorded_epochs=measurable)
        seconds = estimation_seconds(data, job.method, chosen, seeds, job.stride)
        megabytes = estimation_megabytes(data, job.method, chosen[0], seeds, max(len(c) for c in experiment.chunks))
        from . import estimators

        parallel = any(estimators.uses_threads(job.method, c) for c in chosen)
        threads = int(self.config["threads"]["estimate"]) if parallel else 1
        return _request(seconds / thread_speedup(threads), megabytes, threads, self._gpu())

    def validate_task(self, task: str, instances: Sequence) -> Resources:
        """Resources of validation ``task`` over the validated ``instances`` (CPU only: the
        validation study does not use the device)."""
        settings = self.config["validation"]
        seconds = validation_seconds(task, settings, [(i.method, i.params) for i in instances])
        return _request(seconds, validation_megabytes(settings), self.config["threads"]["validate"], 0)
