"""Glue between Snakemake and the library: jobs, the recovery of a working directory after a run
was killed, and damaged recordings.

* :mod:`~infoplane.runtime.jobs`: a workflow script's body runs inside ``with job(snakemake) as
  log:`` (logging, threads, a damaged chunk moved aside with a message);
* :mod:`~infoplane.runtime.locks`: the registry of running Snakemake processes, stale locks
  removed after a kill, and the explanation of a lock held by a live run;
* :mod:`~infoplane.runtime.damage`: damaged chunk files found at start-up, moved aside (never
  deleted) and logged, so that the workflow trains them again.
"""

from .damage import find_damaged, move_aside_logged, set_aside_damaged, times_moved_aside
from .jobs import job
from .locks import explain_lock_failures, others_running, start_run

__all__ = [
    "job", "start_run", "others_running", "explain_lock_failures", "find_damaged", "set_aside_damaged",
    "move_aside_logged", "times_moved_aside",
]  # fmt: skip
