"""A real single-node Slurm (munged, slurmctld, slurmd on 127.0.0.1) for the Slurm tests.

Follows ../shared/design/SLURM.md: Debian's packages, no systemd, conf and state in a scratch
folder, OverSubscribe=FORCE so several test jobs share 2 CPUs, jobcomp/filetxt so a job's end
is still known after it left the queue (MinJobAge=2 makes that happen quickly). The node has
GPUS fake GPUs through GRES (character devices like /dev/null, SLURM.md's "Fake GPUs"), so
`sinfo` lists them, `--gres=gpu:1` holds one, and jobs get CUDA_VISIBLE_DEVICES.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from tests.slurm import accounting as slurm_accounting

GPUS = 2
"""Fake GPUs on the test node (Gres=gpu:2)."""

BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo")


def unavailable_reason() -> str | None:
    missing = [b for b in BINARIES if shutil.which(b) is None and not Path(f"/usr/sbin/{b}").exists()]
    if missing:
        return f"Slurm is not installed ({', '.join(missing)} missing): run scripts/setup.sh as root"
    if os.geteuid() != 0:
        return "starting slurmctld/slurmd needs root"
    return None


@dataclass
class Cluster:
    folder: Path
    conf: Path
    partition: str = "debug"
    accounting_db: Path | None = None
    """MariaDB's folder when slurmdbd keeps accounting (`sacct` answers); None: it does not."""

    @property
    def env(self) -> dict[str, str]:
        return {"SLURM_CONF": str(self.conf)}


def _conf(folder: Path, host: str, accounting: bool = False) -> str:
    free_mb = int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20 * 0.9)
    cpus = os.cpu_count() or 2
    return f"""ClusterName=vocsegtest
GresTypes=gpu
SlurmctldHost={host}(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldLogFile={folder}/log/slurmctld.log
SlurmdLogFile={folder}/log/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
{slurm_accounting.CONF if accounting else "AccountingStorageType=accounting_storage/none"}
JobCompType=jobcomp/filetxt
JobCompLoc={folder}/log/jobcomp.log
MinJobAge=2
KillWait=2
InactiveLimit=0
Waittime=0
NodeName={host} CPUs={cpus} Gres=gpu:{GPUS} NodeAddr=127.0.0.1 RealMemory={free_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
"""


def _fake_gpus(folder: Path, host: str) -> str:
    """gres.conf for GPUS character devices (c 1 3, like /dev/null): slurmd rejects regular files."""
    for index in range(GPUS):
        device = folder / f"fakegpu{index}"
        if not device.exists():
            os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return f"NodeName={host} Name=gpu File={folder}/fakegpu[0-{GPUS - 1}]\n"


def _start_munge() -> None:
    if subprocess.run(["sh", "-c", "munge -n | unmunge"], capture_output=True, check=False).returncode == 0:
        return
    Path("/run/munge").mkdir(exist_ok=True)
    shutil.chown("/run/munge", "munge", "munge")
    munge = pwd.getpwnam("munge")
    subprocess.run(["/usr/sbin/munged"], user=munge.pw_uid, group=munge.pw_gid, check=True, timeout=10)


def start(folder: Path) -> Cluster:
    """Start the daemons with their conf in `folder`; returns once the node is idle."""
    host = socket.gethostname()
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6817)) == 0:
            raise RuntimeError("a slurmctld already listens on 127.0.0.1:6817: stop it first")
    for sub in ("state", "spool", "log"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    subprocess.run(["chown", "-R", "slurm:slurm", str(folder)], check=True)
    conf = folder / "slurm.conf"
    accounting = slurm_accounting.unavailable_reason() is None
    conf.write_text(_conf(folder, host, accounting))
    conf.chmod(0o644)
    gres = folder / "gres.conf"  # slurmd reads it beside slurm.conf
    gres.write_text(_fake_gpus(folder, host))
    gres.chmod(0o644)
    cluster = Cluster(folder, conf)
    env = {**os.environ, **cluster.env}
    _start_munge()
    _kill_stray_steps()
    if accounting:  # slurmdbd first: slurmctld registers with it when it starts
        cluster.accounting_db = slurm_accounting.start(folder, host)
    subprocess.run(["slurmctld", "-c"], env=env, check=True, timeout=30)  # -c: no old state
    subprocess.run(["slurmd"], env=env, check=True, timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True,
                              check=False)
        if done.stdout.strip().startswith("idle"):
            return cluster
        time.sleep(0.1)
    stop(cluster)
    raise RuntimeError(f"the test Slurm node never became idle; see {folder}/log")


def _kill_stray_steps() -> None:
    """slurmstepd outlives slurmd: jobs still running when an earlier test cluster stopped would
    otherwise meet the next cluster's job ids. No slurmd runs here yet, so any step is stray."""
    for process in psutil.process_iter(["name"]):
        if (process.info["name"] or "").startswith("slurmstepd"):
            with contextlib.suppress(psutil.Error):
                for child in process.children(recursive=True):
                    child.kill()
                process.kill()


def _cancel_all(env: dict[str, str]) -> None:
    """Cancel every job and wait (up to 10 s) until the queue is empty, before the daemons stop."""
    listed = subprocess.run(["squeue", "-h", "-o", "%i"], env=env, capture_output=True, text=True,
                            check=False, timeout=30)
    ids = listed.stdout.split()
    if not ids:
        return
    subprocess.run(["scancel", *ids], env=env, capture_output=True, check=False, timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listed = subprocess.run(["squeue", "-h", "-t", "running,completing", "-o", "%i"], env=env,
                                capture_output=True, text=True, check=False, timeout=30)
        if not listed.stdout.strip():
            return
        time.sleep(0.2)


def stop(cluster: Cluster) -> None:
    """Cancel the jobs left, then stop slurmd and slurmctld by the pids they wrote (munged is
    left for the next session)."""
    with socket.socket() as probe:
        running = probe.connect_ex(("127.0.0.1", 6817)) == 0
    if running:  # (stopping twice is quick)
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            _cancel_all({**os.environ, **cluster.env})
    for name in ("slurmd", "slurmctld"):
        pid_file = cluster.folder / f"{name}.pid"
        try:
            pid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    if cluster.accounting_db:
        slurm_accounting.stop(cluster.folder, cluster.accounting_db)
