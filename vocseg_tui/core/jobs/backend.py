"""Launch back ends: how a registered job's supervisor gets started, watched and stopped.

One small interface (like harlequin's adapters) so the Jobs, Logs and Checkpoints screens and
the CLI never care where a job runs. A job is always a registry row plus its files in the work
dir (JobPaths); a back end only decides how the supervisor process is started and how to tell
whether it still exists:

- `local`: the supervisor is started detached in a new session (setsid), output to the job log.
- `tmux`: the supervisor runs in a named tmux session for users who want the raw console
  (`tmux attach -t <name>`); it ignores SIGHUP, so the job outlives the tmux server.
- `slurm`: no local supervisor; `submit` writes a batch script (core/jobs/slurm.py) and runs
  `sbatch`, the Slurm job id is kept in the job's options, and `state` asks Slurm (squeue/
  scontrol, then sacct or the job completion log) and records what it says in the registry.

Stop requests are files (JobPaths.stop_request, .stop_after_epoch_request) that the supervisor
and tools/train.py poll, so they work the same for every back end and survive the requester.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.jobs import slurm
from vocseg_tui.core.jobs.command import TRAIN_SCRIPT
from vocseg_tui.core.jobs.errors import JobError
from vocseg_tui.core.jobs.procs import is_alive
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import ACTIVE_STATES, JobState

SUPERVISOR_MODULE = "vocseg_tui.workers.supervisor"
CONTINUE_MODULE = "vocseg_tui.workers.slurm_continue"
STARTUP_GRACE_S = 60.0
"""A job registered but without a supervisor pid for this long was never started: lost."""


def supervisor_argv(job: Job, registry: Registry) -> list[str]:
    """The supervisor's command line (a light process: it never imports torch)."""
    return [sys.executable, "-m", SUPERVISOR_MODULE, "--job", str(job.id), "--registry", str(registry.path)]


class LaunchBackend(ABC):
    """Starts and watches the supervisor of a job already in the registry."""

    name: ClassVar[str]
    records_state: ClassVar[bool] = False
    """True when `state` writes what it learned into the registry (no supervisor does it)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this back end cannot be used on this machine (None: it can)."""
        return None

    @classmethod
    def prefetch(cls, jobs: list[Job]) -> None:
        """Read the state of many active jobs at once before `state` is asked for each (a back
        end whose reads are remote calls batches them here)."""
        return None  # local and tmux jobs are read from their pids: nothing to batch

    @abstractmethod
    def submit(self, job: Job) -> Job:
        """Start the job's supervisor, detached from the caller; return the updated row."""

    def is_alive(self, job: Job) -> bool:
        """Whether the job's supervisor still exists (pid and start time both match)."""
        return is_alive(job.supervisor_pid, job.supervisor_started)

    def state(self, job: Job) -> JobState:
        """The job's state now: an active job whose supervisor vanished is `lost`."""
        if not job.state.is_active:
            return job.state
        if job.supervisor_pid is None:
            return JobState.LOST if time.time() - job.created_at > STARTUP_GRACE_S else job.state
        return job.state if self.is_alive(job) else JobState.LOST

    def stop(self, job: Job) -> None:
        """Ask the supervisor to stop the training now (SIGINT, SIGTERM, SIGKILL)."""
        job.paths.create()
        write_text_atomic(job.paths.stop_request, "stop\n")

    def stop_after_epoch(self, job: Job) -> None:
        """Ask the training to save a checkpoint at the end of this epoch and exit cleanly."""
        job.paths.create()
        write_text_atomic(job.paths.stop_after_epoch_request, "stop after epoch\n")

    def log_path(self, job: Job) -> Path:
        return job.paths.log

    def attach_command(self, job: Job) -> str | None:
        """A command the user can type to see the raw console, if the back end has one."""
        return None


class LocalBackend(LaunchBackend):
    """The supervisor runs detached in its own session; nothing ties it to a terminal."""

    name = "local"

    def submit(self, job: Job) -> Job:
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
        return self._wait_for_pid(job)

    def _wait_for_pid(self, job: Job, timeout: float = 10.0) -> Job:
        """The forked supervisor records its own pid; wait briefly so callers see it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.registry.get(job.id)
            if current.supervisor_pid is not None:
                return current
            time.sleep(0.02)
        return self.registry.get(job.id)


def tmux_session_name(job: Job) -> str:
    return f"vocseg-job-{job.id}"


class TmuxBackend(LaunchBackend):
    """The supervisor runs in a named tmux session and also writes the job log."""

    name = "tmux"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if shutil.which("tmux"):
            return None
        return "tmux is not installed (install it, or launch without --tmux)"

    def submit(self, job: Job) -> Job:
        reason = self.unavailable_reason()
        if reason:
            raise JobError(reason, "use the default back end: it survives logging out too")
        job.paths.create()
        session = tmux_session_name(job)
        argv = [*supervisor_argv(job, self.registry), "--tee"]
        done = subprocess.run(
            ["tmux", "new-session", "-d", "-s", session, "-c", job.cwd, "-x", "200", "-y", "50", *argv],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False, timeout=30,
            env={k: v for k, v in os.environ.items() if k != "TMUX"},  # also works inside tmux
        )
        if done.returncode != 0:
            raise JobError(f"tmux could not start session {session}: {done.stderr.strip()}",
                           "check `tmux ls`, or launch without --tmux")
        self.registry.update(job.id, tmux_session=session)
        return self.registry.get(job.id)  # the supervisor records its own pid when it starts

    def attach_command(self, job: Job) -> str | None:
        return f"tmux attach -t {job.tmux_session}" if job.tmux_session else None


def _slurm_id(job: Job) -> str:
    """The Slurm job id recorded at submission ("" before sbatch answered)."""
    return str(job.options.get("slurm_job_id", ""))


class SlurmBackend(LaunchBackend):
    """Slurm schedules and runs the training; this side submits, asks and cancels."""

    name = "slurm"
    records_state = True

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return slurm.unavailable_reason()

    @classmethod
    def prefetch(cls, jobs: list[Job]) -> None:
        if jobs and not slurm.unavailable_reason():
            slurm.prefetch([_slurm_id(job) for job in jobs])

    def submit(self, job: Job) -> Job:
        job.paths.create()
        options = dict(job.options.get("slurm", {}))
        tasks = int(options.get("gpus_per_node") or 0) or int(job.options.get("nproc", 1))
        options["tasks_per_node"] = tasks
        command = list(job.command)
        if str(TRAIN_SCRIPT) in command:  # a training: each task runs train.py, not torchrun
            command = slurm.task_command(job.config, job.work_dir, job.options, job.resume_from, tasks)
        script = job.paths.folder / "sbatch.sh"
        carry_on = [sys.executable, "-m", CONTINUE_MODULE, "--job", str(job.id), "--registry",
                    str(self.registry.path)]
        write_text_atomic(script, slurm.batch_script(job.paths, job.cwd, command, job.env, options, job.name,
                                                     continue_command=carry_on))
        slurm_id = slurm.submit(script)
        self.registry.update(job.id, waiting_for="Slurm: submitted", command=["srun", *command],
                             options={**job.options, "slurm_job_id": slurm_id, "batch_script": str(script)})
        return self.registry.get(job.id)

    def state(self, job: Job) -> JobState:
        if not job.state.is_active:
            return job.state
        slurm_id = _slurm_id(job)
        if not slurm_id:
            return JobState.LOST if time.time() - job.created_at > STARTUP_GRACE_S else job.state
        if slurm.unavailable_reason():
            return job.state  # e.g. read from a machine outside the cluster: unknown, not lost
        try:
            status = slurm.query(slurm_id)
        except JobError:
            return job.state  # slurmctld unreachable for a moment: ask again on the next refresh
        if status is None:
            return JobState.LOST  # left the queue and no record of its end anywhere
        state, text = slurm.to_local(status, job.paths.stopped_marker.exists())
        values: dict[str, object] = {"state": state}
        if state is JobState.QUEUED:
            values["waiting_for"] = text
        elif state is JobState.RUNNING:
            values.update(waiting_for="", started_at=job.started_at or time.time())
        else:
            values.update(waiting_for="", ended_at=time.time(), exit_code=status.exit_code, failure=text)
        if any(getattr(job, key) != value for key, value in values.items()):  # no write when unchanged
            self.registry.update(job.id, only_if_state=ACTIVE_STATES, **values)
        return state

    def stop(self, job: Job) -> None:
        slurm.cancel(_slurm_id(job))

    def stop_after_epoch(self, job: Job) -> None:
        """The request file (shared file system) and SIGUSR1 to the batch shell, which touches it.
        The user's stop wins over the time limit's: the run does not continue in a new job."""
        super().stop_after_epoch(job)
        job.paths.time_limit_marker.unlink(missing_ok=True)
        if job.state is JobState.RUNNING:
            slurm.cancel(_slurm_id(job), usr1_to_batch=True)

    def log_path(self, job: Job) -> Path:
        return job.paths.log  # the batch script's --output


BACKENDS: dict[str, type[LaunchBackend]] = {b.name: b for b in (LocalBackend, TmuxBackend, SlurmBackend)}


def backend_for(job: Job, registry: Registry) -> LaunchBackend:
    """The back end that launched `job` (the screens and the CLI call only this)."""
    try:
        return BACKENDS[job.backend](registry)
    except KeyError:
        raise JobError(f"job {job.id} uses the unknown back end {job.backend!r}",
                       "upgrade vocseg-tui to control it") from None
