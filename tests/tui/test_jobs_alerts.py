"""While the app is open, a job of this project that ends is announced: toast, bell, OSC 9/777."""

from __future__ import annotations

import os
import time

import pytest

from tests.tui.waiting import until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.procs import start_time
from vocseg_tui.core.project import Project
from vocseg_tui.tui import job_alerts
from vocseg_tui.tui.app import make_app


async def test_a_job_ending_while_the_app_shows_another_area_is_announced_once(
        sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry()
    config, work_dir = str(sample_project.configs_dir / "sample_tiny.py"), sample_project.work_dirs / "t"
    old = registry.add(name="old", config=config, work_dir=str(work_dir), cwd=str(sample_project.root),
                       backend="local", state=JobState.FAILED, failure="ended before the app opened")
    running = registry.add(name="sample_tiny", config=config, work_dir=str(work_dir),
                           cwd=str(sample_project.root), backend="local", state=JobState.RUNNING,
                           supervisor_pid=os.getpid(), supervisor_started=start_time(os.getpid()),
                           train_pid=os.getpid(), started_at=time.time() - 60)
    written: list[str] = []
    real = job_alerts.terminal_notification
    monkeypatch.setattr(job_alerts, "terminal_notification", lambda n: written.append(real(n)) or real(n))
    app = make_app(sample_project, start="logs")  # not the Jobs area: the app itself watches
    bells: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(1))
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.job_watch is not None and app.job_watch.reads.reads >= 1,
                    what="the app's first read of its jobs")
        assert app.job_watch is not None
        registry.update(running.id, state=JobState.FAILED, ended_at=time.time(), exit_code=1,
                        failure="loss became NaN at epoch 1, iteration 3 (lr 1e+06) — lower the LR")
        app.job_watch.reads.now()
        await until(pilot, lambda: list(app._notifications), what="a toast")
        [toast] = list(app._notifications)
        assert f"job {running.id} sample_tiny diverged" in toast.title
        assert "loss became NaN" in toast.message and f"vocseg-tui logs {running.id}" in toast.message
        assert bells == [1]
        assert written[0].startswith("\x1b]9;") and "\x1b]777;notify;" in written[0]
        reads = app.job_watch.reads.reads
        app.job_watch.reads.now()  # the next read sees no change: nothing more
        await until(pilot, lambda: app.job_watch is not None and app.job_watch.reads.reads > reads,
                    what="the next read")
    assert len(bells) == 1
    assert str(old.id) not in "".join(written), "a job that ended before the app opened is old news"
