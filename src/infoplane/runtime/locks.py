"""Runs killed part way, and runs started side by side.

A run killed with SIGKILL (or by a power cut, or the OOM killer) leaves Snakemake's locks in
``.snakemake/locks``, and every later run stops with a ``LockException``. :func:`start_run`,
called by the workflow's main process at start-up (``workflow/rules/common.smk``), keeps a
registry of the Snakemake processes running in this working directory
(``.snakemake/infoplane/runs/<host>-<pid>.json``, removed when the process exits) and removes the
locks when every process registered on this host has ended and no process of an earlier run is
left in the directory; a run that is alive keeps its locks, and a second run still stops.

Two runs started at the same moment both find the directory unlocked at start-up; the one that
then loses the race for Snakemake's locks stops with Snakemake's bare ``LockException``.
:func:`explain_lock_failures` adds, after that message, which live run holds the directory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
from pathlib import Path

__all__ = ["RUNS", "start_run", "others_running", "live_runs", "explain_lock_failures"]

#: Where the registry of running Snakemake processes lives, under Snakemake's own folder.
RUNS = Path("infoplane", "runs")


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


def live_runs(state_dir: str | os.PathLike = ".snakemake") -> list[str]:
    """The other registered Snakemake runs of this directory that are alive (or on another host,
    where they cannot be checked), each described by its process id and command line."""
    host, me = socket.gethostname(), os.getpid()
    runs = []
    for entry in sorted((Path(state_dir) / RUNS).glob("*.json")):
        try:
            run = json.loads(entry.read_text())
            pid = int(run.get("pid", 0))
        except (OSError, ValueError, TypeError):
            continue
        command = " ".join(run.get("argv", []))[:160]
        if run.get("host") != host:
            runs.append(f"snakemake process {pid} on host {run.get('host')} ({command}; registered in {entry})")
        elif pid != me and _alive(pid, run.get("started")):
            runs.append(f"snakemake process {pid} ({command})")
    return runs


def others_running(state_dir: str | os.PathLike = ".snakemake") -> bool:
    """Whether another registered Snakemake process of this directory is alive (or on another host)."""
    return bool(live_runs(state_dir))


class _LockExplainer(logging.Handler):
    """Adds, after Snakemake's message that the directory cannot be locked, which live runs of this
    directory hold it (:func:`explain_lock_failures`)."""

    def __init__(self, state_dir, write):
        super().__init__(level=logging.ERROR)
        self.state_dir, self.write, self.done = state_dir, write, False

    def emit(self, record):
        if self.done:
            return
        try:
            text = record.getMessage()
        except Exception:  # a record we cannot format is not the lock message
            return
        if "LockException" not in text and "cannot be locked" not in text:
            return
        self.done = True
        runs = live_runs(self.state_dir)
        if runs:
            self.write(
                "infoplane: the directory is locked by a run that is alive: " + "; ".join(runs) + ". It was started "
                "at the same time as this one or before it; let it finish and run this command again (do not use "
                "--unlock while it runs), or stop it first."
            )
        else:
            self.write(
                "infoplane: no other Snakemake run of this directory is alive now; the lock was held by a run that has "
                "ended meanwhile, or by one killed before: run the same command again (its start removes stale locks)."
            )


def explain_lock_failures(logger: logging.Logger, state_dir: str | os.PathLike = ".snakemake", write=None) -> None:
    """Watch ``logger`` (Snakemake's) for its "cannot be locked" error and write after it which
    live runs of this directory hold the lock (``write``: default a line on stderr)."""
    if write is None:
        def write(text):
            print(text, file=sys.stderr, flush=True)
    logger.addHandler(_LockExplainer(Path(state_dir), write))
