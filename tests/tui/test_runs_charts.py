"""The Runs compare view's charts and the column choice, driven as a user would: the charts of
the marked runs, `x` between epochs and samples seen, the published reference line, and `v`
hiding columns for the rest of the session."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import SelectionList

from tests.synthetic_runs import write_run
from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.runs import RunsScreen
from vocseg_tui.tui.widgets.runs_charts import RunsCharts
from vocseg_tui.tui.widgets.runs_columns import ColumnsScreen
from vocseg_tui.tui.widgets.runs_table import RunsTable


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    for name, lr, ceiling in (("r50_lr01", 0.01, 70.0), ("r50_lr02", 0.02, 60.0)):
        write_run(root / "work_dirs" / name, epochs=4, max_epochs=8, lr=lr, ceiling=ceiling)
    return Project.open(root)


async def _screen(pilot) -> RunsScreen:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    await until(pilot, lambda: screen.query_one(RunsTable).row_count == 2, 10, "the two runs")
    return screen


async def test_charts_overlay_the_runs_on_epochs_or_samples(project: Project) -> None:
    async with make_app(project, start="runs").run_test(size=(100, 30)) as pilot:
        screen = await _screen(pilot)
        table = screen.query_one(RunsTable)
        for row in (0, 1):
            table.move_cursor(row=row)
            await pilot.press("m")
        await pilot.press("c")
        charts = screen.query_one(RunsCharts)
        await until(pilot, lambda: charts.display and charts.drawn["miou"], what="the charts")
        miou = charts.drawn["miou"]
        assert {"r50_lr01", "r50_lr02"} <= set(miou)
        assert miou["r50_lr01"][0] == [1.0, 2.0, 3.0, 4.0]  # epochs
        # the published mIoU of the recipe's schedule, flat across the chart
        assert miou["published"][1] == [74.82, 74.82]
        assert set(charts.drawn["loss"]) == set(charts.drawn["lr"]) == {"r50_lr01", "r50_lr02"}
        await pilot.press("x")
        await until(pilot, lambda: charts.axis == "samples", what="the samples axis")
        # 10 iterations an epoch at total batch 16: epoch 4 is 640 samples seen
        assert charts.drawn["miou"]["r50_lr01"][0] == [160.0, 320.0, 480.0, 640.0]
        assert max(charts.drawn["loss"]["r50_lr02"][0]) == 640.0
        await pilot.press("x")
        await until(pilot, lambda: charts.axis == "epochs", what="back to epochs")
        await pilot.press("escape")
        await until(pilot, lambda: not charts.display, what="the view closed")


async def test_columns_chosen_apply_at_once_and_stay(project: Project) -> None:
    async with make_app(project, start="runs").run_test(size=(100, 30)) as pilot:
        screen = await _screen(pilot)
        table = screen.query_one(RunsTable)
        assert "note" in [str(c.value) for c in table.columns]
        await pilot.press("v")
        await until(pilot, lambda: isinstance(pilot.app.screen, ColumnsScreen), what="the column chooser")
        choices = pilot.app.screen.query_one(SelectionList)
        for column in ("note", "tags", "model"):
            choices.deselect(column)
        await until(pilot, lambda: "note" not in [str(c.value) for c in table.columns], what="hidden")
        await pilot.press("escape")
        await until(pilot, lambda: pilot.app.screen is screen, what="the chooser closed")
        shown = [str(c.value) for c in table.columns]
        assert "tags" not in shown and "model" not in shown and shown[:2] == ["name", "state"]
        names = "".join(str(table.get_row_at(n)[0]) for n in range(table.row_count))
        assert "r50_lr01" in names and "r50_lr02" in names
        assert pilot.app.runs_columns is not None and "note" not in pilot.app.runs_columns
        await pilot.press("1")  # another area and back: the choice stays
        await pilot.press("8")
        await until(pilot, lambda: isinstance(pilot.app.screen, RunsScreen), what="the Runs area again")
        again = pilot.app.screen.query_one(RunsTable)
        await until(pilot, lambda: again.row_count == 2, what="the rows")
        assert "note" not in [str(c.value) for c in again.columns]
        await pilot.press("e")  # the export holds what the table shows
        outputs = project.outputs_dir
        await until(pilot, lambda: list(outputs.glob("runs-*.csv")), what="the export written")
        header = next(outputs.glob("runs-*.csv")).read_text().splitlines()[0].split(",")
        assert header[:2] == ["name", "state"] and not {"note", "tags", "model"} & set(header)
