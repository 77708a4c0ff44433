"""The back ends that train on this machine, under a supervisor of ours:

- `local`: the supervisor is started detached in a new session (setsid), output to the job log;
- `tmux`: the supervisor runs in a named tmux session for users who want the raw console
  (`tmux attach -t <name>`); it ignores SIGHUP, so the job outlives the tmux server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from typing import ClassVar

from vocseg_tui.core.jobs.base import LaunchBackend, supervisor_argv
from vocseg_tui.core.jobs.errors import JobError
from vocseg_tui.core.jobs.plan import LaunchPlan
from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.jobs.states import JobState

DECISION_TIMEOUT_S = 10.0
"""How long a launch waits for the supervisor to start the training or say what it waits for."""


class SupervisedBackend(LaunchBackend):
    """Shared by local and tmux: after the start, wait until the supervisor decided."""

    def settled(self, job: Job, timeout: float = DECISION_TIMEOUT_S) -> Job:
        """The job once its supervisor started training, said what it waits for, or ended, so
        the caller can tell "launched" from "queued" (or the row as it is after `timeout`)."""
        deadline = time.monotonic() + timeout
        current = self.registry.get(job.id)
        while time.monotonic() < deadline:
            current = self.registry.get(job.id)
            decided = current.state is not JobState.QUEUED or bool(current.waiting_for)
            if current.supervisor_pid is not None and decided:
                return current
            time.sleep(0.02)
        return current


class LocalBackend(SupervisedBackend):
    """The supervisor runs detached in its own session; nothing ties it to a terminal."""

    name = "local"
    description = "detached on this machine (survives logging out)"

    def submit(self, job: Job, plan: LaunchPlan | None = None) -> Job:
        job.paths.create()
        with open(job.paths.log, "ab") as log:
            done = subprocess.run(
                [*supervisor_argv(job, self.registry), "--daemonize"], cwd=job.cwd,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                close_fds=True, timeout=60, check=False,
            )
        if done.returncode != 0:
            raise JobError(f"the supervisor of job {job.id} did not start (exit {done.returncode})",
                           f"see {job.paths.log}")
        return self.settled(job)


SESSION_KEY = "tmux_session"


class TmuxBackend(SupervisedBackend):
    """The supervisor runs in a named tmux session and also writes the job log."""

    name = "tmux"
    description = "in a tmux session of this machine (raw console: tmux attach)"
    session_prefix: ClassVar[str] = "vocseg-job-"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if shutil.which("tmux"):
            return None
        return "tmux is not installed (install it, or launch without --tmux)"

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--tmux", action="store_true", help="run inside a named tmux session "
                            "(same as --backend tmux)")

    @classmethod
    def chosen_by(cls, args: argparse.Namespace) -> bool:
        return bool(getattr(args, "tmux", False))

    @staticmethod
    def session(job: Job) -> str:
        """The tmux session the job runs in ("" before it started)."""
        return str(job.backend_data.get(SESSION_KEY, ""))

    def submit(self, job: Job, plan: LaunchPlan | None = None) -> Job:
        reason = self.unavailable_reason()
        if reason:
            raise JobError(reason, "use the default back end: it survives logging out too")
        job.paths.create()
        session = f"{self.session_prefix}{job.id}"
        argv = [*supervisor_argv(job, self.registry), "--tee"]
        done = subprocess.run(
            ["tmux", "new-session", "-d", "-s", session, "-c", job.cwd, "-x", "200", "-y", "50", *argv],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, timeout=30,
            env={k: v for k, v in os.environ.items() if k != "TMUX"},  # also works inside tmux
        )
        if done.returncode != 0:
            raise JobError(f"tmux could not start session {session}: {done.stderr.strip()}",
                           "check `tmux ls`, or launch without --tmux")
        self.registry.update(job.id, backend_data={**job.backend_data, SESSION_KEY: session})
        return self.settled(job)

    def attach_command(self, job: Job) -> str | None:
        session = self.session(job)
        return f"tmux attach -t {session}" if session else None
