"""The launch back-end interface: how a registered job's training gets started, watched and
stopped, and everything else that differs between back ends, so generic code (the launch, the
job list, the CLI, the Jobs screen) never names one.

A back end owns: whether it can be used here, its own command-line options with their checks
and defaults, what it records about a job (`backend_data`, read through its typed accessor),
a one-line description for the UI, how to reach the job's console (`attach_command`), and how
to tell whether the job still exists. Stop requests are files (JobPaths.stop_request,
.stop_after_epoch_request) that the supervisor and tools/train.py poll, so they work the same
for every back end and survive the requester.
"""

from __future__ import annotations

import argparse
import sys
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.jobs.errors import LaunchRefused
from vocseg_tui.core.jobs.plan import Allocation, LaunchPlan
from vocseg_tui.core.jobs.procs import is_alive
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import JobState

SUPERVISOR_MODULE = "vocseg_tui.workers.supervisor"
STARTUP_GRACE_S = 60.0
"""A job registered but never heard of again (no supervisor pid, no scheduler id) for this long
was never started: lost."""


def supervisor_argv(job: Job, registry: Registry) -> list[str]:
    """The supervisor's command line (a light process: it never imports torch)."""
    return [sys.executable, "-m", SUPERVISOR_MODULE, "--job", str(job.id), "--registry", str(registry.path)]


class LaunchBackend(ABC):
    """Starts and watches the training of a job already in the registry."""

    name: ClassVar[str]
    description: ClassVar[str]
    """One line for the launch dialog and `--help`."""
    offered_in_ui: ClassVar[bool] = True
    """False for a back end whose options the launch dialog does not ask for."""
    records_state: ClassVar[bool] = False
    """True when `state` writes what it learned into the registry (no supervisor does it)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    # Choosing it, and its options ---------------------------------------------------------
    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this back end cannot be used on this machine (None: it can)."""
        return None

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Add this back end's own options to `vocseg-tui train`."""
        return None

    @classmethod
    def chosen_by(cls, args: argparse.Namespace) -> bool:
        """True when a shortcut flag of this back end was given (e.g. `--tmux`)."""
        return False

    @classmethod
    def options_from_args(cls, args: argparse.Namespace) -> dict[str, Any]:
        """The options of this back end that were given on the command line."""
        return {}

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """Refuse options this back end cannot honour (LaunchRefused); the options to record,
        with defaults filled in."""
        if options:
            raise LaunchRefused(f"the {cls.name} back end takes no options ({', '.join(sorted(options))})",
                                "drop them, or choose the back end they belong to with --backend")
        return {}

    @classmethod
    def allocation(cls, options: dict[str, Any]) -> Allocation | None:
        """For a back end whose scheduler hands out the devices: what it asks for."""
        return None

    # Starting and watching ----------------------------------------------------------------
    @abstractmethod
    def submit(self, job: Job, plan: LaunchPlan | None = None) -> Job:
        """Start the job (detached from the caller); return the updated row."""

    def is_alive(self, job: Job) -> bool:
        """Whether the job's supervisor still exists (pid and start time both match)."""
        return is_alive(job.supervisor_pid, job.supervisor_started)

    def training_runs(self, job: Job) -> bool:
        """Whether the job's training process still runs on this machine (pid and start time
        both match): what tells an orphaned job from a lost one."""
        return is_alive(job.train_pid, job.train_started)

    def state(self, job: Job) -> JobState:
        """The job's state now: an active job whose supervisor vanished is `lost`."""
        if not job.state.is_active:
            return job.state
        if job.supervisor_pid is None:
            return self.unless_never_started(job)
        return job.state if self.is_alive(job) else JobState.LOST

    @staticmethod
    def unless_never_started(job: Job) -> JobState:
        """The grace rule, written once: a job nobody started within STARTUP_GRACE_S is lost."""
        return JobState.LOST if time.time() - job.created_at > STARTUP_GRACE_S else job.state

    @classmethod
    def prefetch(cls, jobs: list[Job]) -> None:
        """Read the state of many active jobs at once before `state` is asked for each (a back
        end whose reads are remote calls batches them here)."""
        return None  # local and tmux jobs are read from their pids: nothing to batch

    def stop(self, job: Job) -> None:
        """Ask the supervisor to stop the training now (SIGINT, SIGTERM, SIGKILL)."""
        job.paths.create()
        write_text_atomic(job.paths.stop_request, "stop\n")

    def stop_after_epoch(self, job: Job) -> None:
        """Ask the training to save a checkpoint at the end of this epoch and exit cleanly."""
        job.paths.create()
        write_text_atomic(job.paths.stop_after_epoch_request, "stop after epoch\n")

    # Showing it ---------------------------------------------------------------------------
    def log_path(self, job: Job) -> Path:
        return job.paths.log

    def attach_command(self, job: Job) -> str | None:
        """A command the user can type to see the raw console, if the back end has one."""
        return None

    def details(self, job: Job) -> list[str]:
        """Lines about what the back end recorded (shown after a launch and in the detail)."""
        attach = self.attach_command(job)
        return [f"console: {attach}"] if attach else []

    def device_label(self, job: Job) -> str:
        """Where it trains, in a few words (the Jobs table's device column)."""
        waiting_for = int(job.queue.get("count", 0)) if job.queue else 0
        if waiting_for and not job.gpus:
            return f"any {waiting_for} GPU"  # picked when the job starts
        label = "CPU" if not job.gpus else "GPU " + ",".join(map(str, job.gpus))
        nproc = int(job.options.get("nproc", 1))
        if nproc > 1 and not job.gpus:
            label += f" x{nproc}"
        return label
