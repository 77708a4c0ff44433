"""A job whose supervisor vanished is `lost`, never `running` forever; a reused pid is no alibi."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.procs import start_time
from vocseg_tui.core.jobs.status import list_jobs


def _running_job(registry: Registry, pid: int, started: float | None) -> int:
    job = registry.add(name="j", config="/c.py", work_dir="/w", cwd="/", backend="local",
                       state=JobState.RUNNING, supervisor_pid=pid, supervisor_started=started)
    return job.id


def test_vanished_supervisor_is_lost_and_a_live_one_is_not(isolated_state_dir: Path) -> None:
    registry = Registry()
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        alive = _running_job(registry, sleeper.pid, start_time(sleeper.pid))
        gone = _running_job(registry, sleeper.pid, start_time(sleeper.pid))
        assert {j.id: j.state for j in list_jobs(registry)} == {
            alive: JobState.RUNNING, gone: JobState.RUNNING}
        sleeper.kill()
        sleeper.wait()
        states = {j.id: j for j in list_jobs(registry)}
        assert states[alive].state is JobState.LOST
        assert "vanished" in states[alive].failure and states[alive].ended_at
    finally:
        sleeper.kill()


def test_a_reused_pid_does_not_keep_a_job_running(isolated_state_dir: Path) -> None:
    registry = Registry()
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        # Same pid, but the process started at another time: it is someone else's now.
        job_id = _running_job(registry, sleeper.pid, (start_time(sleeper.pid) or 0) - 3600)
        assert Registry().get(job_id).state is JobState.RUNNING
        assert [j.state for j in list_jobs(registry)] == [JobState.LOST]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_job_that_never_got_a_supervisor_is_lost_after_a_grace_period(isolated_state_dir: Path) -> None:
    registry = Registry()
    fresh = registry.add(name="j", config="/c.py", work_dir="/w", cwd="/", backend="local")
    old = registry.add(name="j", config="/c.py", work_dir="/w", cwd="/", backend="local",
                       created_at=time.time() - 3600)
    states = {j.id: j.state for j in list_jobs(registry)}
    assert states == {fresh.id: JobState.QUEUED, old.id: JobState.LOST}
