"""Submitting, cancelling and reading Slurm jobs: sbatch, scancel, and a job's state from
squeue/scontrol, then sacct or the job completion log once it left the queue."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from vocseg_tui.core.slurm.runner import SlurmError, run
from vocseg_tui.core.slurm.states import RUNNING, WAITING, SlurmStatus


def submit(script: Path) -> str:
    """sbatch the script; the new Slurm job id."""
    done = run(["sbatch", "--parsable", str(script)])
    if done.returncode != 0:
        raise SlurmError(f"sbatch refused the job: {done.stderr.strip()}", f"inspect the script {script}")
    return done.stdout.strip().split(";")[0]


def cancel(slurm_id: str, *, usr1_to_batch: bool = False) -> None:
    argv = ["scancel", "--signal=USR1", "--batch", slurm_id] if usr1_to_batch else ["scancel", slurm_id]
    done = run(argv)
    if done.returncode != 0:
        raise SlurmError(f"scancel {slurm_id} failed: {done.stderr.strip()}", "see `squeue -j` for the job")


def _fields(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split() if "=" in item)


def _exit(text: str) -> int | None:
    try:
        return int(text.split(":")[0])
    except ValueError:
        return None


SNAPSHOT_TTL_S = 1.0
_snapshot: tuple[float, dict[str, SlurmStatus] | None] = (0.0, {})
"""When the last prefetch ran, and what it learned (None: slurmctld did not answer)."""


def prefetch(slurm_ids: list[str]) -> None:
    """Read many jobs with one `squeue` call (the Jobs screen polls every 2 s, and a user may
    have dozens of jobs: one RPC per refresh instead of one per job, kinder to slurmctld).
    `query` uses what it learned for SNAPSHOT_TTL_S; ended jobs still ask scontrol, which
    knows the exit code."""
    global _snapshot
    ids = sorted({i for i in slurm_ids if i.isdigit()})
    if not ids:
        return
    try:
        done = run(["squeue", "-h", "-t", "all", "-j", ",".join(ids), "-o", "%i|%T|%r"])
    except SlurmError:
        _snapshot = (time.monotonic(), None)  # no job waits on its own timeout this round
        return
    if done.returncode != 0:
        _snapshot = (time.monotonic(), {})  # e.g. every id already forgotten: each job asks
        return
    found: dict[str, SlurmStatus] = {}
    for line in done.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 3 and parts[1] in WAITING | RUNNING:
            found[parts[0]] = SlurmStatus(parts[1], parts[2])
    _snapshot = (time.monotonic(), found)


def query(slurm_id: str) -> SlurmStatus | None:
    """The job's status from the last `prefetch`, else scontrol, else sacct, else the
    jobcomp/filetxt log; None: unknown everywhere. Raises SlurmError when slurmctld is away."""
    taken, known = _snapshot
    if time.monotonic() - taken < SNAPSHOT_TTL_S:
        if known is None:
            raise SlurmError("slurmctld did not answer squeue", "the state is read again on the next refresh")
        if slurm_id in known:
            return known[slurm_id]
    done = run(["scontrol", "-o", "show", "job", slurm_id])
    if done.returncode == 0 and done.stdout.strip():
        info = _fields(done.stdout)
        return SlurmStatus(info.get("JobState", "UNKNOWN"), info.get("Reason", ""),
                           _exit(info.get("ExitCode", "")))
    if shutil.which("sacct"):
        done = run(["sacct", "-X", "-n", "-P", "-j", slurm_id, "-o", "JobID,State,ExitCode"])
        for line in done.stdout.splitlines() if done.returncode == 0 else []:
            parts = line.split("|")
            if len(parts) == 3 and parts[0] == slurm_id:
                return SlurmStatus(parts[1].split()[0], "", _exit(parts[2]))
    return _from_jobcomp(slurm_id)


def _from_jobcomp(slurm_id: str) -> SlurmStatus | None:
    config = {key.strip(): value.strip() for key, _, value in
              (line.partition("=") for line in run(["scontrol", "show", "config"]).stdout.splitlines())}
    if config.get("JobCompType") != "jobcomp/filetxt" or not config.get("JobCompLoc"):
        return None
    try:
        lines = Path(config["JobCompLoc"]).read_text(errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        info = _fields(line)
        if info.get("JobId") == slurm_id:
            return SlurmStatus(info.get("JobState", "UNKNOWN"), "", _exit(info.get("ExitCode", "")))
    return None
