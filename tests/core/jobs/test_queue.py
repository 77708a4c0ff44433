"""Queue rules, and a real queued job that waits for its GPU and starts by itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.jobs.helpers import cli, launch, ready, wait_for
from tests.waiting import wait_until
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.queue import Decision, QueueRule, StableWindow, decide
from vocseg_tui.core.project import Project


def _fake_gpus(path: Path, *, colleague_on_0: bool, used_mib: int = 0) -> None:
    processes = [{"pid": 999999, "user": "colleague", "command": "python train.py",
                  "gpu_memory_mib": 30000}] if colleague_on_0 else []
    path.write_text(json.dumps({"gpus": [
        {"memory_total_mib": 40960, "memory_used_mib": 30000 if colleague_on_0 else 0,
         "processes": processes},
        {"memory_total_mib": 40960, "memory_used_mib": used_mib},
    ]}))


def _job(registry: Registry, **values: object) -> int:
    return registry.add(name="j", config="/c.py", work_dir="/w", cwd="/", backend="local", **values).id


def test_cpu_jobs_queue_behind_our_running_cpu_job(isolated_state_dir: Path) -> None:
    registry = Registry()
    waiting = registry.get(_job(registry))
    assert decide(QueueRule(), waiting, registry).ready
    _job(registry, state=JobState.RUNNING)
    decision = decide(QueueRule(), waiting, registry)
    assert not decision.ready and "CPU" in decision.waiting_for


def test_given_and_any_n_gpu_rules(isolated_state_dir: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gpus.json"
    _fake_gpus(fake, colleague_on_0=True, used_mib=8192)
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    registry = Registry()
    job = registry.get(_job(registry))
    assert not decide(QueueRule(gpus=(0,)), job, registry).ready  # a colleague's job is on it
    assert decide(QueueRule(gpus=(1,)), job, registry) == Decision(True, (1,), "", ("GPU-fake-0001",))
    assert decide(QueueRule(count=1, min_free_gib=30), job, registry).gpus == (1,)
    assert not decide(QueueRule(count=1, min_free_gib=35), job, registry).ready  # 32 GiB free
    assert not decide(QueueRule(count=2), job, registry).ready
    _job(registry, state=JobState.RUNNING, gpus=[1])  # our own job holds GPU 1
    assert not decide(QueueRule(gpus=(1,)), job, registry).ready


def test_unreadable_gpus_free_no_gpu_and_the_job_says_why(isolated_state_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """NVML trouble (here: a broken description, which take_inventory raises on) used to count
    every GPU as free, so a queued job started on a colleague's GPU."""
    fake = tmp_path / "gpus.json"
    fake.write_text("{ not json")
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    registry = Registry()
    job = registry.get(_job(registry))
    for rule in (QueueRule(gpus=(0,)), QueueRule(count=1)):
        decision = decide(rule, job, registry)
        assert not decision.ready and "the GPUs cannot be read" in decision.waiting_for


def test_a_busy_gpu_names_its_user_and_our_own_job(isolated_state_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gpus.json"
    _fake_gpus(fake, colleague_on_0=True)
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    registry = Registry()
    job = registry.get(_job(registry))
    ours = _job(registry, state=JobState.RUNNING, gpus=[1])
    decision = decide(QueueRule(gpus=(0, 1)), job, registry)
    assert "GPU 0: in use by colleague" in decision.waiting_for
    assert f"GPU 1: our job {ours}" in decision.waiting_for


def test_a_gpu_recorded_by_uuid_is_found_where_it_is_now(isolated_state_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """After a renumbering the board a resumed attempt trained on may carry another index."""
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"uuid": "GPU-b"}, {"uuid": "GPU-a"}]}))
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    registry = Registry()
    job = registry.get(_job(registry))
    found = decide(QueueRule(gpus=(0,), uuids=("GPU-a",)), job, registry)
    assert found == Decision(True, (1,), "", ("GPU-a",))
    gone = decide(QueueRule(gpus=(0,), uuids=("GPU-c",)), job, registry)
    assert not gone.ready and "board GPU-c is not there" in gone.waiting_for


def test_stable_window_needs_the_same_free_gpus_for_the_whole_window() -> None:
    window = StableWindow(10.0)
    free, busy = Decision(True, (1,), ""), Decision(False, (), "busy")
    assert not window.update(free, now=0.0)
    assert not window.update(free, now=5.0)
    assert not window.update(busy, now=6.0)  # a blip resets the clock
    assert not window.update(free, now=7.0)
    assert not window.update(free, now=16.0)
    assert window.update(free, now=17.0)
    assert StableWindow(0.0).update(free, now=0.0)


@pytest.mark.slow
def test_queued_job_waits_for_its_gpu_and_starts_when_it_frees_up(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gpus.json"
    _fake_gpus(fake, colleague_on_0=True)
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    monkeypatch.setenv("VOCSEG_QUEUE_POLL_S", "0.2")
    project = ready(sample_project)
    job_id = launch(project, "--gpus", "0", "--queue", "--stable", "1")
    job = wait_for(job_id, {"queued"})
    job = wait_until(lambda: (j := Registry().get(job_id)).waiting_for and j, 10,
                     f"job {job_id} saying what it waits for")
    assert job.state is JobState.QUEUED and job.train_pid is None
    assert "GPU 0" in job.waiting_for
    assert "GPU 0" in cli("jobs", cwd=project.root).stdout

    _fake_gpus(fake, colleague_on_0=False)  # the colleague's job ends
    job = wait_for(job_id, {"running"}, what="train_pid", timeout=30)
    assert job.env["CUDA_VISIBLE_DEVICES"] == "GPU-fake-0000" and job.env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert job.gpus == [0]
    cli("stop", str(job_id), cwd=project.root)
    job = wait_for(job_id, {"stopped", "failed", "succeeded"}, timeout=60)
    assert job.state is JobState.STOPPED
    assert "sending SIGINT" in job.log_path.read_text()
