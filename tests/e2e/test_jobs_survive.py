"""A job outlives whatever launched it: the launcher SIGKILLed, or its session hung up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import psutil
import pytest

from tests.core.jobs.helpers import cli, ready, wait_for
from vocseg_tui.core.project import Project

LAUNCHER = textwrap.dedent("""
    import signal, sys
    from pathlib import Path
    from vocseg_tui.core.jobs.launch import LaunchRequest, launch
    job = launch(LaunchRequest(Path("configs/sample_tiny.py"), Path.cwd(), work_dir=Path(sys.argv[1]),
                               cfg_options=["train_cfg.max_epochs=1"]))
    print(job.id, flush=True)
    signal.pause()  # like a TUI left open, until the test's signal
""")


def _start_launcher(project: Project, work_dir: str) -> tuple[subprocess.Popen[str], int]:
    """A long-lived launcher (like the TUI) in its own session, as a login shell would be."""
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, work_dir], cwd=project.root,
                                stdout=subprocess.PIPE, text=True, start_new_session=True,
                                env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    assert launcher.stdout is not None
    return launcher, int(launcher.stdout.readline())


@pytest.mark.slow
def test_jobs_finish_after_their_launcher_is_sigkilled_or_its_session_hangs_up(
        sample_project: Project) -> None:
    project = ready(sample_project)
    killed, killed_job = _start_launcher(project, "work_dirs/killed")
    hung_up, hung_up_job = _start_launcher(project, "work_dirs/hung_up")
    for job_id in (killed_job, hung_up_job):
        job = wait_for(job_id, {"running"}, what="train_pid")
        supervisor = psutil.Process(job.supervisor_pid)
        assert supervisor.ppid() != killed.pid and supervisor.ppid() != hung_up.pid, "not a launcher's child"
        assert os.getsid(supervisor.pid) not in (os.getsid(killed.pid), os.getsid(hung_up.pid))
        assert os.getpgid(job.train_pid) == job.train_pid, "training runs in its own process group"

    killed.send_signal(signal.SIGKILL)
    os.killpg(hung_up.pid, signal.SIGHUP)  # what the kernel sends when the SSH session ends
    assert killed.wait(10) == -signal.SIGKILL
    assert hung_up.wait(10) == -signal.SIGHUP

    for job_id, work_dir in ((killed_job, "killed"), (hung_up_job, "hung_up")):
        job = wait_for(job_id, {"succeeded", "failed", "stopped", "lost"}, timeout=150)
        assert job.state.value == "succeeded", job.failure
        assert job.exit_code == 0 and job.signal is None and job.ended_at
        assert (project.work_dirs / work_dir / "epoch_1.pth").is_file()
        assert "Epoch(train) [1]" in job.log_path.read_text()

    listed = json.loads(cli("jobs", "--json", cwd=project.root).stdout)["jobs"]
    by_id = {row["id"]: row for row in listed}
    for job_id in (killed_job, hung_up_job):
        row = by_id[job_id]
        assert row["state"] == "succeeded" and row["exit_code"] == 0 and row["parent_id"] is None
        assert row["pid"] and row["config"].endswith("sample_tiny.py")
        assert row["work_dir"].startswith(str(project.work_dirs))
        assert row["progress"]["miou"] is not None
    text = cli("jobs", cwd=project.root).stdout
    assert f"{killed_job:>4}  succeeded" in text
