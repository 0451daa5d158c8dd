"""A workflow script's body runs inside ``with job(snakemake) as log:``."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback

__all__ = ["job"]


def _load_plugins(snakemake, log) -> None:
    """The study's plugin files (the rule's ``plugins`` input; :mod:`infoplane.plugins`)."""
    files = getattr(getattr(snakemake, "input", None), "plugins", None) or []
    files = [files] if isinstance(files, str) else list(files)
    if files:
        from .. import plugins

        plugins.load(files)
        log.info("plugins imported: %s", ", ".join(files))


@contextlib.contextmanager
def job(snakemake):
    """Run a Snakemake script body with logging to ``snakemake.log[0]``.

    Sends the library's log records and warnings to the log file, sets the number of torch
    threads to the rule's ``threads`` (when the script imports torch later, through
    ``OMP_NUM_THREADS``, which torch reads on import), and writes a failing
    job's traceback to the log before re-raising it (Snakemake then removes the job's outputs).
    A damaged chunk file (:class:`~infoplane.recording.DamagedRecordingError`) is moved aside
    (:func:`~infoplane.runtime.damage.move_aside_logged`) and the job fails with a message naming
    it and saying that rerunning the same command trains it again. The study's plugin files
    (a ``plugins`` input of the rule) are imported first.
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
    threads = max(1, int(snakemake.threads))
    torch = sys.modules.get("torch")  # imported by the script's library modules, if it uses torch
    if torch is not None:
        torch.set_num_threads(threads)
    else:  # torch imported later (k-NN's pairwise searches) sizes its thread pool from this
        os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        _load_plugins(snakemake, log)
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
    from .damage import move_aside_logged

    moved = move_aside_logged(error.path, error.problem)
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
