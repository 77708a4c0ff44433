"""The launch contract carried out by the real supervisor on an emulated GPU server
(VOCSEG_FAKE_GPUS): a queued `--any N` job starts N processes over nccl on the GPUs the queue
picked, pinned by UUID, and a resumed attempt waits while its old GPU is someone else's."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli, ready, wait_for
from tests.core.notify.servers import http_recorder
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.config import save_channels
from vocseg_tui.core.project import Project


def _server(path: Path, *, colleague_on: int | None = None) -> None:
    gpus = []
    for index in range(3):
        gpu: dict[str, object] = {"uuid": f"GPU-{index}{index}{index}{index}"}
        if index == colleague_on:
            colleague = {"pid": 999999, "user": "colleague", "command": "python train.py",
                         "gpu_memory_mib": 30000}
            gpu.update(memory_used_mib=30000, processes=[colleague])
        gpus.append(gpu)
    path.write_text(json.dumps({"gpus": gpus}))


@pytest.mark.slow
def test_queued_any_2_starts_two_processes_over_nccl_on_the_picked_gpus(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It used to train one process on one GPU while two were reserved. Here (no CUDA) the
    training then stops with a clear error instead of quietly training over gloo on the CPU."""
    fake = tmp_path / "gpus.json"
    _server(fake, colleague_on=2)
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    monkeypatch.setenv("VOCSEG_QUEUE_POLL_S", "0.1")
    project = ready(sample_project)
    with http_recorder() as channel:  # a channel that asks to hear when a queued job starts
        save_channels([WebhookChannel(name="starts", url=channel.url, on=("started",))])
        done = cli("train", "configs/sample_tiny.py", "--queue", "--any", "2", "--stable", "0",
                   "--cfg-options", "optim_wrapper.optimizer.lr=0.1", cwd=project.root)  # LR for 2
        job_id = int(done.stdout.split()[1])
        job = wait_for(job_id, {"running", "failed", "succeeded"}, what="train_pid", timeout=60)
        [started] = [request.json() for request in channel.wait_for(1)]
    assert (started["event"], started["job"]) == ("started", job_id)
    assert job.gpus == [0, 1] and job.gpu_uuids == ["GPU-0000", "GPU-1111"]  # not the colleague's GPU 2
    assert job.env["CUDA_VISIBLE_DEVICES"] == "GPU-0000,GPU-1111"
    assert job.command[1:5] == ["-m", "torch.distributed.run", "--nproc-per-node", "2"]
    assert "env_cfg.dist_cfg.backend=nccl" in job.command and job.command[-1] == "pytorch"
    ended = wait_for(job_id, {"failed", "succeeded", "stopped", "lost"}, timeout=120)
    log = ended.log_path.read_text(errors="replace")
    assert "starting (2 process(es), backend nccl)" in log
    assert ended.state is JobState.FAILED and "planned for GPUs (launcher pytorch, backend nccl)" in log


def test_a_resumed_attempt_waits_while_its_old_gpu_is_someone_elses(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gpus.json"
    _server(fake, colleague_on=1)
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    work_dir = tmp_path / "run"
    work_dir.mkdir()
    with zipfile.ZipFile(work_dir / "epoch_2.pth", "w") as archive:
        archive.writestr("archive/data.pkl", b"x")
    registry = Registry()
    old = registry.add(name="sample_tiny", config=str(project_config(sample_project)), work_dir=str(work_dir),
                       cwd=str(sample_project.root), backend="local", state=JobState.FAILED, gpus=[1],
                       gpu_uuids=["GPU-1111"], options={"nproc": 1})
    done = cli("resume", str(old.id), cwd=sample_project.root)
    attempt = registry.children(old.id)[0]
    assert f"job {attempt.id} queued: waiting for GPU 1 (busy: GPU 1: in use by colleague)" in done.stdout
    assert "resumes from" in done.stdout and "epoch_2.pth" in done.stdout
    assert "in use by colleague" in cli("jobs", cwd=sample_project.root).stdout
    current = registry.get(attempt.id)
    assert current.state is JobState.QUEUED and current.train_pid is None
    cli("stop", str(attempt.id), cwd=sample_project.root)
    wait_for(attempt.id, {"stopped", "failed", "succeeded", "lost"}, timeout=30)
    assert registry.get(attempt.id).state is JobState.STOPPED


def project_config(project: Project) -> Path:
    return project.configs_dir / "sample_tiny.py"
