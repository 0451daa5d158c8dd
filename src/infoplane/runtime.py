"""Glue between Snakemake and the library: logging and threads of jobs, damaged recordings, and
the recovery of a working directory after a run was killed.

Jobs (:func:`job`): a workflow script's body runs inside ``with job(snakemake) as log:``.

A run killed with SIGKILL (or by a power cut, or the OOM killer) leaves Snakemake's locks in
``.snakemake/locks``, and every later run stops with a ``LockException``. :func:`start_run`,
called by the workflow's main process at start-up (``workflow/rules/common.smk``), keeps a
registry of the Snakemake processes running in this working directory
(``.snakemake/infoplane/runs/<host>-<pid>.json``, removed when the process exits) and removes the
locks when every process registered on this host has ended and no process of an earlier run is
left in the directory; a run that is alive keeps its locks, and a second run still stops.

A chunk file that is damaged (:class:`infoplane.recording.DamagedRecordingError`) is renamed to
``<name>.damaged`` so that the next run trains it again: by :func:`job` when a job's reading
finds the damage, and at start-up by :func:`set_aside_damaged`, which opens each existing
chunk in a separate process (a file damaged badly enough can crash the HDF5 library).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path

__all__ = ["job", "start_run", "find_damaged", "set_aside_damaged"]

#: Where the registry of running Snakemake processes lives, under Snakemake's own folder.
RUNS = Path("infoplane", "runs")


@contextlib.contextmanager
def job(snakemake):
    """Run a Snakemake script body with logging to ``snakemake.log[0]``.

    Sends the library's log records and warnings to the log file, sets the number of torch
    threads to the rule's ``threads`` when the script has imported torch, and writes a failing
    job's traceback to the log before re-raising it (Snakemake then removes the job's outputs).
    A damaged chunk file (:class:`~infoplane.recording.DamagedRecordingError`) is moved aside
    (:func:`~infoplane.recording.move_aside`) and the job fails with a message naming it and
    saying that rerunning the same command trains it again.
    """
    log_path = snakemake.log[0] if len(snakemake.log) else None
    handlers = [logging.FileHandler(log_path, mode="w")] if log_path else [logging.StreamHandler()]
    logging.basicConfig(
        level=logging.INFO, handlers=handlers, force=True,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )  # fmt: skip
    logging.captureWarnings(True)
    log = logging.getLogger("infoplane.job")
    log.info("rule %s, wildcards %s, threads %s", snakemake.rule, dict(snakemake.wildcards), snakemake.threads)
    torch = sys.modules.get("torch")  # imported by the script's library modules, if it uses torch
    if torch is not None:
        torch.set_num_threads(max(1, int(snakemake.threads)))
    try:
        yield log
    except BaseException as error:
        log.error("job failed:\n%s", traceback.format_exc())
        recording = sys.modules.get("infoplane.recording")  # only a script that reads recordings can meet one
        if recording is not None and isinstance(error, recording.DamagedRecordingError):
            raise _set_aside(error, recording, log) from None
        raise
    finally:
        for handler in handlers:
            handler.flush()


def _set_aside(error, recording, log):
    """The error to raise for a damaged recording, after moving the file aside."""
    moved = recording.move_aside(error.path)
    if moved is not None:
        problem = f"{error.problem}. Moved it to {moved}"
    elif "moved it to" in error.problem:  # read after another job moved it (recording._open)
        problem = error.problem
    else:
        earlier = sorted(error.path.parent.glob(error.path.name + ".damaged*"), key=os.path.getmtime)
        problem = f"{error.problem}. Another job moved it aside{f' (to {earlier[-1]})' if earlier else ''}"
    problem += "; rerun the same command: it trains this chunk again and redoes what depends on it"
    damaged = recording.DamagedRecordingError(error.path, problem, error.dataset)
    log.error("%s", damaged)
    return damaged


# -- runs killed part way: the registry of running processes and stale locks -------------------


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), to tell it from a later
    process given the same id; None where /proc is not there."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        pass
    return started is None or _start_time(pid) in (None, started)


def _ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as handle:
                pid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return pids | {os.getppid()}


def _processes_here(skip: set[int]) -> list[str]:
    """Other processes (Linux, this user) whose working directory is this one and whose command
    mentions snakemake: a run, or the jobs of a killed run that go on without it."""
    here, found = os.path.realpath(os.getcwd()), []
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return found
    for pid in pids:
        if pid in skip:
            continue
        try:
            if os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) != here:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone, or another user's
            continue
        if "snakemake" in command:
            found.append(f"process {pid} ({command[:120]})")
    return found


def _cluster_jobs(state: Path) -> list[str]:
    """Job ids (SLURM's, say) that Snakemake recorded for outputs it had not finished: the jobs of
    a killed run on a cluster, which a kill of the main process does not stop."""
    ids = set()
    for marker in (state / "incomplete").rglob("*"):
        try:
            job_id = json.loads(marker.read_text()).get("external_jobid") if marker.is_file() else None
        except (OSError, ValueError, AttributeError):
            continue
        if job_id is not None:
            ids.add(str(job_id))
    return sorted(ids)


@contextlib.contextmanager
def _registry_lock(folder: Path):
    import fcntl

    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_run(state_dir: str | os.PathLike = ".snakemake", *, dry_run: bool = False) -> list[str]:
    """At the start of a Snakemake run: remove stale locks, and register this process.

    Locks in ``<state_dir>/locks`` are removed (as ``snakemake --unlock`` does) when every
    process in the registry on this host has ended (a process id reused by another program
    does not count), no other process of this user in this directory mentions snakemake
    (Linux: the jobs of a killed run go on without it) and Snakemake recorded no cluster job for
    an unfinished output (``.snakemake/incomplete``: a killed main process leaves its SLURM jobs
    running). A registered process on another host (a shared file system) cannot be checked, so
    it keeps the locks. Then this process is added to the registry until it exits. A dry run
    (``dry_run``) changes nothing: it only says whether a run would remove locks.

    Returns the messages to show: what was removed, or why locks were kept.
    """
    import atexit

    state = Path(state_dir)
    folder = state / RUNS
    folder.mkdir(parents=True, exist_ok=True)
    host, me = socket.gethostname(), os.getpid()
    messages = []
    with _registry_lock(folder):
        others, registered = [], set()
        for entry in sorted(folder.glob("*.json")):
            try:
                run = json.loads(entry.read_text())
                pid, started, where = int(run["pid"]), run.get("started"), run["host"]
            except (OSError, ValueError, KeyError, TypeError):
                if not dry_run:
                    entry.unlink(missing_ok=True)  # unreadable: written by a process killed mid-write
                continue
            if where == host and pid == me:
                continue
            if where != host:
                others.append(f"snakemake process {pid} on host {where} (registered in {entry}; delete that file "
                              "if that run is gone)")  # fmt: skip
            elif _alive(pid, started):
                others.append(f"snakemake process {pid} ({' '.join(run.get('argv', []))[:120]})")
                registered.add(pid)
            elif not dry_run:
                entry.unlink(missing_ok=True)
        locks = state / "locks"
        held = sorted(p.name for p in locks.glob("*.lock")) if locks.is_dir() else []
        if held:
            others += _processes_here(_ancestors() | registered)
            jobs = _cluster_jobs(state)
            if jobs:
                others.append(f"cluster jobs {', '.join(jobs)} of the killed run, which may still be queued or running "
                              "(check with squeue -j, cancel with scancel; then snakemake --unlock)")  # fmt: skip
            if others and not dry_run:
                messages.append(f"{locks} is held ({len(held)} lock files) and another run may be using it: "
                                + "; ".join(others) + ". Let it finish (this run stops with a LockException), or stop "
                                "it and run the same command again.")  # fmt: skip
            elif others:
                pass  # a dry run does not lock: Snakemake itself says that the directory is locked
            elif dry_run:
                messages.append(f"{locks} holds stale locks ({', '.join(held)}) of a run that was killed (no Snakemake "
                                "process of this directory is running); the same command without -n removes them")  # fmt: skip
            else:
                for name in held:
                    (locks / name).unlink(missing_ok=True)
                messages.append(f"removed stale locks from {locks} ({', '.join(held)}): no Snakemake process of this "
                                "directory is running, so a killed run left them; this run goes on")  # fmt: skip
        if not dry_run:
            entry = folder / f"{host}-{me}.json"
            entry.write_text(json.dumps({"pid": me, "host": host, "started": _start_time(me), "argv": sys.argv}))
            atexit.register(entry.unlink, missing_ok=True)
    return messages


def others_running(state_dir: str | os.PathLike = ".snakemake") -> bool:
    """Whether another registered Snakemake process of this directory is alive (or on another host)."""
    host, me = socket.gethostname(), os.getpid()
    for entry in (Path(state_dir) / RUNS).glob("*.json"):
        try:
            run = json.loads(entry.read_text())
        except (OSError, ValueError):
            continue
        if run.get("host") != host or (run.get("pid") != me and _alive(int(run.get("pid", 0)), run.get("started"))):
            return True
    return False


# -- damaged recordings at start-up -------------------------------------------------------------


def find_damaged(paths: Iterable[str | os.PathLike], *, timeout: float = 600) -> tuple[dict[str, str], dict[str, str]]:
    """Chunk files among ``paths`` whose layout is damaged (:func:`infoplane.recording.read_info`,
    which reads attributes and small arrays, not the activations), each with what is wrong; and
    files that could not be checked for another reason (a bug rather than damage), with why.

    They are opened in a child process, so that a file that crashes the HDF5 library is reported
    as damaged (that crash) instead of ending the caller.
    """
    remaining, damaged, unchecked = [str(p) for p in paths], {}, {}
    while remaining:
        child = subprocess.run(
            [sys.executable, "-m", "infoplane.runtime", "check-recordings", *remaining],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        opened = None
        for line in child.stdout.splitlines():
            record = json.loads(line)
            opened = record.get("opening")
            if record.get("damaged"):
                damaged[record["path"]] = record["damaged"]
            elif record.get("error"):
                unchecked[record["path"]] = record["error"]
        if child.returncode == 0:
            break
        if opened is None:  # failed before or between files: nothing to blame on a file
            unchecked.update((p, f"the check failed (exit status {child.returncode}): {child.stderr.strip()[-500:]}")
                             for p in remaining if p not in damaged and p not in unchecked)  # fmt: skip
            break
        code = -child.returncode
        cause = f"signal {signal.Signals(code).name}" if code in signal.valid_signals() else f"exit status {child.returncode}"
        damaged[opened] = f"damaged recording {opened}: opening it crashed the HDF5 library ({cause})"
        remaining = remaining[remaining.index(opened) + 1 :]
    return damaged, unchecked


def set_aside_damaged(paths: Iterable[str | os.PathLike], *, dry_run: bool, state_dir=".snakemake") -> list[str]:
    """Move each damaged chunk file among ``paths`` aside (:func:`find_damaged`,
    :func:`infoplane.recording.move_aside`), so that this run trains it again; returns the
    messages to show. In a dry run, or while another run of this directory is alive, nothing is
    moved: the messages say what a run would do."""
    from .recording import move_aside

    damaged, unchecked = find_damaged([p for p in paths if os.path.isfile(p)])
    messages = [f"could not check {path}: {why}" for path, why in unchecked.items()]
    if dry_run or others_running(state_dir):
        why = "this is a dry run" if dry_run else "another run of this directory is running"
        return messages + [f"{problem}. Not moved aside, since {why}: a run will move it to {path}.damaged and train it again"
                           for path, problem in damaged.items()]  # fmt: skip
    for path, problem in damaged.items():
        moved = move_aside(path)
        messages.append(f"{problem}. Moved it to {moved}; this run trains it again" if moved else f"{problem} (gone meanwhile)")
    return messages


def _check_recordings(paths: list[str]) -> int:
    """Child of :func:`find_damaged`: one JSON line before opening each file and one after."""
    from .recording import DamagedRecordingError, read_info

    for path in paths:
        print(json.dumps({"opening": path}), flush=True)
        record = {"path": path}
        try:
            read_info(path)
        except DamagedRecordingError as error:
            record["damaged"] = str(error)
        except ValueError as error:
            if "format_version" not in str(error):  # another version: the training code's hash redoes it
                record["error"] = f"{type(error).__name__}: {error}"
        except Exception as error:
            record["error"] = f"{type(error).__name__}: {error}"
        print(json.dumps(record), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["check-recordings"]:
        sys.exit("usage: python -m infoplane.runtime check-recordings CHUNK.h5 ...")
    sys.exit(_check_recordings(sys.argv[2:]))
