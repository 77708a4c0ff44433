"""Bad input is refused with the reason before anything is registered or started."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs import JobState, LaunchRefused, Registry
from vocseg_tui.core.jobs.command import train_command
from vocseg_tui.core.jobs.failure import last_error_lines, summarize, worth_retrying
from vocseg_tui.core.jobs.launch import LaunchRequest, launch, resume
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


def test_command_names_work_dir_and_checkpoint_and_uses_gloo_for_cpu_ranks() -> None:
    one = train_command("/p/c.py", "/p/w", {"nproc": 1}, "/p/w/epoch_2.pth")
    assert one[1:] == [one[1], "/p/c.py", "--work-dir", "/p/w", "--resume", "/p/w/epoch_2.pth",
                       "--launcher", "none"]
    two = train_command("/p/c.py", "/p/w", {"nproc": 2, "cpu": True}, port=29999)
    assert two[1:7] == ["-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29999"]
    assert "env_cfg.dist_cfg.backend=gloo" in two and two[-2:] == ["--launcher", "pytorch"]


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
