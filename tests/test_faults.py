"""Faults, and nothing lost: damaged or tampered chunk files are named and trained again, runs
killed with SIGKILL recover with the same command, and settings that change numbers rerun.

The fast tests damage real recordings and lock folders; the slow ones run the real workflow on
config/tiny.yaml, reduced to the binning, KDE and k-NN entries (the run's machinery, not the
estimators, is under test; the two slow estimators keep estimation long enough to be killed in),
in one shared copy of the checkout (with its profiles), kill it with SIGKILL during training,
estimation and LaTeX, damage its chunk files, and rerun the plain command.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from base64 import urlsafe_b64encode
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import ROOT, SNAKEMAKE, copy_workflow, edited_config, reduced_config, results
from infoplane import recording, runtime
from infoplane.runtime import damage, locks
from infoplane.datasets import load_dataset
from infoplane.training import train_ensemble

SETTINGS = {
    "hidden_widths": [10, 7, 5, 4, 3], "activation": "tanh", "init": "st17", "optimizer": "adam",
    "learning_rate": 4e-4, "batch_size": 512, "epochs": 4, "train_fraction": 0.8, "split_seed": 0,
    "record": {"schedule": "every", "step": 2},
}  # fmt: skip


@pytest.fixture(scope="module")
def chunk(tmp_path_factory):
    """One real chunk file (2 seeds, tanh, epochs 0, 2, 4), copied by each test that damages it."""
    path = tmp_path_factory.mktemp("chunk") / "chunk-0.h5"
    return train_ensemble(*load_dataset("tishby"), [0, 1], SETTINGS, path, experiment="tanh", progress=False)


@pytest.fixture()
def copy(chunk, tmp_path):
    target = tmp_path / "results" / "train" / "tanh" / "chunk-0.h5"
    target.parent.mkdir(parents=True)
    shutil.copy(chunk, target)
    return target


def flip(path, offset, count, mask=0xFF):
    """XOR ``count`` bytes of ``path`` from ``offset`` on with ``mask`` (0xFF: invert them)."""
    with open(path, "r+b") as handle:
        handle.seek(offset)
        data = handle.read(count)
        handle.seek(offset)
        handle.write(bytes(b ^ mask for b in data))


def flip_in_dataset(path, name, count=400, where=None, mask=0xFF):
    """Flip ``count`` bytes inside one stored chunk of dataset ``name`` (its data, on disk): the
    first chunk, or the one that holds the element ``where``."""
    with h5py.File(path, "r") as f:
        index = f[name].id
        info = index.get_chunk_info(0) if where is None else index.get_chunk_info_by_coord(where)
    assert info.size > count + 200
    flip(path, info.byte_offset + 100, count, mask)


# -- damaged and tampered recordings: each reader names the file, the dataset and the problem -----


def test_an_undamaged_chunk_reads(copy):
    info = recording.read_info(copy)
    assert info.experiment == "tanh" and info.attrs["activation"] == "tanh" and info.epochs.tolist() == [0, 2, 4]
    values = recording.read_activations(copy, 5)
    assert values.shape == (3, 2, 4096, 3) and np.abs(values).max() <= 1


def test_reads_into_a_buffer_equal_plain_reads(copy):
    buffer = np.full(10**6, -7.0, dtype=np.float32)
    for layer in (1, 5):
        for epochs in (slice(None), [0, 1], [1, 2], [0, 2], slice(1, 3), [2]):
            plain = recording.read_activations(copy, layer, epochs)
            into = recording.read_activations(copy, layer, epochs, out=buffer)
            assert np.array_equal(into, plain) and np.shares_memory(into, buffer), (layer, epochs)
    # indices that are not evenly spaced, or a buffer too small, are read into a new array
    small = np.empty(10, dtype=np.float32)
    assert not np.shares_memory(recording.read_activations(copy, 1, out=small), small)


def test_a_buffered_read_still_finds_damage(copy):
    buffer = np.empty(10**6, dtype=np.float32)
    flip_in_dataset(copy, "activations/layer_5")
    with pytest.raises(recording.DamagedRecordingError, match=r"dataset /activations/layer_5: a stored chunk fails its Fletcher-32"):
        recording.read_activations(copy, 5, out=buffer)
    with h5py.File(copy, "r+") as f:
        f["activations/layer_2"][1, 1, 7, 1] = np.inf
    with pytest.raises(recording.DamagedRecordingError, match=r"1 values are NaN or infinite outside a diverged seed's epochs"):
        recording.read_activations(copy, 2, slice(0, 3), out=buffer)


def test_a_recording_that_cannot_fit_on_the_disk_is_refused_before_training(tmp_path, monkeypatch):
    real = shutil.disk_usage
    monkeypatch.setattr(recording.shutil, "disk_usage", lambda path: real(path)._replace(free=10**6))
    x, y = load_dataset("tishby")
    target = tmp_path / "chunk-0.h5"
    started = time.perf_counter()
    # 3 recorded epochs x 2 seeds x 4096 rows x 31 units x 4 bytes = 3.05 MB, 1 MB free
    with pytest.raises(OSError, match=r"chunk-0.h5: the recording needs 0.00305 GB .* and 0.001 GB are free there") as error:
        train_ensemble(x, y, [0, 1], SETTINGS, target, experiment="tanh", progress=False)
    assert error.value.errno == errno.ENOSPC and time.perf_counter() - started < 30
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a partial file
    monkeypatch.setattr(recording.shutil, "disk_usage", lambda path: real(path)._replace(free=4 * 10**6))
    train_ensemble(x, y, [0, 1], SETTINGS, target, experiment="tanh", progress=False)  # fits: trains


def test_finite_flags_seed_epochs_with_nan_or_infinity():
    from infoplane.estimation import _finite

    acts = np.zeros((3, 2, 5, 4), dtype=np.float32)
    acts[0, 1, 2, 3] = np.nan
    acts[2, 0, 4, 0] = -np.inf
    acts[1, 1, 0, 0] = np.finfo(np.float32).max
    assert _finite(acts, 2).tolist() == [[True, False], [True, True], [False, True]]
    assert _finite(acts[:, :, :0], 2).all()


def test_a_truncated_chunk_is_named(copy):
    size = copy.stat().st_size
    os.truncate(copy, size // 2)
    for read in (recording.read_info, recording.read_status, recording.read_statistics, lambda p: recording.read_activations(p, 1)):
        with pytest.raises(recording.DamagedRecordingError, match=rf"damaged recording {re.escape(str(copy))}: it does not open as an HDF5 file"):
            read(copy)


@pytest.mark.parametrize("offset, count", [(0, 8), (8, 40)], ids=["signature", "superblock"])
def test_flipped_header_bytes_are_named(copy, offset, count):
    flip(copy, offset, count)
    with pytest.raises(recording.DamagedRecordingError, match=rf"{re.escape(str(copy))}: it does not open as an HDF5 file") as error:
        recording.read_info(copy)
    assert isinstance(error.value, OSError) and isinstance(error.value, ValueError)


def test_flipped_attribute_bytes_fail_the_metadata_checksum(copy):
    data = copy.read_bytes()
    offset = data.index(b"infoplane-run")  # the format attribute, inside the root's object header
    flip(copy, offset, 4)
    with pytest.raises(recording.DamagedRecordingError, match=re.escape(str(copy))) as error:
        recording.read_info(copy)
    assert "checksum" in str(error.value).lower() or "does not open" in str(error.value)


def test_400_flipped_bytes_in_layer_5_fail_its_checksum(copy):
    flip_in_dataset(copy, "activations/layer_5")
    recording.read_info(copy)  # the layout is intact: only reading the data finds it
    recording.read_activations(copy, 4)
    with pytest.raises(recording.DamagedRecordingError) as error:
        recording.read_activations(copy, 5)
    assert str(error.value).startswith(f"damaged recording {copy}, dataset /activations/layer_5: a stored chunk fails its Fletcher-32 checksum")
    assert error.value.path == copy and error.value.dataset == "/activations/layer_5"


def test_flipped_bytes_in_an_index_array_fail_its_checksum(copy):
    flip_in_dataset(copy, "data/labels", count=8, mask=0x5A)
    with pytest.raises(recording.DamagedRecordingError, match=r"dataset /data/labels: a stored chunk fails its Fletcher-32 checksum"):
        recording.read_info(copy)


def test_zero_bytes_inverted_escape_the_checksum_but_not_the_range_check(copy):
    # Fletcher-32 sums 16-bit words modulo 65535, where 0x0000 and 0xFFFF are the same: inverting
    # a run of zero bytes (exact zeros, common in ReLU layers) leaves the checksum as it was
    with h5py.File(copy, "r+") as f:
        values = f["activations/layer_2"][1, 1]
        values.reshape(-1)[25:125] = 0.0  # the 100 values in the bytes flip_in_dataset inverts
        f["activations/layer_2"][1, 1] = values
    flip_in_dataset(copy, "activations/layer_2", where=(1, 1, 0, 0))
    with pytest.raises(recording.DamagedRecordingError, match=r"dataset /activations/layer_2: 100 values are NaN or infinite outside "
                                                                r"a diverged seed's epochs \(first: nan at epoch 2, seed 1, probe row 3, unit 4\)"):  # fmt: skip
        recording.read_activations(copy, 2)


@pytest.mark.parametrize(
    "layer, value, message",
    [
        (5, 3.0, r"1 values outside \[-1, 1\], the range of tanh \(first: 3 at epoch 2, seed 1, probe row 7, unit 1\)"),
        (6, 1.5, r"1 values outside \[0, 1\], the range of softmax"),
        (6, -0.25, r"1 values outside \[0, 1\], the range of softmax"),
        (2, np.nan, r"1 values are NaN or infinite outside a diverged seed's epochs \(first: nan at epoch 2, seed 1"),
        (2, np.inf, r"1 values are NaN or infinite outside a diverged seed's epochs"),
    ],
)
def test_tampered_activations_with_valid_checksums_are_refused(copy, layer, value, message):
    with h5py.File(copy, "r+") as f:  # HDF5 recomputes the checksums: only the range check can tell
        f[f"activations/layer_{layer}"][1, 1, 7, 1] = value
    with pytest.raises(recording.DamagedRecordingError, match=rf"{re.escape(str(copy))}, dataset /activations/layer_{layer}: {message}"):
        recording.read_activations(copy, layer)
    recording.read_activations(copy, layer, [0])  # the other epochs are sound


def test_nan_is_allowed_in_a_diverged_seeds_epochs(copy):
    with h5py.File(copy, "r+") as f:
        f["status/diverged_epoch"][1] = 2
        f["activations/layer_3"][1:, 1] = np.nan
    assert np.isnan(recording.read_activations(copy, 3)[1:, 1]).all()
    with h5py.File(copy, "r+") as f:
        f["activations/layer_3"][0, 1, 0, 0] = np.nan  # before it diverged
    with pytest.raises(recording.DamagedRecordingError, match=r"NaN or infinite outside a diverged seed's epochs \(first: nan at epoch 0, seed 1"):
        recording.read_activations(copy, 3)


def test_relu_below_zero_is_refused(copy):
    with h5py.File(copy, "r+") as f:
        f.attrs.modify("activation", np.bytes_(b"relu"))
        f["activations/layer_1"][...] = np.abs(f["activations/layer_1"][()])
    recording.read_activations(copy, 1)
    with pytest.raises(recording.DamagedRecordingError, match=r"values outside \[0, inf\], the range of relu"):
        recording.read_activations(copy, 2)


@pytest.mark.parametrize("name, problem", [
    ("activations/layer_3", r"shape \(3, 2, 4096, 4\), expected \(3, 2, 4096, 5\)"),
    ("metrics/test_loss", r"shape \(3, 2, 4096, 4\), expected \(3, 2\)"),
])  # fmt: skip
def test_a_dataset_of_the_wrong_shape_is_named(copy, name, problem):
    with h5py.File(copy, "r+") as f:
        del f[name]
        f.create_dataset(name, data=np.zeros((3, 2, 4096, 4), np.float32), fletcher32=True)
    with pytest.raises(recording.DamagedRecordingError, match=rf"{re.escape(str(copy))}, dataset /{name}: {problem}"):
        recording.read_info(copy)


def test_a_missing_dataset_is_named(copy):
    with h5py.File(copy, "r+") as f:
        del f["gradients/snr"]
    with pytest.raises(recording.DamagedRecordingError, match=r"dataset /gradients/snr: it is missing"):
        recording.read_info(copy)
    with pytest.raises(recording.DamagedRecordingError, match=r"dataset /gradients/snr: it is missing"):
        recording.read_statistics(copy)


def test_move_aside_never_deletes_nor_overwrites(tmp_path):
    path = tmp_path / "chunk-0.h5"
    contents = []
    for n in range(3):
        contents.append(f"version {n}".encode())
        path.write_bytes(contents[-1])
        moved = recording.move_aside(path)
        assert not path.exists() and moved.read_bytes() == contents[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunk-0.h5.damaged", "chunk-0.h5.damaged-2", "chunk-0.h5.damaged-3"]
    assert (tmp_path / "chunk-0.h5.damaged").read_bytes() == contents[0]
    assert recording.move_aside(path) is None  # gone already: nothing to do


def test_moves_are_logged_and_counted_per_chunk(tmp_path):
    first, second = tmp_path / "chunk-0.h5", tmp_path / "chunk-1.h5"
    assert damage.times_moved_aside(first) == 0
    for n in range(2):
        first.write_bytes(b"x")
        assert damage.move_aside_logged(first, f"problem {n}\nwith a second line") is not None
    second.write_bytes(b"y")
    damage.move_aside_logged(second, "another")
    assert damage.move_aside_logged(second, "gone already") is None  # nothing moved, nothing logged
    assert (damage.times_moved_aside(first), damage.times_moved_aside(second)) == (2, 1)
    rows = (tmp_path / "moved_aside.tsv").read_text().splitlines()
    assert len(rows) == 4 and rows[2].split("\t")[1:] == ["chunk-0.h5", "chunk-0.h5.damaged-2", "problem 1 with a second line"]


def test_a_lost_race_for_the_locks_names_the_live_run(state):
    import logging

    lines = []
    logger = logging.getLogger("test-snakemake")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _register(state, other.pid)
        locks.explain_lock_failures(logger, state, write=lines.append)
        logger.error("Building DAG of jobs...")
        assert lines == []
        logger.error("LockException:\nError: Directory cannot be locked. Please make sure ...")
        logger.error("LockException: again")  # said once
    finally:
        other.kill()
        other.wait()
    (line,) = lines
    assert line.startswith(f"infoplane: the directory is locked by a run that is alive: snakemake process {other.pid} (snakemake report)")
    assert "do not use --unlock while it runs" in line


class _FakeJob:
    """What :func:`infoplane.runtime.job` reads of Snakemake's ``snakemake`` object."""

    def __init__(self, log):
        self.log, self.rule, self.wildcards, self.threads = [str(log)], "estimate", {"experiment": "tanh"}, 1


def test_a_job_that_imports_torch_late_gets_the_rules_threads(tmp_path):
    """k-NN imports torch only inside its pairwise search, after the job has started: torch's
    thread pool must still have the rule's threads, not the machine's CPU count."""
    code = (
        "import os, sys; from infoplane import runtime\n"
        "class Job:\n"
        f"    log, rule, wildcards, threads = [{str(tmp_path / 'job.log')!r}], 'estimate', {{}}, 1\n"
        "with runtime.job(Job()):\n"
        "    assert 'torch' not in sys.modules\n"
        "    import torch\n"
        "    print(torch.get_num_threads(), os.environ['OMP_NUM_THREADS'])\n"
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    # torch's own default is the CPU count (torch caps a larger OMP_NUM_THREADS at it, so one
    # thread is the value that shows the rule's count on any machine of 2 CPUs or more)
    assert out.split() == ["1", "1"]


def test_a_job_that_meets_a_damaged_chunk_moves_it_aside_and_says_rerun(copy, tmp_path):
    flip_in_dataset(copy, "activations/layer_5")
    with pytest.raises(recording.DamagedRecordingError) as error:
        with runtime.job(_FakeJob(tmp_path / "job.log")):
            recording.read_activations(copy, 5)
    message = str(error.value)
    assert message.startswith(f"damaged recording {copy}, dataset /activations/layer_5: a stored chunk fails its Fletcher-32 checksum")
    assert f"Moved it to {copy}.damaged; rerun the same command: it trains this chunk again" in message
    assert not copy.exists() and Path(f"{copy}.damaged").exists()
    assert message in (tmp_path / "job.log").read_text()
    # a second job reading the same chunk afterwards: told where it went, nothing moved again
    with pytest.raises(recording.DamagedRecordingError, match=rf"{re.escape(str(copy))}: another job found it damaged and moved it to "
                                                             rf"{re.escape(str(copy))}.damaged; rerun the same command"):  # fmt: skip
        with runtime.job(_FakeJob(tmp_path / "job2.log")):
            recording.read_info(copy)


def test_the_start_up_check_finds_broken_layouts_not_data(chunk, tmp_path):
    paths = {}
    for name, damage in (("good", None), ("truncated", "truncate"), ("header", "header"), ("layer5", "data")):
        paths[name] = tmp_path / f"{name}.h5"
        shutil.copy(chunk, paths[name])
    os.truncate(paths["truncated"], paths["truncated"].stat().st_size - 1000)
    flip(paths["header"], 0, 8)
    flip_in_dataset(paths["layer5"], "activations/layer_5")  # data: found by the job that reads it
    damaged, unchecked = runtime.find_damaged(paths.values())
    assert set(damaged) == {str(paths["truncated"]), str(paths["header"])} and not unchecked
    assert damaged[str(paths["truncated"])].startswith(f"damaged recording {paths['truncated']}: it does not open as an HDF5 file")


def test_the_start_up_check_survives_a_crash_of_the_hdf5_library(tmp_path, monkeypatch):
    # A file damaged badly enough can make HDF5 crash (seen with files written without metadata
    # checksums); a crash cannot be caused on demand, so the child's report of one is replayed.
    paths = [str(tmp_path / f"chunk-{i}.h5") for i in range(3)]
    calls = []

    def run(command, **kwargs):
        calls.append(command[4:])
        if len(calls) == 1:
            lines = [{"opening": paths[0]}, {"path": paths[0]}, {"opening": paths[1]}]
            return subprocess.CompletedProcess(command, -signal.SIGSEGV, "\n".join(map(json.dumps, lines)), "")
        return subprocess.CompletedProcess(command, 0, "\n".join(map(json.dumps, [{"opening": paths[2]}, {"path": paths[2]}])), "")

    monkeypatch.setattr(damage.subprocess, "run", run)
    damaged, unchecked = runtime.find_damaged(paths)
    assert damaged == {paths[1]: f"damaged recording {paths[1]}: opening it crashed the HDF5 library (signal SIGSEGV)"}
    assert calls == [paths, paths[2:]] and not unchecked


def test_set_aside_in_a_dry_run_moves_nothing(chunk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "chunk-0.h5"
    shutil.copy(chunk, path)
    os.truncate(path, 100)
    (message,) = runtime.set_aside_damaged([path], dry_run=True)
    assert "Not moved aside, since this is a dry run: a run will move it to" in message and path.exists()
    (message,) = runtime.set_aside_damaged([path], dry_run=False)
    assert message.startswith(f"damaged recording {path}: it does not open") and message.endswith(
        f"Moved it to {path}.damaged; this run trains it again"
    )
    assert not path.exists() and Path(f"{path}.damaged").stat().st_size == 100


# -- stale locks after SIGKILL ---------------------------------------------------------------------


def _locked(state):
    (state / "locks").mkdir(parents=True, exist_ok=True)
    for name in ("0.input.lock", "0.output.lock"):
        (state / "locks" / name).write_text("results/x\n")


def _register(state, pid, host=None, started=None):
    folder = state / locks.RUNS
    folder.mkdir(parents=True, exist_ok=True)
    host = host or socket.gethostname()
    entry = {"pid": pid, "host": host, "started": started or locks._start_time(pid), "argv": ["snakemake", "report"]}
    (folder / f"{host}-{pid}.json").write_text(json.dumps(entry))


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture()
def state(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path / ".snakemake"


def test_stale_locks_of_a_killed_run_are_removed(state):
    _locked(state)
    _register(state, _dead_pid(), started="1")
    (message,) = runtime.start_run(state)
    assert message.startswith(f"removed stale locks from {state / 'locks'} (0.input.lock, 0.output.lock)")
    assert not list((state / "locks").iterdir())
    entries = list((state / locks.RUNS).glob("*.json"))  # the dead run is gone, this one is registered
    assert [json.loads(e.read_text())["pid"] for e in entries] == [os.getpid()]


def test_a_dry_run_only_says_it(state):
    _locked(state)
    (message,) = runtime.start_run(state, dry_run=True)
    assert "holds stale locks (0.input.lock, 0.output.lock)" in message and "without -n removes them" in message
    assert len(list((state / "locks").iterdir())) == 2 and not list((state / locks.RUNS).glob("*.json"))


def test_locks_of_a_running_snakemake_are_kept(state):
    _locked(state)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _register(state, other.pid)
        (message,) = runtime.start_run(state)
    finally:
        other.kill()
        other.wait()
    assert f"is held (2 lock files) and another run may be using it: snakemake process {other.pid} (snakemake report)" in message
    assert len(list((state / "locks").iterdir())) == 2


def test_a_reused_process_id_does_not_keep_locks(state):
    _locked(state)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _register(state, other.pid, started="1")  # the registered run started at another time
        (message,) = runtime.start_run(state)
    finally:
        other.kill()
        other.wait()
    assert message.startswith("removed stale locks")


def test_jobs_left_running_by_a_killed_run_keep_the_locks(state, tmp_path):
    # SIGKILL of Snakemake alone leaves its jobs running, in the working directory
    _locked(state)
    _register(state, _dead_pid(), started="1")
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", ".snakemake/scripts/tmp.train.py"], cwd=tmp_path)
    try:
        (message,) = runtime.start_run(state)
    finally:
        orphan.kill()
        orphan.wait()
    assert f"process {orphan.pid} (" in message and "Let it finish" in message
    assert len(list((state / "locks").iterdir())) == 2


def test_a_run_on_another_host_keeps_the_locks(state):
    _locked(state)
    _register(state, 4242, host="elsewhere.example", started="1")
    (message,) = runtime.start_run(state)
    assert "snakemake process 4242 on host elsewhere.example" in message and "delete that file if that run is gone" in message


def test_cluster_jobs_of_a_killed_run_keep_the_locks(state):
    # Snakemake records a cluster job's id with each output it has not finished
    _locked(state)
    (state / "incomplete").mkdir()
    (state / "incomplete" / "cmVzdWx0cy94").write_text(json.dumps({"external_jobid": "4711"}))
    (state / "incomplete" / "cmVzdWx0cy95").write_text(json.dumps({"external_jobid": None}))  # a local job
    (message,) = runtime.start_run(state)
    assert "cluster jobs 4711 of the killed run, which may still be queued or running" in message
    assert len(list((state / "locks").iterdir())) == 2


# -- the real workflow, killed and damaged ---------------------------------------------------------

COMMAND = ("report", "--cores", "2", "--configfile", "config/tiny.yaml")  # the README's, on 2 cores
#: The estimator entries of the faults' study: per experiment 3 estimate jobs, each writing one
#: estimate table (the KDE bounds share a job and its table).
ESTIMATORS = ("binning", "kde_upper", "kde_lower", "knn")
ESTIMATE_JOBS = ESTIMATE_TABLES = 3


def _env():
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _run(workdir, *extra, check=True):
    """The plain command, to its end; stdout and stderr together."""
    result = subprocess.run([str(SNAKEMAKE), *COMMAND, *extra], cwd=workdir, capture_output=True, text=True, env=_env(), timeout=1800)
    out = result.stdout + result.stderr
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed ({result.returncode}):\n{out[-6000:]}")
    return result.returncode, out


def _session_commands(session):
    """Command lines of the processes of a process group."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) == session:
                found.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ProcessLookupError):
            continue
    return found


def _kill_when(workdir, condition, what, timeout=900):
    """Start the plain command and SIGKILL its whole process group once ``condition()`` holds."""
    log = open(workdir / f"killed-during-{what}.log", "w")
    run = subprocess.Popen([str(SNAKEMAKE), *COMMAND], cwd=workdir, env=_env(), stdout=log, stderr=subprocess.STDOUT,
                           start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + timeout
        while not condition(run.pid):
            if run.poll() is not None:
                raise AssertionError(f"the run ended before {what}:\n{(workdir / log.name).read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s")
            time.sleep(0.1)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait()
        log.close()
    assert run.returncode == -signal.SIGKILL
    return run


def _any_process(pattern):
    return lambda session: any(pattern in command for command in _session_commands(session))


def _estimates(workdir):
    return {p.relative_to(workdir): p.read_bytes() for p in sorted((results(workdir) / "tables").glob("*/estimates/*.csv"))}


@pytest.fixture(scope="module")
def killed_in_training(tmp_path_factory):
    """A copy of the checkout (profiles included) whose first run was killed while training, then
    rerun to its end with the plain command; that rerun's output, and its estimate tables (which
    every later test restores)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("faults"))
    reduced_config(workdir / "config" / "tiny.yaml", estimators=ESTIMATORS)
    _kill_when(workdir, lambda _: any((results(workdir) / "train").glob("*/chunk-*.h5.partial")), "training")
    assert list((workdir / ".snakemake" / "locks").glob("*.lock")), "a killed run leaves its locks"
    _, out = _run(workdir)
    return workdir, out, _estimates(workdir)


@pytest.mark.slow
@pytest.mark.long
def test_a_run_killed_in_training_recovers_with_the_same_command(killed_in_training):
    workdir, out, estimates = killed_in_training
    assert len(estimates) == 2 * ESTIMATE_TABLES
    assert "infoplane: removed stale locks from" in out and "LockException" not in out
    assert (results(workdir) / "report" / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert not list((workdir / ".snakemake" / "locks").glob("*.lock"))
    assert not list((workdir / ".snakemake" / locks.RUNS).glob("*.json")), "a finished run leaves no registry entry"


@pytest.mark.slow
@pytest.mark.long
def test_killed_in_estimation_a_second_run_is_refused_and_the_rerun_recovers(killed_in_training):
    workdir, _, before = killed_in_training
    for chunk in (results(workdir) / "train" / "tanh").glob("chunk-*.h5"):
        os.utime(chunk)  # newer than the tables: every tanh estimate is redone

    def estimating_and_refused(session):
        if not _any_process("estimate.py")(session):
            return False
        # a second run of the same directory while the first is alive stops, and says why
        code, out = _run(workdir, check=False)
        assert code != 0 and "LockException" in out, out[-3000:]
        assert "is held" in out and "another run may be using it: snakemake process" in out
        assert _any_process("estimate.py")(session), "estimation ended before the kill: this test needs a slower estimator"
        return True

    _kill_when(workdir, estimating_and_refused, "estimation")
    _, out = _run(workdir)
    assert "infoplane: removed stale locks" in out
    assert _estimates(workdir) == before  # the same numbers as before the kill


@pytest.mark.slow
@pytest.mark.long
def test_a_run_killed_in_latex_recovers_with_the_same_command(killed_in_training):
    workdir, _, _ = killed_in_training
    pdf = results(workdir) / "report" / "report.pdf"
    pdf.unlink()
    _kill_when(workdir, _any_process("latexmk"), "LaTeX")
    # the report's outputs are marked incomplete: without the profile's rerun-incomplete,
    # Snakemake would stop with IncompleteFilesException
    markers = {p.name for p in (workdir / ".snakemake" / "incomplete").iterdir()}
    assert urlsafe_b64encode(b"results/tiny/report/report.tex").decode() in markers
    _, out = _run(workdir)
    assert "infoplane: removed stale locks" in out and pdf.read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
@pytest.mark.long
def test_two_runs_started_at_the_same_moment_one_waits_and_is_told_why(killed_in_training):
    workdir, _, before = killed_in_training
    for chunk in (results(workdir) / "train" / "relu").glob("chunk-*.h5"):
        os.utime(chunk)  # newer than the tables: the relu estimates are redone, long enough to overlap
    runs = []
    for _ in range(2):  # a second apart: both find the directory unlocked at start-up, as at the same moment
        runs.append(subprocess.Popen([str(SNAKEMAKE), *COMMAND], cwd=workdir, env=_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True))  # fmt: skip
        time.sleep(1)
    outs = [run.communicate(timeout=1800)[0] for run in runs]
    codes = [run.returncode for run in runs]
    assert sorted(codes) == [0, 1], (codes, [o[-2000:] for o in outs])
    loser = codes.index(1)
    winner = runs[1 - loser].pid
    assert "LockException" in outs[loser]
    assert f"infoplane: the directory is locked by a run that is alive: snakemake process {winner} (" in outs[loser], outs[loser][-3000:]
    assert _estimates(workdir) == before


@pytest.mark.slow
@pytest.mark.long
def test_damaged_chunks_are_named_moved_aside_and_trained_again(killed_in_training):
    workdir, _, before = killed_in_training
    train = results(workdir) / "train"
    truncated, header, data = train / "tanh" / "chunk-1.h5", train / "relu" / "chunk-0.h5", train / "tanh" / "chunk-0.h5"
    os.truncate(truncated, truncated.stat().st_size // 2)
    flip(header, 0, 8)
    flip_in_dataset(data, "activations/layer_5")
    # a dry run says what a run will do and moves nothing
    _, out = _run(workdir, "-n")
    assert f"damaged recording {truncated.relative_to(workdir)}: it does not open as an HDF5 file" in out
    assert "Not moved aside, since this is a dry run" in out and truncated.exists() and header.exists()
    # the plain command: broken layouts are moved aside at start-up and trained again in this run;
    # the damaged data is found by the first job that reads it, which moves the file and fails
    code, out = _run(workdir, check=False)
    assert code != 0
    for path in (truncated, header):
        name = path.relative_to(workdir)
        assert f"damaged recording {name}: it does not open as an HDF5 file" in out
        assert f"Moved it to {name}.damaged; this run trains it again" in out
        assert path.exists() and Path(f"{path}.damaged").exists()
    name = data.relative_to(workdir)
    assert f"damaged recording {name}, dataset /activations/layer_5: a stored chunk fails its Fletcher-32 checksum" in out
    assert f"Moved it to {name}.damaged; rerun the same command: it trains this chunk again" in out
    assert not data.exists() and Path(f"{data}.damaged").exists()
    # the same command again: the chunk is trained again, every estimate is as before, every output there
    _, out = _run(workdir)
    assert data.exists() and _estimates(workdir) == before
    _every_output_there(workdir)


def _every_output_there(workdir):
    """Every table of the tiny study that its report needs, and the report itself."""
    tree = results(workdir)
    for experiment in ("tanh", "relu"):
        for name in ("training.csv", "seeds.csv", "claims.csv", "curves.csv"):
            assert (tree / "tables" / experiment / name).is_file(), (experiment, name)
        assert len(list((tree / "tables" / experiment / "estimates").glob("*.csv"))) == ESTIMATE_TABLES, experiment
    assert (tree / "report" / "report.pdf").is_file()


@pytest.mark.slow
@pytest.mark.long
def test_a_truncated_chunk_of_a_finished_study_is_trained_again_in_the_same_run(killed_in_training):
    workdir, _, before = killed_in_training
    _run(workdir)  # finished: nothing to do
    chunk = results(workdir) / "train" / "relu" / "chunk-1.h5"
    report = results(workdir) / "report" / "report.pdf"
    built = report.stat().st_mtime
    os.truncate(chunk, chunk.stat().st_size // 2)
    code, out = _run(workdir)
    name = chunk.relative_to(workdir)
    assert f"Moved it to {name}.damaged; this run trains it again" in out
    assert "Nothing to be done" not in out and re.search(r"rule train_chunk:\s+input: [^\n]*\s+output: " + re.escape(str(name)), out)
    assert chunk.exists() and recording.read_info(chunk).seeds.tolist() == [2, 3]
    assert report.stat().st_mtime > built and _estimates(workdir) == before  # retrained, redone, the same numbers
    _every_output_there(workdir)
    log = (chunk.parent / "moved_aside.tsv").read_text().splitlines()
    assert log[0].split("\t") == ["time", "file", "moved_to", "problem"] and log[-1].split("\t")[1:3] == ["chunk-1.h5", "chunk-1.h5.damaged"]
    assert "Nothing to be done" in _run(workdir, "-n")[1]


@pytest.mark.slow
@pytest.mark.long
def test_a_changed_activation_attribute_is_found_and_the_next_run_rebuilds_everything(killed_in_training):
    # h5py rewrites the checksums: only the range check finds tanh values in a "relu" layer
    workdir, _, before = killed_in_training
    chunk = results(workdir) / "train" / "tanh" / "chunk-1.h5"
    with h5py.File(chunk, "r+") as f:
        f.attrs["activation"] = np.bytes_(b"relu")
    code, out = _run(workdir, check=False)
    assert code != 0 and f"damaged recording {chunk.relative_to(workdir)}" in out and "the range of relu" in out
    assert not chunk.exists()  # moved aside; the jobs that read it failed and their tables are gone
    code, out = _run(workdir)  # exit 0 means every output is there
    assert chunk.exists() and recording.read_info(chunk).attrs["activation"] == "tanh"
    _every_output_there(workdir)
    assert _estimates(workdir) == before
    assert "Nothing to be done" in _run(workdir, "-n")[1]


def _planned(workdir, edit=None):
    """Job counts per rule that the plain command would run, with config/tiny.yaml changed by ``edit``."""
    with edited_config(workdir / "config" / "tiny.yaml", edit or (lambda config: None)):
        out = subprocess.run([str(SNAKEMAKE), *COMMAND, "-n"], cwd=workdir, capture_output=True, text=True, env=_env(),
                             check=True).stdout  # fmt: skip
    if "Job stats:" not in out:
        assert "Nothing to be done" in out, out[-3000:]
        return {}
    return {m.group(1): m.group(2) for m in re.finditer(r"^(\w+)\s+(\d+)$", out.split("Job stats:")[1].split("Reasons:")[0], re.M)}


@pytest.fixture(scope="module")
def finished(killed_in_training):
    """The faults' copy once the tests before have left it: nothing to train (checked once, not
    before each edit: a dry run costs seconds)."""
    workdir = killed_in_training[0]
    assert "train_chunk" not in _planned(workdir)
    return workdir


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.parametrize("edit, rerun, kept", [
    (lambda c: c["threads"].update(train=2), {"train_chunk": "4", "estimate": str(2 * ESTIMATE_JOBS)}, ()),
    # only the KDE and k-NN jobs (PARALLEL) run with threads.estimate; binning keeps one thread
    (lambda c: c["threads"].update(estimate=2), {"estimate": "4"}, ("train_chunk",)),
    (lambda c: c["threads"].update(validate=2), {"validate_task": "4"}, ("train_chunk", "estimate")),
    (lambda c: c["training"].update(chunk_size=4), {"train_chunk": "2", "estimate": str(2 * ESTIMATE_JOBS)}, ()),
    (lambda c: c["experiments"]["relu"].update(chunk_size=1), {"train_chunk": "4", "estimate": str(ESTIMATE_JOBS)}, ()),
    (lambda c: c["claims"].update(resamples=300), {}, ("train_chunk", "estimate")),
], ids=["threads.train", "threads.estimate", "threads.validate", "chunk_size", "one experiment's chunk_size", "claims.resamples"])  # fmt: skip
def test_settings_that_change_numbers_rerun(finished, edit, rerun, kept):
    jobs = _planned(finished, edit)
    for rule, count in rerun.items():
        assert jobs.get(rule) == count, (rule, jobs)
    for rule in kept:
        assert rule not in jobs, (rule, jobs)
