"""A supervisor killed with SIGKILL takes its real training with it (PR_SET_PDEATHSIG): no
training runs on, re-parented to init, in a work dir the registry calls `lost`. Under torchrun
the ranks run in sessions of their own: the agent passes the signal on, and they go too."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli, launch, ready, wait_for, wait_for_text
from tests.waiting import wait_until
from vocseg_tui.core.jobs.procs import trainings_in
from vocseg_tui.core.project import Project

LONG = ["--cfg-options", "train_cfg.max_epochs=40"]
"""Minutes of training: a training that survives its supervisor would still run at the end."""
TWO_RANKS = ["--nproc", "2", *LONG, "train_dataloader.drop_last=True", "optim_wrapper.optimizer.lr=0.1"]
"""torchrun with 2 gloo ranks on CPU (the LR scaled for batch 4, as the launch check wants)."""


@pytest.mark.slow
@pytest.mark.parametrize("args", [LONG, TWO_RANKS], ids=["one-process", "torchrun-2-ranks"])
def test_a_sigkilled_supervisor_takes_its_training_with_it(sample_project: Project, args: list[str]) -> None:
    project = ready(sample_project)
    job_id = launch(project, *args)
    job = wait_for(job_id, {"running"}, what="train_pid")
    assert job.train_pid is not None
    work_dir = Path(job.work_dir)
    try:
        wait_for_text(job.log_path, "Checkpoints will be saved to", timeout=120)  # training now
        ranks = trainings_in(work_dir)
        assert job.train_pid in ranks and len(ranks) == (3 if args is TWO_RANKS else 1), ranks
        os.kill(job.supervisor_pid or 0, signal.SIGKILL)
        wait_until(lambda: trainings_in(work_dir) == [], 30,
                   f"every training process of {work_dir} ({ranks}) ending with the SIGKILLed supervisor",
                   interval=0.2)
        listed = cli("jobs", cwd=project.root).stdout
        assert f"{job_id:>4}  lost" in listed, listed
    finally:
        for pid in trainings_in(work_dir):  # never leave a training behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
