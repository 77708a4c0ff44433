"""The multi-process path for real: torchrun with 2 ranks on CPU (gloo), tracked as one job."""

from __future__ import annotations

import pytest

from tests.core.jobs.helpers import ONE_EPOCH, launch, ready, wait_for
from vocseg_tui.core.project import Project


@pytest.mark.slow
def test_two_rank_gloo_run_through_torchrun(sample_project: Project) -> None:
    project = ready(sample_project)
    # 26 images over 2 ranks x 2 leave a last batch of 1, which BatchNorm cannot train on; the
    # config's LR is for 1 process x 2, so the launch check wants it scaled to batch 4.
    job_id = launch(project, "--nproc", "2", *ONE_EPOCH, "train_dataloader.drop_last=True",
                    "optim_wrapper.optimizer.lr=0.1")
    job = wait_for(job_id, {"succeeded", "failed", "stopped", "lost"}, timeout=150)
    assert job.state.value == "succeeded", job.failure
    assert job.command[1:3] == ["-m", "torch.distributed.run"]
    assert "--launcher" in job.command and "pytorch" in job.command
    assert "env_cfg.dist_cfg.backend=gloo" in job.command
    log = job.log_path.read_text()
    assert "Distributed launcher: pytorch" in log and "Distributed training: True" in log
    assert "GPU number: 2" in log, "mmengine calls the world size GPU number"
    assert "Epoch(train) [1][5/6]" in log, "each rank trains on its half of the 26 images"
    assert (project.work_dirs / "sample_tiny" / "epoch_1.pth").is_file()
