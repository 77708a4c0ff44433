"""The Runs screen driven as a user would: filter, sort, mark, compare, tag and export, on
synthetic work dirs written as mmengine writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.synthetic_runs import write_run
from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.core.runs.listing import list_runs
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.runs import RunsScreen
from vocseg_tui.tui.widgets.runs_table import RunsTable


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    for name, lr, ceiling in (("r50_lr01", 0.01, 70.0), ("r50_lr02", 0.02, 60.0), ("r50_lr005", 0.005, 65.0)):
        write_run(root / "work_dirs" / name, epochs=6, max_epochs=8, lr=lr, ceiling=ceiling)
    return Project.open(root)


def _names(screen: RunsScreen) -> list[str]:
    table = screen.query_one(RunsTable)
    return [Path(str(key.value)).name for key in table.rows]


async def _screen(pilot) -> RunsScreen:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    await until(pilot, lambda: screen.query_one(RunsTable).row_count == 3, 10, "the three runs")
    return screen


async def test_filter_sort_and_tag(project: Project) -> None:
    async with make_app(project, start="runs").run_test(size=(100, 30)) as pilot:
        screen = await _screen(pilot)
        await pilot.press("slash", *"lr<0.015", "enter")
        await until(pilot, lambda: sorted(_names(screen)) == ["r50_lr005", "r50_lr01"], what="the filter")
        await pilot.press("slash", "ctrl+u", *"mIoU>", "enter")  # not a number: refused, kept
        await until(pilot, lambda: len(_names(screen)) == 2 and screen.filter_text == "lr<0.015")
        await pilot.press("slash", "ctrl+u", "enter")
        await until(pilot, lambda: len(_names(screen)) == 3, what="the filter cleared")
        await pilot.press("s")  # by name
        await until(pilot, lambda: _names(screen) == ["r50_lr005", "r50_lr01", "r50_lr02"])
        screen.query_one(RunsTable).move_cursor(row=1)
        await pilot.press("t", *"baseline 基线", "enter")
        await until(pilot, lambda: any(r.tags == ("baseline", "基线") for r in screen.rows), what="the tags")
        assert {r.name: r.tags for r in list_runs(project)}["r50_lr01"] == ("baseline", "基线")
        await pilot.press("slash", *"tag:baseline", "enter")
        await until(pilot, lambda: _names(screen) == ["r50_lr01"], what="the tag filter")


async def test_mark_compare_and_export(project: Project) -> None:
    async with make_app(project, start="runs").run_test(size=(100, 30)) as pilot:
        screen = await _screen(pilot)
        await pilot.press("c")  # nothing marked: a warning, no view
        assert not screen.query_one("#runs-compare").display
        table = screen.query_one(RunsTable)
        for row in (0, 2):
            table.move_cursor(row=row)
            await pilot.press("m")
        assert len(screen.marked) == 2
        await pilot.press("c")
        await until(pilot, lambda: screen.query_one("#runs-compare").display, what="the compare view")
        assert [r.name for r in screen.comparison] == [_names(screen)[0], _names(screen)[2]]
        assert all(r.values["aeroplane"] is not None for r in screen.comparison)
        await pilot.press("e")
        outputs = project.outputs_dir
        await until(pilot, lambda: len(list(outputs.glob("*"))) == 4, what="the four exported files")
        assert {p.suffix for p in outputs.glob("compare-*")} == {".md", ".tex"}
        assert "r50_lr02" in next(outputs.glob("runs-*.csv")).read_text()
        await pilot.press("escape")
        await until(pilot, lambda: not screen.query_one("#runs-compare").display, what="the view closed")
