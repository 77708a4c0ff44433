"""The Checkpoints screen driven as a user would, on checkpoints of real training."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.projects import TwoProjects
from tests.training import TrainedRun
from vocseg_tui.core.checkpoints import scan_run
from vocseg_tui.core.checkpoints.evaluate import evaluation_status
from vocseg_tui.core.jobs import Registry
from vocseg_tui.core.project import Project
from vocseg_tui.core.voc import CLASSES
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.checkpoints import CheckpointsScreen
from vocseg_tui.tui.screens.demo import DemoScreen
from vocseg_tui.tui.widgets.ckpt_table import CheckpointTable
from vocseg_tui.tui.widgets.confirm import ConfirmScreen

pytestmark = pytest.mark.slow


@pytest.fixture
def project(trained_sample: TrainedRun, tmp_path: Path) -> Project:
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    return Project.open(root)


async def _wait(pilot, condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await pilot.pause()  # until the app is idle: no fixed pause


def _rows(screen: CheckpointsScreen) -> dict[str, list[str]]:
    table = screen.query_one(CheckpointTable)
    return {str(key.value): [str(cell) for cell in table.get_row(key)] for key in table.rows}


async def _open(pilot, app) -> CheckpointsScreen:  # type: ignore[no-untyped-def]
    screen = app.screen
    assert isinstance(screen, CheckpointsScreen)
    await _wait(pilot, lambda: screen.query_one(CheckpointTable).row_count > 0)
    return screen


async def _highlight(pilot, screen: CheckpointsScreen, name: str) -> None:  # type: ignore[no-untyped-def]
    table = screen.query_one(CheckpointTable)
    index = next(i for i, key in enumerate(table.rows) if Path(str(key.value)).name == name)
    table.move_cursor(row=index)
    await pilot.pause()
    selected = screen.selected()
    assert selected is not None and selected[1].name == name


async def test_lists_checkpoints_with_best_last_and_damaged_marked(project: Project) -> None:
    work = project.work_dirs / "sample_tiny"
    data = (work / "epoch_1.pth").read_bytes()
    (work / "epoch_1.pth").write_bytes(data[: len(data) // 3])
    app = make_app(project, start="checkpoints")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        rows = {Path(k).name: v for k, v in _rows(screen).items()}
        assert set(rows) == {p.name for p in work.glob("*.pth")}
        assert "best" in rows[next(work.glob("best_*.pth")).name][2]
        assert "last" in rows["epoch_3.pth"][2]
        assert "DAMAGED" in rows["epoch_1.pth"][2]
        assert "1 damaged" in str(screen.query_one("#ckpt-summary").render())
        await _highlight(pilot, screen, "epoch_1.pth")
        assert "damaged" in str(screen.query_one("#ckpt-info").render())
        await pilot.press("d")  # the demo never runs on a damaged file
        await pilot.pause()
        assert app.current_mode == "checkpoints"
        assert any("damaged" in n.message for n in app._notifications)


async def test_delete_asks_twice_for_the_last_checkpoint(project: Project) -> None:
    work = project.work_dirs / "sample_tiny"
    app = make_app(project, start="checkpoints")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        await _highlight(pilot, screen, "epoch_2.pth")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await _wait(pilot, lambda: not (work / "epoch_2.pth").exists())
        await _wait(pilot, lambda: "epoch_2.pth" not in {Path(k).name for k in _rows(screen)})

        await _highlight(pilot, screen, "epoch_3.pth")  # the last one
        await pilot.press("x", "y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "LAST" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert (work / "epoch_3.pth").exists() and not isinstance(app.screen, ConfirmScreen)
        await pilot.press("x", "y")
        await pilot.pause()
        await pilot.press("y")
        await _wait(pilot, lambda: not (work / "epoch_3.pth").exists())
        marker = (work / "last_checkpoint").read_text().strip()
        assert Path(marker).name == "epoch_1.pth"


async def test_evaluate_runs_detached_and_shows_a_per_class_iou_table(project: Project) -> None:
    app = make_app(project, start="checkpoints")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        await _highlight(pilot, screen, "epoch_3.pth")
        chosen = screen.selected()
        assert chosen is not None
        ckpt = chosen[1]
        await pilot.press("e")
        await _wait(pilot, lambda: evaluation_status(ckpt).state == "running")
        await pilot.press("e")  # a second evaluation of the same file is refused
        await _wait(pilot, lambda: any("already" in n.message for n in app._notifications))
        classes = screen.query_one("#ckpt-classes", DataTable)
        await _wait(pilot, lambda: classes.display and classes.row_count == len(CLASSES), timeout=120)
        status = evaluation_status(ckpt)
        # same model, same val split: the mIoU the training logged for this epoch
        assert status.state == "done" and status.metrics["mIoU"] == pytest.approx(ckpt.miou, abs=0.01)
        assert f"{status.metrics['mIoU']:.2f}" in str(screen.query_one("#ckpt-eval").render())
        names = [str(classes.get_row_at(i)[0]) for i in range(classes.row_count)]
        assert names == list(CLASSES)
        cells = [classes.get_row_at(i) for i in range(classes.row_count)]
        shown = {str(cell[0]): str(cell[1]) for cell in cells}
        for row in status.classes:
            assert shown[row["name"]] == ("-" if row["IoU"] is None else f"{row['IoU']:.2f}")
    # the evaluation left the run's own checkpoints and history alone
    assert scan_run(ckpt.path.parent).checkpoints == chosen[0].checkpoints


async def test_demo_key_opens_the_demo_on_the_highlighted_checkpoint_and_copy_path(project: Project) -> None:
    app = make_app(project, start="checkpoints")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        await _highlight(pilot, screen, "epoch_2.pth")
        await pilot.press("c")
        assert app.clipboard == str(project.work_dirs / "sample_tiny" / "epoch_2.pth")
        await pilot.press("d")
        await pilot.pause()
        assert app.current_mode == "demo"
        demo = app.screen
        assert isinstance(demo, DemoScreen)
        assert demo.checkpoint == project.work_dirs / "sample_tiny" / "epoch_2.pth"
        assert demo.busy  # inference started in the worker process


async def test_resume_refuses_best_at_once_and_asks_only_for_a_resumable_file(project: Project) -> None:
    """A best_* file holds weights only: `r` on it asks nothing and says at once what to do
    (resume from the epoch file of the same epoch, or fine-tune from the weights); `r` on an
    epoch file asks before starting, and `n` starts nothing."""
    app = make_app(project, start="checkpoints")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _open(pilot, app)
        best = next((project.work_dirs / "sample_tiny").glob("best_*.pth"))
        step = best.stem.rsplit("_", 1)[1]  # best_mIoU_epoch_3 -> 3
        await _highlight(pilot, screen, best.name)
        info = str(screen.query_one("#ckpt-info").render())
        assert "weights only" in info and f"resume from epoch_{step}.pth" in info
        await pilot.press("r")
        await _wait(pilot, lambda: any("weights only" in str(n.message) for n in app._notifications))
        assert not isinstance(app.screen, ConfirmScreen)  # no question whose yes is refused
        note = next(str(n.message) for n in app._notifications if "weights only" in str(n.message))
        assert f"Resume from epoch_{step}.pth instead" in note
        assert f"--cfg-options load_from={best}" in note
        await _highlight(pilot, screen, "epoch_2.pth")
        await pilot.press("r")
        await _wait(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert isinstance(app.screen, ConfirmScreen) and "epoch_2.pth" in app.screen.question
        await pilot.press("n")
        await _wait(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    assert Registry().all_jobs() == []


async def test_only_the_open_projects_runs_until_a_shows_every_project(two_projects: TwoProjects) -> None:
    """The registry is shared by every project: the other project's newer run is left out
    (and said to exist) until `a`, which adds a project column; `a` again hides it."""
    app = make_app(two_projects.mine, start="checkpoints")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await _open(pilot, app)
        table = screen.query_one(CheckpointTable)
        assert {Path(key).parent for key in _rows(screen)} == {two_projects.my_run}
        assert "project" not in [str(c.label) for c in table.columns.values()]
        summary = str(screen.query_one("#ckpt-summary").render())
        assert "1 other project(s) have jobs (a shows their runs)" in summary

        await pilot.press("a")
        await _wait(pilot, lambda: {Path(key).parent for key in _rows(screen)} == {
            two_projects.my_run, two_projects.other_run})
        assert [str(c.label) for c in table.columns.values()][:2] == ["project", "run"]
        shown = {row[0]: row[1] for row in _rows(screen).values() if row[0]}
        assert shown == {"other-project": "other_tiny", "my-project": "sample_tiny"}
        assert "in every project" in str(screen.query_one("#ckpt-summary").render())

        await pilot.press("a")
        await _wait(pilot, lambda: {Path(key).parent for key in _rows(screen)} == {two_projects.my_run})
        assert "project" not in [str(c.label) for c in table.columns.values()]
