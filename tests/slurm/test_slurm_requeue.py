"""A requeued job (preemption, a node failure, `scontrol requeue`) continues instead of starting over."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.core.jobs.helpers import cli, ready
from tests.slurm.cluster import Cluster
from tests.slurm.test_slurm_jobs import follow
from tests.slurm.test_slurm_timelimit import ENDED, checkpoint_after, trained_epochs
from vocseg_tui.core.project import Project

pytestmark = pytest.mark.slow


def test_a_requeued_run_resumes_from_its_last_checkpoint(slurm: Cluster, sample_project: Project) -> None:
    project = ready(sample_project)
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--json",
               "--cfg-options", "train_cfg.max_epochs=8", cwd=project.root)
    job, _ = follow(int(json.loads(done.stdout)["id"]), {"running"})
    checkpoint_after(job, 1)
    slurm_id = job.options["slurm_job_id"]
    subprocess.run(["scontrol", "requeue", slurm_id], check=True, capture_output=True)
    follow(job.id, {"queued"})
    # Slurm holds a requeued job back for about 2 min (Reason=BeginTime): let it start now
    deadline = time.monotonic() + 30
    while True:  # refused while the first run is still ending (state COMPLETING/REQUEUED)
        done = subprocess.run(["scontrol", "update", f"JobId={slurm_id}", "StartTime=now"],
                              capture_output=True, text=True, check=False)
        if done.returncode == 0:
            break
        assert time.monotonic() < deadline, done.stderr
        time.sleep(0.5)
    job, seen = follow(job.id, ENDED, timeout=120)
    log = job.log_path.read_text(errors="replace")
    assert job.state.value == "succeeded", (seen, log[-3000:])
    assert seen[-3:] == ["queued", "running", "succeeded"], seen  # the requeue was seen as such
    first, _, second = log.partition("CANCELLED AT")  # the requeue ends the first run in the log
    assert second, log[-3000:]
    before, after = trained_epochs(first), trained_epochs(second)
    assert before and after and after[0] == before[-1] + 1, (before, after)  # continued, not restarted
    assert max(after) == 8
