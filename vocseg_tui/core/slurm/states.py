"""Slurm's job state words mapped onto the states a user sees (the jobs package's JobState
values: queued, running, succeeded, failed, stopped), with the detail line to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LocalState = Literal["queued", "running", "succeeded", "failed", "stopped"]

WAITING = frozenset({"PENDING", "REQUEUED", "CONFIGURING", "RESV_DEL_HOLD", "REQUEUE_HOLD"})
"""Slurm states shown as `queued` (the job waits for its allocation)."""
RUNNING = frozenset({"RUNNING", "COMPLETING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "RESIZING"})
ENDED_BADLY = frozenset({"TIMEOUT", "PREEMPTED", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"})


@dataclass(frozen=True)
class SlurmStatus:
    """What Slurm says about one job: its state word, the reason, and the exit code if ended."""

    state: str
    reason: str = ""
    exit_code: int | None = None

    @property
    def word(self) -> str:
        """`CANCELLED by 0` -> CANCELLED, `COMPLETED+` -> COMPLETED."""
        return (self.state.split() or ["UNKNOWN"])[0].rstrip("+")


def to_local(status: SlurmStatus, stopped_marker: bool, clean_stop_exit: int) -> tuple[LocalState, str]:
    """The local state and its detail. `stopped_marker`: the training wrote that it stopped after
    an epoch on request; `clean_stop_exit`: the exit status of such a stop (one process)."""
    word = status.word
    if word in WAITING:
        return "queued", f"Slurm: {status.reason or 'pending'}"
    if word in RUNNING:
        return "running", ""
    if word == "COMPLETED":
        return ("stopped", "stopped after an epoch") if stopped_marker else ("succeeded", "")
    if word == "CANCELLED":
        return "stopped", "cancelled in Slurm"
    if word == "FAILED" and status.exit_code == clean_stop_exit:
        return "stopped", "stopped after an epoch"
    if word in ENDED_BADLY:
        reason = f" ({status.reason})" if status.reason else ""
        return "failed", f"Slurm ended the job: {word}{reason}"
    return "failed", f"Slurm: {word} (exit {status.exit_code})"
