"""Bad input is refused with the reason before anything is registered or started."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs import JobState, LaunchRefused, Registry
from vocseg_tui.core.jobs.failure import last_error_lines, summarize, worth_retrying
from vocseg_tui.core.jobs.launch import LaunchRequest, launch, prepare, resume
from vocseg_tui.core.jobs.queue import QueueRule
from vocseg_tui.core.project import Project


def _refused(request: LaunchRequest, match: str) -> LaunchRefused:
    with pytest.raises(LaunchRefused, match=match) as caught:
        launch(request)
    assert Registry().all_jobs() == [], "nothing registered"
    return caught.value


def test_missing_config_is_refused(sample_project: Project) -> None:
    error = _refused(LaunchRequest(Path("configs/nope.py"), sample_project.root), "does not exist")
    assert error.hint


def test_gpu_that_does_not_exist_is_refused(sample_project: Project, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{}, {}]}))
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(fake))
    _refused(LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root,
                           devices=DeviceChoice((1, 5))), r"GPU 5 does not exist \(this machine has 0,1\)")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_work_dir_is_refused(sample_project: Project, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    _refused(LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root,
                           work_dir=locked / "run"), "not writable")


def test_work_dir_under_a_file_is_refused(sample_project: Project) -> None:
    convert_like_voc_aug(sample_project)  # the launch check refuses a sample whose data is unprepared
    blocker = sample_project.root / "afile"
    blocker.write_text("x")
    _refused(LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root,
                           work_dir=blocker / "run"), "not writable")


def test_resume_without_checkpoint_is_refused(sample_project: Project) -> None:
    convert_like_voc_aug(sample_project)
    _refused(LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root, resume=True),
             "no intact checkpoint")


def test_only_ended_jobs_resume(isolated_state_dir: Path) -> None:
    registry = Registry()
    job = registry.add(name="j", config="/c.py", work_dir="/w", cwd="/", backend="local",
                       state=JobState.SUCCEEDED)
    with pytest.raises(Exception, match="only stopped, failed or lost jobs resume"):
        resume(job.id, registry)


def test_failure_summary_and_retry_policy(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text("Epoch(train) [1][5/13] loss: 3.2\nTraceback (most recent call last):\n"
                   '  File "x.py", line 1\nKeyError: \'SomeHook is not in the mmseg::hook registry\'\n')
    kind, summary = summarize(log, 1)
    assert "KeyError" in summary
    assert not worth_retrying(kind, None), "a config error is never retried"
    assert worth_retrying("killed", 9) and not worth_retrying("killed", 2)
    assert worth_retrying("nccl_timeout", None) and not worth_retrying("cuda_oom", None)
    assert last_error_lines("a\nb\nc") == "a | b | c"


def test_config_failing_the_recipe_checks_is_refused(sample_project: Project) -> None:
    """mmseg would train 19 classes on VOC's 21 without complaint until the metrics look wrong."""
    (sample_project.configs_dir / "wrong_classes.py").write_text(
        "_base_ = ['./sample_tiny.py']\nmodel = dict(decode_head=dict(num_classes=19))\n")
    error = _refused(LaunchRequest(Path("configs/wrong_classes.py"), sample_project.root),
                     "fails the recipe checks")
    assert "19 classes" in error.message


def test_config_that_does_not_load_is_refused(sample_project: Project) -> None:
    (sample_project.configs_dir / "broken.py").write_text("_base_ = ['./does_not_exist.py']\n")
    _refused(LaunchRequest(Path("configs/broken.py"), sample_project.root), "does not load")


def _server(path: Path) -> Path:
    """Two GPUs: 0 holds a colleague's job, 1 is free; and a third that fell off the bus."""
    path.write_text(json.dumps({"gpus": [
        {"uuid": "GPU-aaaa", "memory_used_mib": 30000,
         "processes": [{"pid": 999999, "user": "alice", "command": "python train.py",
                        "gpu_memory_mib": 30000}]},
        {"uuid": "GPU-bbbb"},
        {"uuid": "GPU-cccc", "error": "GPU is lost"},
    ]}))
    return path


def test_a_gpu_in_use_by_another_user_is_refused_unless_forced(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(_server(tmp_path / "gpus.json")))
    convert_like_voc_aug(sample_project)  # the forced launch gets as far as the dataset check
    request = LaunchRequest(Path("configs/sample_tiny.py"), sample_project.root, devices=DeviceChoice((0,)))
    error = _refused(request, "GPU 0 is in use by alice")
    assert "--force" in error.hint and "--queue" in error.hint
    forced = prepare(replace(request, force=True), dry_run=True)
    assert forced.warnings == ("GPU 0 is in use by alice; training on it anyway (--force)",)
    assert forced.plan.env["CUDA_VISIBLE_DEVICES"] == "GPU-aaaa"
    queued = prepare(replace(request, queue=QueueRule(gpus=(0,))), dry_run=True)
    assert queued.warnings == ()  # the queue waits for alice's job to end
    assert Registry().all_jobs() == []


def test_a_failed_gpu_and_an_nproc_that_does_not_match_are_refused(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(_server(tmp_path / "gpus.json")))
    config = Path("configs/sample_tiny.py")
    _refused(LaunchRequest(config, sample_project.root, devices=DeviceChoice((2,))),
             "GPU 2 cannot be used: failed: GPU is lost")
    _refused(LaunchRequest(config, sample_project.root, devices=DeviceChoice((1,)), nproc=2),
             r"--nproc 2 does not match the 1 GPU\(s\) chosen \(GPU 1\)")
    _refused(LaunchRequest(config, sample_project.root, devices=DeviceChoice((1,), ("GPU-zzzz",))),
             "GPU 1 is another board now")
    _refused(LaunchRequest(config, sample_project.root, queue=QueueRule(count=4)),
             r"any 4 GPU\(s\) asked, but this machine has 3")
    assert Registry().all_jobs() == []
