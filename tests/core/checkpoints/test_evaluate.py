"""Evaluation refusals (the detached run itself is tested through the Checkpoints screen)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.training import TrainedRun
from vocseg_tui.core.checkpoints import CheckpointError, scan_run
from vocseg_tui.core.checkpoints.evaluate import start_evaluation


@pytest.mark.slow
def test_a_damaged_checkpoint_is_never_evaluated(trained_sample: TrainedRun, tmp_path: Path) -> None:
    work = tmp_path / "work_dirs" / "run"
    shutil.copytree(trained_sample.work_dir, work, ignore=shutil.ignore_patterns("*.pth"))
    (work / "epoch_1.pth").write_bytes((trained_sample.work_dir / "epoch_1.pth").read_bytes()[:5000])
    ckpt = scan_run(work).checkpoints[0]
    with pytest.raises(CheckpointError, match="damaged"):
        start_evaluation(scan_run(work), ckpt)
    assert not (work / "eval").exists()
