"""The batch script of one attempt of a job: readable, kept beside the job's log, resubmittable.

It runs the task command under `srun` with the variables of the launch plan exported, and turns
SIGUSR1 sent to the batch shell (`scancel --signal=USR1 --batch`, or `--signal=B:USR1@N` before a
time limit) into the "stop after this epoch" request file that tools/train.py polls. Pure text:
the caller (the launch plan) passes every path and value in.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_TIME = re.compile(r"^(?:(\d+)-)?(\d{1,2}):(\d{2}):(\d{2})$")
DIRECTIVES = ("partition", "time", "account", "qos")
"""#SBATCH options passed through as given, in this order."""
MASTER_ADDR = '$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n1)'
"""The first host of the allocation: rank 0 runs there (srun's block distribution)."""
MASTER_PORT = "$((20000 + SLURM_JOB_ID % 20000))"
"""A port that differs between jobs sharing a node, the same for every task of one job."""


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


@dataclass(frozen=True)
class BatchSpec:
    """Everything one batch script says."""

    name: str
    log: str
    cwd: str
    task: tuple[str, ...]
    """What srun runs (with srun's own options first, e.g. `srun --cpus-per-task=4 python ...`)."""
    stop_request: str
    time_limit_marker: str
    nodes: int = 1
    tasks_per_node: int = 1
    gpus_per_node: int = 0
    cpus_per_task: int | None = None
    directives: dict[str, str] = field(default_factory=dict)
    """partition, time, account, qos (those given)."""
    exports: dict[str, str] = field(default_factory=dict)
    """Variables exported with these exact values."""
    computed: dict[str, str] = field(default_factory=dict)
    """Variables the script computes when the job starts (shell expressions, not quoted)."""
    resume_on_requeue: tuple[str, ...] = ()
    """Arguments added to the task when Slurm runs the script again after a requeue."""
    continue_command: tuple[str, ...] = ()
    """Run after a stop that the time limit's signal asked for (submits the next attempt)."""
    end_command: tuple[str, ...] = ()
    """Run last, with `--exit-status STATUS` added: records the end and sends its notice, so
    notifications need no reader on the login node. Its own failure never changes the status."""


def batch_script(spec: BatchSpec) -> str:
    limit = time_limit_s(spec.directives.get("time", ""))
    margin = signal_margin_s(limit) if limit else 0
    lines = ["#!/bin/bash", f"#SBATCH --job-name=vocseg-{spec.name}", f"#SBATCH --output={spec.log}",
             "#SBATCH --open-mode=append", f"#SBATCH --chdir={spec.cwd}", f"#SBATCH --nodes={spec.nodes}",
             f"#SBATCH --ntasks-per-node={spec.tasks_per_node}"]
    if spec.gpus_per_node:
        lines.append(f"#SBATCH --gpus-per-node={spec.gpus_per_node}")
    if spec.cpus_per_task:
        lines.append(f"#SBATCH --cpus-per-task={spec.cpus_per_task}")
    lines += [f"#SBATCH --{key}={spec.directives[key]}" for key in DIRECTIVES if spec.directives.get(key)]
    if margin:  # checkpoint and stop cleanly before the limit, then continue in a new job
        lines.append(f"#SBATCH --signal=B:USR1@{margin}")
    lines += ["", "# Written by vocseg-tui; resubmit by hand with `sbatch` on this file.", "set -u"]
    if spec.gpus_per_node:
        lines.append("# CUDA_VISIBLE_DEVICES: slurmstepd sets it for each step from the allocated GPUs")
    lines += [f"export {key}={shlex.quote(value)}" for key, value in sorted(spec.exports.items())]
    lines += [f"export {key}={value}" for key, value in spec.computed.items()]
    request = shlex.quote(spec.stop_request)
    lines += ["", "# SIGUSR1 to this script = stop after this epoch (tools/train.py polls the file)."]
    if margin and spec.continue_command:
        lines += _time_limit_trap(request, shlex.quote(spec.time_limit_marker), margin)
    else:
        lines.append(f"trap 'touch {request}' USR1")
    if spec.resume_on_requeue:
        lines += ["# requeued (preemption, a node failure, `scontrol requeue`): continue, do not start over",
                  "restart=()",
                  f'[ "${{SLURM_RESTART_COUNT:-0}}" -gt 0 ] && restart=({shlex.join(spec.resume_on_requeue)})'
                  "  # last intact checkpoint",
                  f'{shlex.join(spec.task)} "${{restart[@]}}" &']
    else:
        lines.append(f"{shlex.join(spec.task)} &")
    lines += ["child=$!",
              "# wait returns early when USR1 arrives: keep waiting while srun still runs",
              "while true; do", "  wait $child; status=$?",
              "  kill -0 $child 2>/dev/null || break", "done"]
    if margin and spec.continue_command:
        lines += ["# stopped by the time limit's signal: submit the next attempt (--resume)",
                  f"[ -e {shlex.quote(spec.time_limit_marker)} ] && {shlex.join(spec.continue_command)}"]
    if spec.end_command:
        lines += ["# record the end and notify (bounded in time; never changes the job's status)",
                  f'{shlex.join(spec.end_command)} --exit-status "$status" || true']
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
