"""A job found `lost` is announced by a detached notifier: the reader that found it never waits."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.core.notify.servers import http_recorder
from tests.waiting import wait_until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.notices import BACKOFF_ENV, read_record
from vocseg_tui.core.jobs.status import get_job
from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.config import save_channels
from vocseg_tui.core.project import Project


def test_a_lost_job_is_announced_once(sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKOFF_ENV, "0")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    registry = Registry()
    job = registry.add(name="sample_tiny", config=str(sample_project.configs_dir / "sample_tiny.py"),
                       work_dir=str(sample_project.work_dirs / "t"), cwd=str(sample_project.root),
                       backend="local", state=JobState.RUNNING, supervisor_pid=int(gone.stdout),
                       supervisor_started=time.time() - 100, started_at=time.time() - 100,
                       created_at=time.time() - 100)
    job.paths.create()
    with http_recorder() as server:
        save_channels([WebhookChannel(name="team", url=server.url)])
        started = time.monotonic()
        assert get_job(registry, job.id).state is JobState.LOST
        assert time.monotonic() - started < 5, "the reader does not wait on the channel"
        [request] = server.wait_for(1)
        assert get_job(registry, job.id).state is JobState.LOST  # read again: no second notice
        sent = request.json()
        assert (sent["event"], sent["job"], sent["state"]) == ("lost", job.id, "lost")
        assert f"vocseg-tui resume {job.id}" in sent["message"]
        wait_until(lambda: read_record(job.paths), 20, "notify.json recording the delivery")
    assert len(server.requests) == 1


def test_the_batch_scripts_last_step_records_the_end_and_announces_it(
        sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a Slurm job's batch script runs after training: `notify_job --exit-status N`."""
    monkeypatch.setenv(BACKOFF_ENV, "0")
    registry = Registry()
    job = registry.add(name="sample_tiny", config=str(sample_project.configs_dir / "sample_tiny.py"),
                       work_dir=str(sample_project.work_dirs / "t"), cwd=str(sample_project.root),
                       backend="slurm", state=JobState.RUNNING, started_at=time.time() - 30)
    job.paths.create()
    job.log_path.write_text("... - mmengine - ERROR - loss became NaN at epoch 2, iteration 4 (lr 0.5): "
                            "stopped without saving these weights\n")
    step = [sys.executable, "-m", "vocseg_tui.workers.notify_job", "--job", str(job.id),
            "--registry", str(registry.path), "--exit-status", "1"]
    with http_recorder() as server:
        save_channels([WebhookChannel(name="team", url=server.url)])
        assert subprocess.run(step, check=False, timeout=60).returncode == 0
        [request] = server.wait_for(1)
        again = subprocess.run(step, check=False, timeout=60)  # ended already: nothing more
    ended = registry.get(job.id)
    assert (ended.state, ended.exit_code) == (JobState.FAILED, 1)
    assert ended.failure.startswith("loss became NaN at epoch 2, iteration 4 (lr 0.5) — lower the LR")
    assert request.json()["event"] == "diverged"
    assert again.returncode == 0 and len(server.requests) == 1
    assert "notified team (diverged)" in job.log_path.read_text()
