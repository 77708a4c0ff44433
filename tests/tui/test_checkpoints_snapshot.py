"""The look of the Checkpoints screen at 100x30, pinned by an SVG snapshot.

The run is built from real checkpoints of the trained sample, with what varies between
trainings fixed: the validation mIoU (a scalars.json written here), file times (two days ago,
shown relative), and a fixed project path (the header shows it).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.training import TrainedRun
from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.checkpoints import CheckpointsScreen
from vocseg_tui.tui.widgets.ckpt_table import CheckpointTable

MIOU = {1: 17.5, 2: 24.25, 3: 31.0}


@pytest.fixture
def snapshot_project(pristine_sample: Path, trained_sample: TrainedRun, snapshot_home: Path) -> Project:
    folder = snapshot_home / "vocseg-snapshot-ckpts"
    shutil.copytree(pristine_sample, folder)
    run = folder / "work_dirs" / "sample_tiny"
    run.mkdir(parents=True)
    source = trained_sample.work_dir
    shutil.copy(source / "sample_tiny.py", run)
    for epoch in (1, 2, 3):
        shutil.copy(source / f"epoch_{epoch}.pth", run)
    shutil.copy(next(source.glob("best_*.pth")), run / "best_mIoU_epoch_3.pth")
    data = (run / "epoch_2.pth").read_bytes()
    (run / "epoch_2.pth").write_bytes(data[: len(data) // 2])  # shown as DAMAGED
    (run / "last_checkpoint").write_text(str(run / "epoch_3.pth"))
    scalars = run / "20260101_000000" / "vis_data" / "scalars.json"
    scalars.parent.mkdir(parents=True)
    lines = (json.dumps({"mIoU": v, "aAcc": 80.0, "step": k}) for k, v in MIOU.items())
    scalars.write_text("".join(f"{line}\n" for line in lines))
    two_days_ago = time.time() - 2 * 86400 - 600
    for path in run.glob("*.pth"):
        os.utime(path, (two_days_ago, two_days_ago))
    return Project.open(folder)


@pytest.mark.slow
def test_checkpoints_100x30(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    async def rows_loaded(pilot) -> None:  # type: ignore[no-untyped-def]
        def loaded() -> bool:
            screen = pilot.app.screen
            return isinstance(screen, CheckpointsScreen) and screen.query_one(CheckpointTable).row_count == 4

        await until(pilot, loaded, 5, "the four checkpoint rows")
        await pilot.pause()

    app = make_app(snapshot_project, start="checkpoints")
    assert snap_compare(app, terminal_size=(100, 30), run_before=rows_loaded)
