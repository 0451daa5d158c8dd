"""Cluster execution: which jobs a cluster run submits, and the tiny study to its PDF on a real
one-node SLURM cluster through profiles/slurm.

The SLURM test installs Debian's ``slurmctld slurmd slurm-client munge`` with apt-get when they
are missing (as root; it skips, saying why, where it cannot), writes a one-node slurm.conf (state,
logs and the job-completion log in a temporary folder), starts munged, slurmctld and slurmd, runs
``snakemake report --profile profiles/slurm --configfile config/tiny.yaml`` (the tiny study with
its binning and KDE entries only: every rule, half the jobs) with the profile's site block filled
in, checks with SLURM's own commands and job-completion log that the training, estimation and
validation jobs ran there and completed and that no other job went there, and
always stops what it started and removes the files it wrote outside the temporary folder.

The configuration has to be /etc/slurm/slurm.conf, not only ``SLURM_CONF``: the plugin's job step
removes every ``SLURM_*`` variable but the job's identity before its ``srun``
(snakemake-executor-plugin-slurm-jobstep 0.6.1), so ``srun`` inside a job finds the configuration
only at its default path. A machine with a slurm.conf of its own is left alone (skipped), and two
runs of this test at once take turns (a lock on /etc/slurm): they would share that file.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, SNAKEMAKE, copy_workflow, reduced_config
from infoplane.config import experiment, load_config, validate_config
from infoplane.instances import estimation_jobs, expand_instances
from infoplane.validation import TASKS

#: Rules whose jobs go to the cluster; every other rule with a job runs where Snakemake runs.
CLUSTER_RULES = {"train_chunk", "estimate", "validate_task", "skipping_truth"}
PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
#: The programs the test needs from those packages.
PROGRAMS = ("slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol", "scancel", "munged", "munge")
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


def _tiny_jobs(path: Path) -> Counter:
    """Cluster jobs of the study of the config file ``path``, per rule, from its config."""
    config = validate_config(load_config(path))
    instances = expand_instances(config["estimators"])
    experiments = [experiment(config, name) for name in config["experiments"]]
    return Counter(
        train_chunk=sum(len(e.chunks) for e in experiments),
        estimate=sum(len(estimation_jobs(instances, e.estimators)) for e in experiments),
        validate_task=len(TASKS),
    )


def test_only_training_estimation_and_validation_go_to_the_cluster():
    """The workflow as Snakemake loads it: every rule with a job is a localrule except the three
    cluster rules, and those declare their memory, time and CPUs."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(dryrun=True)) as api:  # a dry run: nothing written in the checkout
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[ROOT / "config" / "tiny.yaml"]),
            snakefile=ROOT / "Snakefile",
            workdir=ROOT,
        )
        workflow_api.dag(DAGSettings(targets={"report"}))
        workflow = workflow_api._workflow  # the parsed workflow (Snakemake 9's API has no public accessor)
        submitted = {r.name for r in workflow.rules if not (r.name in workflow._localrules or r.norun)}
        assert submitted == CLUSTER_RULES
        for rule in workflow.rules:
            if rule.name in CLUSTER_RULES:
                assert {"mem_mb", "runtime", "cpus_per_task"} <= set(rule.resources), rule.name


# --- a one-node SLURM cluster ------------------------------------------------------------------
def _which(program: str) -> str | None:
    return shutil.which(program, path=SBIN_PATH)


def _install_slurm_or_skip() -> None:
    missing = [p for p in PROGRAMS if _which(p) is None]
    if not missing:
        return
    wanted = " ".join(PACKAGES)
    if os.geteuid() != 0:
        pytest.skip(f"SLURM is not installed ({', '.join(missing)} missing) and the tests do not run as root, "
                    f"so cannot install it: apt-get install {wanted}")  # fmt: skip
    if _which("apt-get") is None:
        pytest.skip(f"SLURM is not installed ({', '.join(missing)} missing) and there is no apt-get to install {wanted}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES]):
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            pytest.skip(f"could not install SLURM ({' '.join(command)} failed): {(result.stderr or result.stdout)[-500:]}")
    missing = [p for p in PROGRAMS if _which(p) is None]
    if missing:
        pytest.skip(f"apt-get installed {wanted} but {', '.join(missing)} are still missing")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb() -> int:
    with open("/proc/meminfo") as f:
        total_kb = int(next(line for line in f if line.startswith("MemTotal:")).split()[1])
    return total_kb // 1024 - 512  # leave the daemons and this process some room


@dataclass
class Cluster:
    conf: Path
    folder: Path
    partition: str
    env: dict

    def run(self, *command: str, check: bool = True) -> str:
        result = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr}")
        return result.stdout

    def jobcomp(self) -> dict[str, dict[str, str]]:
        """SLURM's job-completion log: job id -> its fields (JobState, ExitCode, ...)."""
        path = self.folder / "jobcomp.log"
        entries = {}
        for line in path.read_text().splitlines() if path.exists() else []:
            fields = dict(re.findall(r"(\w+)=(\S*)", line))
            entries[fields["JobId"]] = fields
        return entries

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.folder.glob("*.log")))


def _munge_works(env) -> bool:
    if _which("munge") is None or _which("unmunge") is None:
        return False
    credential = subprocess.run([_which("munge"), "-n"], capture_output=True, env=env)
    if credential.returncode != 0:
        return False
    return subprocess.run([_which("unmunge")], input=credential.stdout, capture_output=True, env=env).returncode == 0


def _wait(condition, seconds: float, what: str, cluster_logs=lambda: ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} within {seconds:.0f} s\n{cluster_logs()}")


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _leftovers(folder: Path) -> list[int]:
    """Processes of this test's cluster still running: its slurmstepd (they run in its folder)
    and its jobs' processes (SLURM gives them the cluster's name)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            step = (proc / "comm").read_text().strip() == "slurmstepd" and Path(os.readlink(proc / "cwd")).is_relative_to(folder)
            if step or f"SLURM_CLUSTER_NAME={CLUSTER_NAME}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return pids


def _lock_or_skip(path: Path, seconds: float) -> int:
    """An exclusive lock on ``path`` (a folder), held until its descriptor is closed; another
    run of this test holds it while its cluster is up. Skips after waiting ``seconds``."""
    fd = os.open(path, os.O_RDONLY)
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                pytest.skip(f"another run of this test kept the test cluster ({path} locked) for {seconds:.0f} s")
            time.sleep(5)


def _stop(pid: int | None, seconds: float = 20) -> None:
    """SIGTERM, then SIGKILL after ``seconds``, to one process this test started."""
    if pid is None or not _alive(pid):
        return
    os.kill(pid, 15)
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        os.kill(pid, 9)


#: First line of the slurm.conf the test writes (a leftover of a killed run is recognised by it;
#: a run in progress holds a lock on its folder).
CONF_MARK = "# written by infoplane's tests/test_cluster.py for a one-node test cluster; removed after the test"
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
CLUSTER_NAME = "infoplane-test"
SLURM_CONF = CONF_MARK + """
ClusterName={cluster_name}
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc={folder}/jobcomp.log
# finished jobs stay visible to squeue for the whole test
MinJobAge=3600
ReturnToService=2
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} State=UNKNOWN
PartitionName={partition} Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A one-node SLURM cluster of this machine (installed first where needed and possible),
    stopped again at the end: jobs cancelled, the daemons this fixture started stopped."""
    _install_slurm_or_skip()
    if os.geteuid() != 0:
        pytest.skip(f"a test cluster needs root (it writes {SYSTEM_CONF} and runs the SLURM daemons as root)")
    SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_or_skip(SYSTEM_CONF.parent, seconds=1200)  # one test cluster at a time on a machine
    if SYSTEM_CONF.exists() and not SYSTEM_CONF.read_text().startswith(CONF_MARK):
        os.close(lock)
        pytest.skip(f"{SYSTEM_CONF} exists: this machine has a SLURM configuration of its own, which the test leaves alone")
    folder = tmp_path_factory.mktemp("slurm")
    (folder / "state").mkdir()
    (folder / "spool").mkdir()
    partition = "infoplane"
    conf = SYSTEM_CONF
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(SLURM_CONF=str(conf), PATH=SBIN_PATH)
    cluster = Cluster(conf, folder, partition, env)
    munge_pid = None
    made_run_dir = False
    try:
        conf.write_text(SLURM_CONF.format(
            host=socket.gethostname().split(".")[0], ctld_port=_free_port(), slurmd_port=_free_port(), folder=folder,
            cpus=os.cpu_count(), memory=_memory_mb(), partition=partition, cluster_name=CLUSTER_NAME,
        ))  # fmt: skip
        if not _munge_works(env):  # start munged as the munge user, with the package's key
            run_dir = Path("/run/munge")
            if not run_dir.exists():
                subprocess.run(["install", "-d", "-o", "munge", "-g", "munge", "-m", "0755", str(run_dir)], check=True)
                made_run_dir = True
            subprocess.run(["runuser", "-u", "munge", "--", _which("munged")], check=True, env=env, timeout=30)
            munge_pid = _pid(run_dir / "munged.pid")
            _wait(lambda: _munge_works(env), 20, "munged did not answer")
        subprocess.run([_which("slurmctld"), "-f", str(conf)], check=True, env=env, timeout=60)
        subprocess.run([_which("slurmd"), "-f", str(conf), "-N", "localhost"], check=True, env=env, timeout=60)
        _wait(lambda: cluster.run("sinfo", "-h", "-N", "-o", "%T", check=False).strip() == "idle", 60,
              "the node did not become idle", cluster.logs)  # fmt: skip
        yield cluster
    finally:
        subprocess.run(["scancel", "--full", "--partition", partition], env=env, capture_output=True, timeout=60)
        try:  # cancelled jobs end (their job steps report to slurmd) before the daemons stop
            _wait(lambda: not cluster.run("squeue", "--noheader", "--states=PD,CF,R,CG", check=False).strip(),
                  60, "cancelled jobs did not end")  # fmt: skip
        except AssertionError:
            pass
        subprocess.run(["scontrol", "shutdown"], env=env, capture_output=True, timeout=60)
        for name in ("slurmd.pid", "slurmctld.pid"):
            _stop(_pid(folder / name))
        for pid in _leftovers(folder):  # only where a job outlived its cancellation (a loaded machine)
            _stop(pid, seconds=5)
        _stop(munge_pid)
        if made_run_dir:
            shutil.rmtree("/run/munge", ignore_errors=True)
        conf.unlink(missing_ok=True)
        os.close(lock)


@pytest.mark.slow
@pytest.mark.long
def test_tiny_study_runs_to_its_report_on_slurm(cluster, tmp_path):
    workdir = copy_workflow(tmp_path / "workflow")
    reduced_config(workdir / "config" / "tiny.yaml")
    # the user's one edit: the site block at the top of the profile
    profile = workdir / "profiles" / "slurm" / "config.yaml"
    text = profile.read_text()
    for placeholder, value in (("<your-account>", "infoplane"), ("<your-partition>", cluster.partition)):
        assert text.count(f'"{placeholder}"') == 1, placeholder
        text = text.replace(placeholder, value)
    profile.write_text(text)

    start = time.monotonic()
    result = subprocess.run(
        [str(SNAKEMAKE), "report", "--profile", "profiles/slurm", "--slurm-init-seconds-before-status-checks", "5",
         "--configfile", "config/tiny.yaml"],
        cwd=workdir, capture_output=True, text=True, env=cluster.env, timeout=3600,
    )  # fmt: skip
    minutes = (time.monotonic() - start) / 60
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{output[-6000:]}\n{cluster.logs()}"
    print(f"tiny study through SLURM: {minutes:.1f} min")  # with pytest -s
    assert (workdir / "results" / "tiny" / "report" / "report.pdf").read_bytes()[:5] == b"%PDF-"

    # what Snakemake says it submitted, and where it ran the rest
    submitted = re.findall(r"Job \d+ has been submitted with SLURM jobid (\d+)", output)
    local = set(re.findall(r"^localrule (\w+):", output, flags=re.M))
    # every cluster rule the tiny study has (it has no skipping study: no skipping_truth job)
    assert set(re.findall(r"^rule (\w+):", output, flags=re.M)) == CLUSTER_RULES - {"skipping_truth"}
    assert {"report_pdf", "summarise", "claims", "plot_information", "training_table", "dataset"} <= local
    assert not local & CLUSTER_RULES

    # what SLURM says ran: squeue keeps finished jobs (MinJobAge) with rule and wildcards in their
    # comment; a job retried (a time limit hit on a loaded machine) has several, the last completed
    tries = {}
    for line in sorted(cluster.run("squeue", "--states=all", "--noheader", "--format=%i|%T|%k").splitlines(),
                       key=lambda line: int(line.split("|")[0])):  # fmt: skip
        job_id, state, comment = line.strip().split("|", 2)
        tries.setdefault(comment, []).append((job_id, state))
    assert sorted(j for runs in tries.values() for j, _ in runs) == sorted(submitted)
    assert all(runs[-1][1] == "COMPLETED" for runs in tries.values()), tries
    expected = _tiny_jobs(workdir / "config" / "tiny.yaml")
    assert Counter(re.match(r"rule_(\w+?)_wildcards_", comment).group(1) for comment in tries) == expected
    # and its job-completion log: the same jobs, in the partition, completed ones with exit code 0
    completed = cluster.jobcomp()
    assert sorted(completed) == sorted(submitted)
    assert {fields["Partition"] for fields in completed.values()} == {cluster.partition}
    done = [fields for fields in completed.values() if fields["JobState"] == "COMPLETED"]
    assert len(done) == sum(expected.values()) and {f["ExitCode"] for f in done} == {"0:0"}
    print(f"{len(done)} SLURM jobs completed, {len(submitted) - len(done)} tries repeated")
