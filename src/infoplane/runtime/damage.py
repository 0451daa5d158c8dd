"""Damaged chunk files: found at start-up, moved aside (never deleted) and logged.

A chunk file that is damaged (:class:`infoplane.recording.DamagedRecordingError`) is renamed to
``<name>.damaged`` (:func:`infoplane.recording.move_aside`) so that the workflow trains it again:
by :func:`infoplane.runtime.jobs.job` when a job's reading finds the damage, and at start-up by
:func:`set_aside_damaged`, which opens each existing chunk in a separate process (a file damaged
badly enough can crash the HDF5 library).

Every move is logged in ``moved_aside.tsv`` beside the chunk (time, file, where it went, what was
wrong). The workflow puts :func:`times_moved_aside` of an experiment's chunks in the params of
the jobs that read them, so that a chunk moved aside reruns its readers, which need the chunk
trained again, and so everything after them: without it, a study that had reached its report
would find nothing to do (Snakemake does not remake a missing intermediate file whose
dependants are up to date).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["LOG_NAME", "find_damaged", "set_aside_damaged", "move_aside_logged", "times_moved_aside"]

#: The log of moved chunk files, one per folder of chunks.
LOG_NAME = "moved_aside.tsv"
_LOG_COLUMNS = ("time", "file", "moved_to", "problem")


def move_aside_logged(path: str | os.PathLike, problem: str) -> Path | None:
    """Move a damaged recording aside (:func:`infoplane.recording.move_aside`) and log it in
    ``moved_aside.tsv`` beside it. Returns the new path, or None when ``path`` is gone already
    (another process moved it first; it logged the move)."""
    from ..recording import move_aside

    path = Path(path)
    moved = move_aside(path)
    if moved is not None:
        log = path.parent / LOG_NAME
        new = not log.exists()
        with open(log, "a", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            if new:
                writer.writerow(_LOG_COLUMNS)
            when = datetime.now(timezone.utc).isoformat(timespec="seconds")
            writer.writerow((when, path.name, moved.name, " ".join(str(problem).split())))
    return moved


def times_moved_aside(path: str | os.PathLike) -> int:
    """How many times chunk file ``path`` was moved aside (its rows in ``moved_aside.tsv``)."""
    path = Path(path)
    try:
        with open(path.parent / LOG_NAME, newline="") as handle:
            return sum(1 for row in csv.DictReader(handle, delimiter="\t") if row.get("file") == path.name)
    except FileNotFoundError:
        return 0


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
            [sys.executable, "-m", "infoplane.runtime.damage", "check-recordings", *remaining],
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
    :func:`move_aside_logged`), so that this run trains it again; returns the messages to show.
    In a dry run, or while another run of this directory is alive, nothing is moved: the
    messages say what a run would do."""
    from .locks import others_running

    damaged, unchecked = find_damaged([p for p in paths if os.path.isfile(p)])
    messages = [f"could not check {path}: {why}" for path, why in unchecked.items()]
    if dry_run or others_running(state_dir):
        why = "this is a dry run" if dry_run else "another run of this directory is running"
        return messages + [f"{problem}. Not moved aside, since {why}: a run will move it to {path}.damaged and train it again"
                           for path, problem in damaged.items()]  # fmt: skip
    for path, problem in damaged.items():
        moved = move_aside_logged(path, problem)
        messages.append(f"{problem}. Moved it to {moved}; this run trains it again" if moved else f"{problem} (gone meanwhile)")
    return messages


def _check_recordings(paths: list[str]) -> int:
    """Child of :func:`find_damaged`: one JSON line before opening each file and one after."""
    from ..recording import DamagedRecordingError, read_info

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
        sys.exit("usage: python -m infoplane.runtime.damage check-recordings CHUNK.h5 ...")
    sys.exit(_check_recordings(sys.argv[2:]))
