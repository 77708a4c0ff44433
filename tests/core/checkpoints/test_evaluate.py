"""Evaluation: refusals, and the device it really runs on (the child's own record of
CUDA_VISIBLE_DEVICES), with real tools/test.py processes on CPU. The per-class table itself is
tested through the Checkpoints screen."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.training import TrainedRun
from tests.waiting import wait_until
from vocseg_tui.core.checkpoints import Checkpoint, CheckpointError, Run, scan_run
from vocseg_tui.core.checkpoints.evaluate import EvalStatus, evaluation_status, start_evaluation
from vocseg_tui.core.devices import DeviceChoice

pytestmark = pytest.mark.slow


def _settled(ckpt: Checkpoint, timeout: float = 180.0) -> EvalStatus:
    """The evaluation's status once its files say it is no longer running."""
    wait_until(lambda: evaluation_status(ckpt).state != "running", timeout, "the evaluation ending",
               interval=0.2)
    return evaluation_status(ckpt)  # an ended evaluation does not change any more


@pytest.fixture
def run_copy(trained_sample: TrainedRun, tmp_path: Path) -> tuple[Path, Run]:
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    return root, scan_run(root / "work_dirs/sample_tiny")


def _checkpoint(run: Run, name: str) -> Checkpoint:
    return next(c for c in run.checkpoints if c.name == name)


def test_a_damaged_checkpoint_is_never_evaluated(trained_sample: TrainedRun, tmp_path: Path) -> None:
    work = tmp_path / "work_dirs" / "run"
    shutil.copytree(trained_sample.work_dir, work, ignore=shutil.ignore_patterns("*.pth"))
    (work / "epoch_1.pth").write_bytes((trained_sample.work_dir / "epoch_1.pth").read_bytes()[:5000])
    ckpt = scan_run(work).checkpoints[0]
    with pytest.raises(CheckpointError, match="damaged"):
        start_evaluation(scan_run(work), ckpt)
    assert not (work / "eval").exists()


def test_cpu_evaluation_hides_every_gpu_and_records_where_it_ran(
        run_copy: tuple[Path, Run], monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, tools/test.py inherited the shell's CUDA_VISIBLE_DEVICES and took CUDA device 0."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    root, run = run_copy
    ckpt = _checkpoint(run, "epoch_3.pth")
    started = start_evaluation(run, ckpt, cwd=root)
    assert started.placement.is_cpu
    launch = json.loads(started.paths.pid.read_text())
    assert launch["device"] == "CPU" and launch["visible_devices"] == ""
    status = _settled(ckpt)
    assert status.state == "done", status.message
    assert status.device == "CPU"
    assert status.metrics["device"] == "cpu" and status.metrics["visible_devices"] == ""  # the child's view
    assert status.metrics["mIoU"] == pytest.approx(ckpt.miou, abs=0.01)
    assert "evaluating on cpu (CUDA_VISIBLE_DEVICES='')" in started.paths.log.read_text()


def test_a_gpu_choice_pins_its_first_gpu_and_a_missing_cuda_is_a_clear_failure(
        run_copy: tuple[Path, Run]) -> None:
    """On this CPU-only torch a GPU choice cannot run: the user reads why, instead of an
    evaluation that silently ran on CPU."""
    root, run = run_copy
    ckpt = _checkpoint(run, "epoch_2.pth")
    choice = DeviceChoice(indices=(1, 3), uuids=("GPU-00000001-aaaa", "GPU-00000003-cccc"))
    started = start_evaluation(run, ckpt, cwd=root, devices=choice)
    pinned = DeviceChoice(indices=(1,), uuids=("GPU-00000001-aaaa",)).environment()["CUDA_VISIBLE_DEVICES"]
    assert started.placement.visible_devices == pinned
    assert started.placement.label() == "GPU 1 (first of 1,3)"
    status = _settled(ckpt)
    assert status.state == "failed" and status.device == "GPU 1 (first of 1,3)"
    assert "CUDA is not available in the evaluation" in status.message
    assert f"CUDA_VISIBLE_DEVICES={pinned!r}" in status.message  # what the child was given
    assert not started.paths.metrics.exists()
