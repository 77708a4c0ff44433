"""A run that meets its Slurm time limit saves its epoch and continues as new attempts, bounded.

Slurm delivers `--signal=B:USR1@N` from a check it makes about every 30 s, so waiting for it would
make the test slow and its timing random. The test brings the limit near with `scontrol update`
(the batch script then reads that little time is left, as it would) and sends the same signal
Slurm sends there (`scancel --signal=USR1 --batch`); Slurm may send its own as well.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli, ready
from tests.slurm.cluster import Cluster
from tests.slurm.test_slurm_jobs import follow
from tests.waiting import wait_until
from vocseg_tui.core.jobs import Job, Registry
from vocseg_tui.core.jobs.backend import SlurmBackend
from vocseg_tui.core.project import Project
from vocseg_tui.core.slurm.control import cancel

pytestmark = pytest.mark.slow
ENDED = {"succeeded", "failed", "stopped", "lost"}


def trained_epochs(job: Job | str) -> list[int]:
    """The epochs an attempt trained, from its log or a part of it (mmengine logs each iteration)."""
    text = job if isinstance(job, str) else job.log_path.read_text(errors="replace")
    return sorted({int(epoch) for epoch in re.findall(r"Epoch\(train\)\s+\[(\d+)\]", text)})


def checkpoint_after(job: Job, epoch: int, timeout: float = 90.0) -> None:
    """Wait until the run in `job`'s work dir saved an epoch after `epoch`."""
    wanted = Path(job.work_dir) / f"epoch_{epoch + 1}.pth"
    wait_until(wanted.is_file, timeout, f"{wanted.name} appearing",
               describe=lambda: job.log_path.read_text()[-2000:])


def time_limit_arrives(job: Job) -> None:
    """The limit is 3 min away (within the 3-min margin of a 30-min limit), and its signal comes."""
    slurm_id = SlurmBackend.record(job).job_id
    subprocess.run(["scontrol", "update", f"JobId={slurm_id}", "TimeLimit=00:03:00"], check=True,
                   capture_output=True)
    cancel(slurm_id, usr1_to_batch=True)


def settled(job_id: int) -> tuple[Job, list[str]]:
    """The attempt once ended and, if it continues, once its next attempt is submitted."""
    _, seen = follow(job_id, ENDED)
    def submitted() -> Job | None:
        now = Registry().get(job_id)
        return None if now.failure.endswith("submitting the next attempt") else now

    return wait_until(submitted, 30, f"job {job_id}'s next attempt submitted"), seen


def children_of(job: Job) -> list[Job]:
    return [other for other in Registry().all_jobs() if other.parent_id == job.id]


def test_time_limit_continues_the_run_as_new_attempts_until_the_bound(
        slurm: Cluster, sample_project: Project) -> None:
    project = ready(sample_project)
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--json", "--time", "00:30:00",
               "--max-resubmits", "1", "--cfg-options", "train_cfg.max_epochs=12", cwd=project.root)
    first, _ = follow(int(json.loads(done.stdout)["id"]), {"running"})
    assert "#SBATCH --signal=B:USR1@180" in Path(SlurmBackend.record(first).batch_script).read_text()
    checkpoint_after(first, 0)
    time_limit_arrives(first)

    first, seen = settled(first.id)
    [second] = children_of(first)  # submitted by the first attempt's own batch script
    assert first.state.value == "stopped", seen
    assert f"continues as job {second.id}" in first.failure
    assert (second.attempt, second.options["backend_options"]["resubmits"]) == (2, 0)
    assert SlurmBackend.record(second).job_id != SlurmBackend.record(first).job_id
    stopped_at = trained_epochs(first)[-1]
    assert Path(second.resume_from).name == f"epoch_{stopped_at}.pth"

    second, _ = follow(second.id, {"running"} | ENDED)
    checkpoint_after(second, stopped_at)
    time_limit_arrives(second)
    second, seen = settled(second.id)
    assert second.state.value == "stopped", seen
    assert "no automatic resubmission left" in second.failure  # the bound: nothing was submitted
    assert children_of(second) == []

    third_id = int(json.loads(cli("resume", str(second.id), "--json", cwd=project.root).stdout)["id"])
    third, seen = follow(third_id, ENDED, timeout=240)  # trains the epochs left: minutes on a busy CPU
    assert third.state.value == "succeeded", seen
    attempts = [trained_epochs(job) for job in (first, second, third)]
    assert sorted(e for epochs in attempts for e in epochs) == list(range(1, 13)), attempts  # each once
    assert all(attempts), attempts


def test_the_users_stop_after_epoch_near_the_time_limit_does_not_continue(
        slurm: Cluster, sample_project: Project) -> None:
    from vocseg_tui.core.jobs.launch import stop

    project = ready(sample_project)
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--json", "--time", "00:30:00",
               "--cfg-options", "train_cfg.max_epochs=12", cwd=project.root)
    job, _ = follow(int(json.loads(done.stdout)["id"]), {"running"})
    checkpoint_after(job, 0)
    stop(job.id, after_epoch=True)
    time_limit_arrives(job)  # while the epoch the user asked to be the last one still trains
    job, seen = settled(job.id)
    assert job.state.value == "stopped", seen
    assert "time limit" not in job.failure and children_of(job) == []
