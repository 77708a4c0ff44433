"""The look of the Logs screen on the checked-in capture of a real sample training: the log at
120x36, the Curves tab at 80x24 and 120x40 (every chart inside its pane, nothing cut off)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual_plotext import PlotextPlot

from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.logs import LogsScreen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
# A fixed path, because the header and the status line show it.


@pytest.fixture
def snapshot_project(snapshot_home: Path) -> Project:
    folder = snapshot_home / "vocseg-logs-snapshot-project"
    run = folder / "work_dirs" / "sample_tiny" / "20261124_153501"
    (run / "vis_data").mkdir(parents=True)
    shutil.copy(FIXTURES / "mmengine_run.log", run / "20261124_153501.log")
    shutil.copy(FIXTURES / "scalars.json", run / "vis_data" / "scalars.json")
    return Project.open(folder)


def _screen(pilot: Pilot[None]) -> LogsScreen | None:
    screen = pilot.app.screen
    return screen if isinstance(screen, LogsScreen) else None


async def _loaded(pilot: Pilot[None]) -> None:
    def ready() -> bool:
        screen = _screen(pilot)
        return bool(screen and screen.current
                    and screen.caches[screen.current].feed.history.best_val is not None)

    await until(pilot, ready, what="the whole log")
    await pilot.wait_for_scheduled_animations()


async def _curves(pilot: Pilot[None]) -> None:
    await _loaded(pilot)
    await pilot.press("t")
    screen = _screen(pilot)
    assert screen is not None
    await until(pilot, lambda: "best 28.95" in str(screen.query_one("#chart-miou", PlotextPlot).render()),
                what="the curves")
    await pilot.wait_for_scheduled_animations()


def test_logs_120x36(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(snapshot_project, start="logs"), terminal_size=(120, 36),
                        run_before=_loaded)


def test_curves_80x24(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(snapshot_project, start="logs"), terminal_size=(80, 24),
                        run_before=_curves)


def test_curves_120x40(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(snapshot_project, start="logs"), terminal_size=(120, 40),
                        run_before=_curves)
