"""Slurm as a launch back end's helpers: the batch script, sbatch/scancel, and reading a job's
state from squeue/scontrol, then sacct or the job completion log once it left the queue.

The batch script is written into the job's folder and kept, so the user can read what ran and
resubmit it by hand. It runs the training under `srun` with the job's request files exported, and
turns SIGUSR1 sent to the batch shell (`scancel --signal=USR1 --batch`, or `--signal=B:USR1@N`
before a time limit) into the same "stop after this epoch" request file local jobs use.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.jobs.command import TRAIN_SCRIPT, train_command
from vocseg_tui.core.jobs.errors import JobError, LaunchRefused
from vocseg_tui.core.jobs.paths import STOP_FILE_ENV, STOPPED_MARKER_ENV, JobPaths
from vocseg_tui.core.jobs.states import STOPPED_EXIT, JobState

SLURM_OPTIONS = ("partition", "nodes", "gpus_per_node", "cpus_per_task", "time", "account", "qos",
                 "resubmits")
DEFAULT_RESUBMITS = 5
"""Automatic resubmissions at the time limit: a 60-epoch R50 run on 2 GPUs needs 2-3 days."""
MAX_RESUBMITS = 50
_TIME = re.compile(r"^(?:(\d+)-)?(\d{1,2}):(\d{2}):(\d{2})$")
_WAITING = {"PENDING", "REQUEUED", "CONFIGURING", "RESV_DEL_HOLD", "REQUEUE_HOLD"}
"""Slurm states shown as `queued` (the job waits for its allocation)."""
_RUNNING = {"RUNNING", "COMPLETING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "RESIZING"}
_ENDED_BADLY = {"TIMEOUT", "PREEMPTED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}


@dataclass(frozen=True)
class SlurmStatus:
    """What Slurm says about one job: its state word, the reason, and the exit code if ended."""

    state: str
    reason: str = ""
    exit_code: int | None = None


def _client_env() -> dict[str, str]:
    """Our environment without the SLURM_* a running job sets (SLURM_CONF stays): submitting the
    next attempt from inside a job must not pass the old job's allocation on to the new one."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SLURM_") or k == "SLURM_CONF"}


def _run(argv: list[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout,
                              env=_client_env())
    except (OSError, subprocess.TimeoutExpired) as error:
        raise JobError(f"`{argv[0]}` failed: {error}", "check that the Slurm client tools work") from error


def unavailable_reason() -> str | None:
    tools = ("sbatch", "squeue", "scontrol", "scancel", "sinfo")
    missing = [tool for tool in tools if not shutil.which(tool)]
    return f"Slurm is not available here ({', '.join(missing)} not found)" if missing else None


def check_options(slurm: dict[str, Any]) -> None:
    """Refuse options the cluster cannot satisfy (checked with `sinfo` before submitting)."""
    for key in ("nodes", "gpus_per_node", "cpus_per_task"):
        value = slurm.get(key)
        if value is not None and int(value) < (0 if key == "gpus_per_node" else 1):
            raise LaunchRefused(f"--{key.replace('_', '-')} {value} is out of range", "use a positive number")
    resubmits = slurm.get("resubmits")
    if resubmits is not None and not 0 <= int(resubmits) <= MAX_RESUBMITS:
        raise LaunchRefused(f"--max-resubmits {resubmits} is out of range",
                            f"use 0 (never) to {MAX_RESUBMITS}")
    if slurm.get("time") and time_limit_s(str(slurm["time"])) is None:
        raise LaunchRefused(f"--time {slurm['time']!r} is not a time limit", "write HH:MM:SS or D-HH:MM:SS")
    partition = slurm.get("partition")
    if partition:
        done = _run(["sinfo", "-h", "-o", "%P"])
        if done.returncode != 0:
            raise LaunchRefused(f"sinfo failed: {done.stderr.strip()}", "check that slurmctld is reachable")
        known = [p.strip().rstrip("*") for p in done.stdout.split()]
        if partition not in known:
            raise LaunchRefused(f"Slurm has no partition {partition!r}",
                                f"use one of: {', '.join(known) or '(none)'} (see `sinfo`)")
    wanted = int(slurm.get("gpus_per_node") or 0)
    if wanted:
        from vocseg_tui.core.gpus.slurm_cluster import gpus_in_gres

        done = _run(["sinfo", "-h", "-o", "%G", *(["-p", str(partition)] if partition else [])])
        most = max((gpus_in_gres(line.strip())[0] for line in done.stdout.splitlines()), default=0)
        if wanted > most:
            where = f"partition {partition}" if partition else "this cluster"
            raise LaunchRefused(f"{wanted} GPUs per node asked, but a node of {where} has at most {most}",
                                "lower --gpus-per-node, or use more --nodes (see `sinfo -o '%P %G'`)")


def time_limit_s(text: str) -> int | None:
    """Seconds of a `--time` like 1-02:00:00 or 02:00:00 (None: not that form)."""
    found = _TIME.match(text.strip())
    if not found:
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def signal_margin_s(limit_s: int) -> int:
    """How long before the time limit SIGUSR1 comes: a tenth of it, 60 s to 10 min (Slurm checks
    limits about every 30 s, and the epoch in progress must finish and save in that time)."""
    return max(60, min(600, limit_s // 10))


def batch_script(paths: JobPaths, cwd: str, command: list[str], env: dict[str, str],
                 slurm: dict[str, Any], name: str, continue_command: list[str] | None = None) -> str:
    """A readable sbatch script for one attempt of a job. With a time limit, the script asks for
    SIGUSR1 before it and, when that stopped an unfinished run, runs `continue_command` (which
    submits the next attempt with --resume)."""
    tasks = int(slurm.get("tasks_per_node") or slurm.get("gpus_per_node") or 1)
    lines = ["#!/bin/bash", f"#SBATCH --job-name=vocseg-{name}", f"#SBATCH --output={paths.log}",
             "#SBATCH --open-mode=append", f"#SBATCH --chdir={cwd}",
             f"#SBATCH --nodes={int(slurm.get('nodes') or 1)}", f"#SBATCH --ntasks-per-node={tasks}"]
    if slurm.get("gpus_per_node"):
        lines.append(f"#SBATCH --gpus-per-node={int(slurm['gpus_per_node'])}")
    if slurm.get("cpus_per_task"):
        lines.append(f"#SBATCH --cpus-per-task={int(slurm['cpus_per_task'])}")
    for key in ("partition", "time", "account", "qos"):
        if slurm.get(key):
            lines.append(f"#SBATCH --{key}={slurm[key]}")
    limit = time_limit_s(str(slurm.get("time") or ""))
    margin = signal_margin_s(limit) if limit else 0
    if margin:  # checkpoint and stop cleanly before the limit, then continue in a new job
        lines.append(f"#SBATCH --signal=B:USR1@{margin}")
    exports = {**env, STOP_FILE_ENV: str(paths.stop_after_epoch_request),
               STOPPED_MARKER_ENV: str(paths.stopped_marker)}
    lines += ["", "# Written by vocseg-tui; resubmit by hand with `sbatch` on this file.", "set -u"]
    lines += [f"export {key}={shlex.quote(value)}" for key, value in sorted(exports.items())]
    lines.append("export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))  # rendezvous of the tasks")
    request = shlex.quote(str(paths.stop_after_epoch_request))
    lines += ["", "# SIGUSR1 to this script = stop after this epoch (tools/train.py polls the file)."]
    if margin and continue_command:
        lines += _time_limit_trap(request, shlex.quote(str(paths.time_limit_marker)), margin)
    else:
        lines.append(f"trap 'touch {request}' USR1")
    if str(TRAIN_SCRIPT) in command:
        lines += ["# requeued (preemption, a node failure, `scontrol requeue`): continue, do not start over",
                  "restart=()",
                  '[ "${SLURM_RESTART_COUNT:-0}" -gt 0 ] && restart=(--resume)  # last intact checkpoint',
                  f'srun {shlex.join(command)} "${{restart[@]}}" &']
    else:
        lines.append(f"srun {shlex.join(command)} &")
    lines += ["child=$!",
              "# wait returns early when USR1 arrives: keep waiting while srun still runs",
              "while true; do", "  wait $child; status=$?",
              "  kill -0 $child 2>/dev/null || break", "done"]
    if margin and continue_command:
        lines += ["# stopped by the time limit's signal: submit the next attempt (--resume)",
                  f"[ -e {shlex.quote(str(paths.time_limit_marker))} ] && {shlex.join(continue_command)}"]
    lines += ["exit $status", ""]
    return "\n".join(lines)


def _time_limit_trap(request: str, marker: str, margin: int) -> list[str]:
    """USR1 with at most the margin left (squeue's %L) and no stop asked by the user is the time
    limit's: mark it, so the script continues the run once training stopped after its epoch."""
    return [
        "# ...and when it comes with the time limit near, the run continues in a new job.",
        "seconds_left() {  # squeue's %L: [D-][H:]M:SS",
        "  local left days=0 total=0 part",
        '  left=$(squeue -h -j "$SLURM_JOB_ID" -o %L 2>/dev/null) || return 1',
        '  case $left in *-*) days=${left%%-*}; left=${left#*-};; esac',
        '  case $left in *:*) ;; *) return 1;; esac',
        '  IFS=: read -ra parts <<< "$left"',
        '  for part in "${parts[@]}"; do total=$((total * 60 + 10#$part)); done',
        "  echo $((days * 86400 + total))",
        "}",
        "on_usr1() {",
        f'  if [ ! -e {request} ] && left=$(seconds_left) && [ "$left" -le {margin + 60} ]; then',
        f"    touch {marker}",
        "  fi",
        f"  touch {request}",
        "}",
        "trap on_usr1 USR1",
    ]


def task_command(config: str, work_dir: str, options: dict[str, Any], resume_from: str,
                 tasks: int) -> list[str]:
    """What every task runs: tools/train.py with mmengine's Slurm launcher when there are several
    tasks (one per GPU, or gloo processes on CPU), a plain process for one CPU task."""
    cfg_options = list(options.get("cfg_options", []))
    chose = any(o.startswith("env_cfg.dist_cfg.backend=") for o in cfg_options)
    if tasks > 1 and options.get("cpu") and not chose:
        cfg_options.append("env_cfg.dist_cfg.backend=gloo")  # NCCL needs GPUs
    one = {**options, "nproc": 1, "cfg_options": cfg_options}
    command = train_command(config, work_dir, one, resume_from)
    if tasks > 1 or options.get("slurm", {}).get("gpus_per_node"):
        command[-1] = "slurm"
    return command


def submit(script: Path) -> str:
    done = _run(["sbatch", "--parsable", str(script)])
    if done.returncode != 0:
        raise JobError(f"sbatch refused the job: {done.stderr.strip()}", f"inspect the script {script}")
    return done.stdout.strip().split(";")[0]


def cancel(slurm_id: str, *, usr1_to_batch: bool = False) -> None:
    argv = ["scancel", "--signal=USR1", "--batch", slurm_id] if usr1_to_batch else ["scancel", slurm_id]
    done = _run(argv)
    if done.returncode != 0:
        raise JobError(f"scancel {slurm_id} failed: {done.stderr.strip()}", "see `squeue -j` for the job")


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
        done = _run(["squeue", "-h", "-t", "all", "-j", ",".join(ids), "-o", "%i|%T|%r"])
    except JobError:
        _snapshot = (time.monotonic(), None)  # no job waits on its own timeout this round
        return
    if done.returncode != 0:
        _snapshot = (time.monotonic(), {})  # e.g. every id already forgotten: each job asks
        return
    found: dict[str, SlurmStatus] = {}
    for line in done.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 3 and parts[1] in _WAITING | _RUNNING:
            found[parts[0]] = SlurmStatus(parts[1], parts[2])
    _snapshot = (time.monotonic(), found)


def query(slurm_id: str) -> SlurmStatus | None:
    """The job's status from the last `prefetch`, else scontrol, else sacct, else the
    jobcomp/filetxt log; None: unknown everywhere."""
    taken, known = _snapshot
    if time.monotonic() - taken < SNAPSHOT_TTL_S:
        if known is None:
            raise JobError("slurmctld did not answer squeue", "the state is read again on the next refresh")
        if slurm_id in known:
            return known[slurm_id]
    done = _run(["scontrol", "-o", "show", "job", slurm_id])
    if done.returncode == 0 and done.stdout.strip():
        info = _fields(done.stdout)
        return SlurmStatus(info.get("JobState", "UNKNOWN"), info.get("Reason", ""),
                           _exit(info.get("ExitCode", "")))
    if shutil.which("sacct"):
        done = _run(["sacct", "-X", "-n", "-P", "-j", slurm_id, "-o", "JobID,State,ExitCode"])
        for line in done.stdout.splitlines() if done.returncode == 0 else []:
            parts = line.split("|")
            if len(parts) == 3 and parts[0] == slurm_id:
                return SlurmStatus(parts[1].split()[0], "", _exit(parts[2]))
    return _from_jobcomp(slurm_id)


def _from_jobcomp(slurm_id: str) -> SlurmStatus | None:
    config = {key.strip(): value.strip() for key, _, value in
              (line.partition("=") for line in _run(["scontrol", "show", "config"]).stdout.splitlines())}
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


def to_local(status: SlurmStatus, stopped_marker: bool) -> tuple[JobState, str]:
    """Slurm's state mapped onto the local states, with the failure text or the queue reason."""
    word = status.state.split()[0].rstrip("+")
    if word in _WAITING:
        return JobState.QUEUED, f"Slurm: {status.reason or 'pending'}"
    if word in _RUNNING:
        return JobState.RUNNING, ""
    if word == "COMPLETED":
        return (JobState.STOPPED, "stopped after an epoch") if stopped_marker else (JobState.SUCCEEDED, "")
    if word == "CANCELLED":
        return JobState.STOPPED, "cancelled in Slurm"
    if word == "FAILED" and status.exit_code == STOPPED_EXIT:
        return JobState.STOPPED, "stopped after an epoch"
    if word in _ENDED_BADLY:
        reason = f" ({status.reason})" if status.reason else ""
        return JobState.FAILED, f"Slurm ended the job: {word}{reason}"
    return JobState.FAILED, f"Slurm: {word} (exit {status.exit_code})"
