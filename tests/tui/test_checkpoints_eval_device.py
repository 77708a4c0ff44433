"""The Checkpoints screen evaluates on the GPUs area's choice and says where it ran (real
tools/test.py; a fake two-GPU server, and this torch has no CUDA: the failure says so)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.training import TrainedRun
from tests.tui.waiting import until
from vocseg_tui.core.checkpoints.evaluate import evaluation_status
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.gpus import FAKE_ENV
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.checkpoints import CheckpointsScreen
from vocseg_tui.tui.widgets.ckpt_table import CheckpointTable

pytestmark = pytest.mark.slow

UUIDS = ("GPU-00000000-aaaa", "GPU-00000001-bbbb")


async def _wait(pilot, condition, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    await until(pilot, condition, timeout)


async def test_evaluate_uses_the_first_chosen_gpu_pinned_and_shows_why_it_failed(
        trained_sample: TrainedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"uuid": u} for u in UUIDS]}))
    monkeypatch.setenv(FAKE_ENV, str(fake))
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    app = make_app(Project.open(root), start="checkpoints")
    async with app.run_test(size=(120, 34)) as pilot:
        screen = app.screen
        assert isinstance(screen, CheckpointsScreen)
        table = screen.query_one(CheckpointTable)
        await _wait(pilot, lambda: table.row_count > 0)
        table.move_cursor(row=next(i for i, key in enumerate(table.rows)
                                   if Path(str(key.value)).name == "epoch_2.pth"))
        await pilot.pause()
        chosen = screen.selected()
        assert chosen is not None and chosen[1].name == "epoch_2.pth"
        app.device_choice = DeviceChoice(indices=(0, 1), uuids=UUIDS)
        await pilot.press("e")
        await _wait(pilot, lambda: any("Evaluating" in n.message for n in app._notifications))
        started = next(n.message for n in app._notifications if "Evaluating" in n.message)
        assert "on GPU 0 (first of 0,1) (evaluation is one process: it uses the first GPU)" in started
        await _wait(pilot, lambda: evaluation_status(chosen[1]).state == "failed")
        line = screen.query_one("#ckpt-eval")
        await _wait(pilot, lambda: "failed" in str(line.render()))
        shown = str(line.render())
        assert "evaluation on GPU 0 (first of 0,1): failed CUDA is not available in the evaluation" in shown
        pinned = DeviceChoice((0,), UUIDS[:1]).environment()["CUDA_VISIBLE_DEVICES"]
        assert f"CUDA_VISIBLE_DEVICES={pinned!r}" in shown
