"""The tmux back end: the job runs in a named session, is tracked by the registry, and outlives
the tmux server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.core.jobs.helpers import ONE_EPOCH, cli, launch, ready, wait_for, wait_for_text
from vocseg_tui.core.jobs.backend import TmuxBackend
from vocseg_tui.core.project import Project

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.mark.slow
def test_tmux_job_is_attachable_tracked_and_survives_the_tmux_server(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path))  # a private tmux server for this test
    monkeypatch.delenv("TMUX", raising=False)
    project = ready(sample_project)
    job_id = launch(project, "--tmux", *ONE_EPOCH)
    job = wait_for(job_id, {"running"}, what="train_pid")
    assert job.backend == "tmux" and TmuxBackend.session(job) == f"vocseg-job-{job_id}"
    sessions = subprocess.run(["tmux", "ls", "-F", "#{session_name}"], capture_output=True, text=True)
    assert TmuxBackend.session(job) in sessions.stdout.split()
    assert f"tmux attach -t {TmuxBackend.session(job)}" in cli("jobs", cwd=project.root).stdout

    wait_for_text(job.log_path, "Epoch(train) [1][ 5/13]")
    pane = subprocess.run(["tmux", "capture-pane", "-p", "-t", TmuxBackend.session(job)],
                          capture_output=True, text=True).stdout
    assert "mmengine" in pane or "Epoch(train)" in pane, "the console shows the training output"
    subprocess.run(["tmux", "kill-server"], check=False)

    job = wait_for(job_id, {"succeeded", "failed", "stopped", "lost"}, timeout=120)
    assert job.state.value == "succeeded", job.failure
    assert "Epoch(val) [1]" in job.log_path.read_text(), "the log kept everything after tmux died"
