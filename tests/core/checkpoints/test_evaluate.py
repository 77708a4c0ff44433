"""Evaluation as a detached process on real checkpoints: per-class results, refusals."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.training import TrainedRun
from vocseg_tui.core.checkpoints import CheckpointError, scan_run
from vocseg_tui.core.checkpoints.evaluate import evaluation_status, start_evaluation
from vocseg_tui.core.voc import CLASSES


@pytest.mark.slow
def test_evaluation_runs_detached_and_reproduces_the_logged_val_miou(
        trained_sample: TrainedRun, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    run = scan_run(root / "work_dirs/sample_tiny")
    ckpt = next(c for c in run.checkpoints if c.name == "epoch_3.pth")
    assert evaluation_status(ckpt).state == "none"
    paths = start_evaluation(run, ckpt)
    assert evaluation_status(ckpt).state == "running"
    with pytest.raises(CheckpointError, match="already"):
        start_evaluation(run, ckpt)
    deadline = time.monotonic() + 120
    while evaluation_status(ckpt).state == "running" and time.monotonic() < deadline:
        time.sleep(0.3)
    status = evaluation_status(ckpt)
    assert status.state == "done", paths.log.read_text()[-3000:]
    # same model, same val split: the mIoU the training logged for this epoch
    assert status.metrics["mIoU"] == pytest.approx(ckpt.miou, abs=0.01)
    assert [c["name"] for c in status.classes] == list(CLASSES)
    assert any(c["IoU"] is not None and c["IoU"] > 0 for c in status.classes)
    # the evaluation left the run's own history alone
    assert scan_run(run.work_dir).checkpoints == run.checkpoints


@pytest.mark.slow
def test_a_damaged_checkpoint_is_never_evaluated(trained_sample: TrainedRun, tmp_path: Path) -> None:
    work = tmp_path / "work_dirs" / "run"
    shutil.copytree(trained_sample.work_dir, work, ignore=shutil.ignore_patterns("*.pth"))
    (work / "epoch_1.pth").write_bytes((trained_sample.work_dir / "epoch_1.pth").read_bytes()[:5000])
    ckpt = scan_run(work).checkpoints[0]
    with pytest.raises(CheckpointError, match="damaged"):
        start_evaluation(scan_run(work), ckpt)
    assert not (work / "eval").exists()
