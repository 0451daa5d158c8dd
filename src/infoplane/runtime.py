"""Glue between Snakemake jobs and the library: logging to the rule's log file, threads."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback

__all__ = ["job"]


@contextlib.contextmanager
def job(snakemake):
    """Run a Snakemake script body with logging to ``snakemake.log[0]``.

    Sends the library's log records and warnings to the log file, sets the number of torch
    threads to the rule's ``threads`` when the script has imported torch, and writes a failing
    job's traceback to the log before re-raising it (Snakemake then removes the job's outputs).
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
    except BaseException:
        log.error("job failed:\n%s", traceback.format_exc())
        raise
    finally:
        for handler in handlers:
            handler.flush()
