"""A supervisor killed with SIGKILL takes its real training with it (PR_SET_PDEATHSIG): no
training runs on, re-parented to init, in a work dir the registry calls `lost`."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli, launch, ready, wait_for, wait_for_text
from tests.waiting import wait_until
from vocseg_tui.core.jobs.procs import is_alive, trainings_in
from vocseg_tui.core.project import Project

LONG = ["--cfg-options", "train_cfg.max_epochs=40"]
"""Minutes of training: a training that survives its supervisor would still run at the end."""


@pytest.mark.slow
def test_a_sigkilled_supervisor_takes_its_training_with_it(sample_project: Project) -> None:
    project = ready(sample_project)
    job_id = launch(project, *LONG)
    job = wait_for(job_id, {"running"}, what="train_pid")
    assert job.train_pid is not None
    try:
        wait_for_text(job.log_path, "Checkpoints will be saved to", timeout=120)  # training now
        assert trainings_in(Path(job.work_dir)) == [job.train_pid]
        os.kill(job.supervisor_pid or 0, signal.SIGKILL)
        wait_until(lambda: not is_alive(job.train_pid, job.train_started), 20,
                   f"the training (pid {job.train_pid}) ending with its SIGKILLed supervisor")
        assert trainings_in(Path(job.work_dir)) == []
        listed = cli("jobs", cwd=project.root).stdout
        assert f"{job_id:>4}  lost" in listed, listed
    finally:
        with contextlib.suppress(ProcessLookupError):  # never leave a training behind
            os.killpg(job.train_pid, signal.SIGKILL)
