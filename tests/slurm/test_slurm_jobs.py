"""Jobs on a real single-node Slurm: submit, follow, stop, fail, and state after the queue forgot."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.jobs.helpers import ONE_EPOCH, cli, ready, wait_for_text
from tests.slurm.cluster import GPUS, Cluster
from tests.waiting import wait_until
from vocseg_tui.core.jobs import Job, Registry
from vocseg_tui.core.jobs.backend import SlurmBackend
from vocseg_tui.core.jobs.states import JobState
from vocseg_tui.core.jobs.status import get_job
from vocseg_tui.core.project import Project
from vocseg_tui.core.slurm.control import cancel, query

pytestmark = pytest.mark.slow


def follow(job_id: int, until: set[str], timeout: float = 90.0) -> tuple[Job, list[str]]:
    """Read the job the way the Jobs screen does (asking Slurm) until it reaches `until`."""
    registry = Registry()
    seen: list[str] = []

    def reached() -> Job | None:
        job = get_job(registry, job_id)
        if not seen or seen[-1] != job.state.value:
            seen.append(job.state.value)
        return job if job.state.value in until else None

    def describe() -> str:
        log = registry.get(job_id).log_path
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no output)"
        return f"it went {seen}\n{tail}"

    return wait_until(reached, timeout, f"job {job_id} reaching {sorted(until)}", interval=0.2,
                      describe=describe), seen


def gone_from_queue(slurm_id: str, timeout: float = 30.0) -> None:
    """Wait until scontrol no longer knows the job (MinJobAge=2 in the test cluster)."""
    def gone() -> bool:
        return subprocess.run(["scontrol", "show", "job", slurm_id], capture_output=True,
                              check=False).returncode != 0

    wait_until(gone, timeout, f"Slurm job {slurm_id} leaving the queue", interval=0.5)


def bare_job(tmp_path: Path, command: list[str]) -> Job:
    """A registry row with a plain command, submitted through the Slurm back end."""
    registry = Registry()
    job = registry.add(name="plain", config="none.py", work_dir=str(tmp_path / "work"), cwd=str(tmp_path),
                       backend="slurm", command=command, env={"PYTHONUNBUFFERED": "1"})
    return SlurmBackend(registry).submit(job)


def test_sample_recipe_runs_to_success_with_checkpoints(slurm: Cluster, sample_project: Project) -> None:
    project = ready(sample_project)
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--partition", slurm.partition,
               "--cpus-per-task", "1", "--time", "00:10:00", "--json", *ONE_EPOCH, cwd=project.root)
    job_id = int(json.loads(done.stdout)["id"])
    job, seen = follow(job_id, {"succeeded", "failed", "stopped", "lost"})
    assert job.state.value == "succeeded", seen
    assert seen[0] in ("queued", "running") and len(seen) >= 2, seen
    work_dir = Path(job.work_dir)
    assert (work_dir / "epoch_1.pth").is_file()
    script = Path(SlurmBackend.record(job).batch_script).read_text()
    assert "srun " in script and "tools/train.py" in script and f"--partition={slurm.partition}" in script
    assert "#SBATCH --signal=B:USR1@60" in script  # checkpoint and stop before the 10-minute limit
    assert "Epoch(train)" in job.log_path.read_text(errors="replace")  # the output file is the log
    listed = json.loads(cli("jobs", "--json", cwd=project.root).stdout)["jobs"]
    assert [j["state"] for j in listed if j["id"] == job_id] == ["succeeded"]
    gone_from_queue(SlurmBackend.record(job).job_id)
    after = query(SlurmBackend.record(job).job_id)  # from the job completion log now
    assert after is not None and after.state == "COMPLETED"


def test_options_slurm_cannot_satisfy_are_refused_before_submitting(
        slurm: Cluster, sample_project: Project) -> None:
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--partition", "gpu-huge",
               cwd=sample_project.root, check=False)
    assert done.returncode == 2
    assert "no partition 'gpu-huge'" in done.stderr and slurm.partition in done.stderr
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--gpus-per-node", str(GPUS + 1),
               cwd=sample_project.root, check=False)
    assert done.returncode == 2 and f"has at most {GPUS}" in done.stderr
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--time", "2h",
               cwd=sample_project.root, check=False)
    assert done.returncode == 2 and "not a time limit" in done.stderr
    assert Registry().all_jobs() == []


def without(tool_missing: str, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """A PATH with the Slurm client tools but one, e.g. no `sacct` as without accounting."""
    folder.mkdir()
    for tool in ("sbatch", "squeue", "scontrol", "scancel", "sinfo", "sacct"):
        if tool != tool_missing:
            (folder / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    monkeypatch.setenv("PATH", str(folder))


def test_the_job_list_reads_every_slurm_job_with_one_squeue_call(
        slurm: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Jobs screen reads all jobs every 2 s: one squeue for all of them, not scontrol each."""
    from vocseg_tui.core.jobs.status import list_jobs

    folders = [tmp_path / str(n) for n in range(3)]
    for folder in folders:
        folder.mkdir()
    jobs = [bare_job(folder, ["sleep", "60"]) for folder in folders]
    for job in jobs:
        follow(job.id, {"running"})
    Registry().update(jobs[0].id, state=JobState.QUEUED)  # as if read before it started
    without("sacct", monkeypatch, tmp_path / "bin")
    (tmp_path / "bin" / "scontrol").unlink()
    (tmp_path / "bin" / "scontrol").symlink_to(shutil.which("false") or "/bin/false")  # only squeue answers
    states = {job.id: job.state.value for job in list_jobs(Registry())}
    assert [states[job.id] for job in jobs] == ["running"] * 3
    monkeypatch.undo()
    for job in jobs:
        cancel(SlurmBackend.record(job).job_id)


@pytest.mark.parametrize("record", ["sacct", "jobcomp"])
def test_failing_job_is_failed_with_its_exit_code_even_after_leaving_the_queue(
        slurm: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record: str) -> None:
    """Once scontrol forgot the job, its end comes from accounting (sacct) where slurmdbd runs,
    else from the job completion log; the other record is hidden to show which one answered."""
    if record == "sacct" and slurm.accounting_db is None:
        pytest.skip("the test cluster runs without slurmdbd here (MariaDB or slurmdbd not installed)")
    job = bare_job(tmp_path, [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"])
    gone_from_queue(SlurmBackend.record(job).job_id)  # nobody looked while Slurm still knew it
    jobcomp = slurm.folder / "log" / "jobcomp.log"
    if record == "sacct":
        jobcomp.rename(jobcomp.with_suffix(".hidden"))
    else:
        without("sacct", monkeypatch, tmp_path / "bin")
    try:
        ended, _ = follow(job.id, {"succeeded", "failed", "stopped", "lost"})
    finally:
        if record == "sacct":
            jobcomp.with_suffix(".hidden").rename(jobcomp)
    assert (ended.state.value, ended.exit_code) == ("failed", 3)
    assert "boom" in ended.log_path.read_text()


def test_stop_cancels_the_slurm_job(slurm: Cluster, tmp_path: Path) -> None:
    from vocseg_tui.core.jobs.launch import stop

    job = bare_job(tmp_path, ["sleep", "120"])
    follow(job.id, {"running"})
    stop(job.id)
    ended, seen = follow(job.id, {"succeeded", "failed", "stopped", "lost"}, timeout=30)
    assert ended.state.value == "stopped", seen
    assert "cancelled" in ended.failure.lower()


def test_usr1_to_the_batch_shell_stops_after_the_epoch_and_resume_trains_each_epoch_once(
        slurm: Cluster, sample_project: Project) -> None:
    project = ready(sample_project)
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--json",
               "--cfg-options", "train_cfg.max_epochs=2", cwd=project.root)
    job_id = int(json.loads(done.stdout)["id"])
    job, _ = follow(job_id, {"running"})
    # Slurm says "running" a moment before the batch shell reaches its trap; the signal comes
    # near the time limit in real use, so it is sent once the training has started.
    wait_for_text(job.log_path, "System environment")
    cancel(SlurmBackend.record(job).job_id, usr1_to_batch=True)  # what `--signal=B:USR1@N` also sends
    stopped, seen = follow(job_id, {"succeeded", "failed", "stopped", "lost"})
    assert stopped.state.value == "stopped", seen
    assert stopped.paths.stop_after_epoch_request.exists()  # the batch shell's trap wrote it
    work_dir = Path(stopped.work_dir)
    assert (work_dir / "epoch_1.pth").is_file() and not (work_dir / "epoch_2.pth").exists()

    again = json.loads(cli("resume", str(job_id), "--json", cwd=project.root).stdout)["id"]
    resumed, seen = follow(int(again), {"succeeded", "failed", "stopped", "lost"})
    assert resumed.state.value == "succeeded", seen
    assert SlurmBackend.record(resumed).job_id != SlurmBackend.record(stopped).job_id
    first = stopped.log_path.read_text(errors="replace")
    second = resumed.log_path.read_text(errors="replace")
    assert "Epoch(train) [1]" in first and "Epoch(train) [2]" not in first
    assert "Epoch(train) [2]" in second and "Epoch(train) [1]" not in second


def test_two_srun_tasks_train_with_gloo_through_mmengines_slurm_launcher(
        slurm: Cluster, sample_project: Project) -> None:
    project = ready(sample_project)
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--nproc", "2", "--json",
               *ONE_EPOCH, "train_dataloader.drop_last=True",  # no 1-image batch for BN
               "optim_wrapper.optimizer.lr=0.1", cwd=project.root)  # the LR scaled to 2 tasks x 2
    job, seen = follow(int(json.loads(done.stdout)["id"]), {"succeeded", "failed", "stopped", "lost"})
    assert job.state.value == "succeeded", seen
    script = Path(SlurmBackend.record(job).batch_script).read_text()
    assert "#SBATCH --ntasks-per-node=2" in script and "--launcher slurm" in script
    log = job.log_path.read_text(errors="replace")
    for line in ("Distributed launcher: slurm", "Distributed training: True", "GPU number: 2",
                 "dist_cfg: {'backend': 'gloo'}"):  # mmengine prints its world size as "GPU number"
        assert line in log, log[-2000:]
    assert (Path(job.work_dir) / "epoch_1.pth").is_file()


def test_gpus_per_node_train_over_nccl_on_the_gpus_slurm_allocated(slurm: Cluster,
                                                                   sample_project: Project) -> None:
    """The login node (here too) has no GPU: the job must still be planned for nccl on Slurm's
    GPUs, with CUDA_VISIBLE_DEVICES from slurmstepd, not from us. The test node's GPUs are fake
    GRES devices and torch here is a CPU build, so the run then stops with the clear error of a
    GPU run that finds no CUDA device, instead of training over gloo on the CPU."""
    project = ready(sample_project)
    done = cli("train", "configs/sample_tiny.py", "--backend", "slurm", "--gpus-per-node", str(GPUS),
               "--cpus-per-task", "1", "--json", *ONE_EPOCH, "optim_wrapper.optimizer.lr=0.1",
               cwd=project.root)
    job, seen = follow(int(json.loads(done.stdout)["id"]), {"succeeded", "failed", "stopped", "lost"})
    script = Path(SlurmBackend.record(job).batch_script).read_text()
    assert f"#SBATCH --gpus-per-node={GPUS}" in script and f"#SBATCH --ntasks-per-node={GPUS}" in script
    assert "export CUDA_VISIBLE_DEVICES" not in script and "export MASTER_ADDR=" in script
    assert "srun --cpus-per-task=1 " in script and "env_cfg.dist_cfg.backend=nccl --launcher slurm" in script
    assert job.state.value == "failed", seen
    log = job.log_path.read_text(errors="replace")
    assert "planned for GPUs (launcher slurm, backend nccl)" in log, log[-2000:]
    assert "CUDA_VISIBLE_DEVICES='0,1'" in log, "slurmstepd hands each task the allocated GPUs"
