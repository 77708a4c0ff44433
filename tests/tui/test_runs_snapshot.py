"""The look of the Runs screen at 100x30: the table, and the compare view of two marked runs,
pinned by SVG snapshots. The runs are synthetic, with fixed start times and file times."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.synthetic_runs import write_run
from tests.tui.waiting import until
from vocseg_tui.core.jobs import Registry
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.runs import RunsScreen
from vocseg_tui.tui.widgets.runs_table import RunsTable

STARTED = time.mktime((2026, 1, 5, 9, 30, 0, 0, 0, -1))


@pytest.fixture
def snapshot_project(snapshot_home: Path) -> Project:
    root = snapshot_home / "vocseg-snapshot-runs"
    for number, (name, lr, ceiling, epochs) in enumerate((("upernet_lr01", 0.01, 72.0, 8),
                                                         ("upernet_lr02", 0.02, 64.0, 8),
                                                         ("upernet_half", 0.005, 68.0, 5))):
        begun = STARTED + number * 86400
        run = write_run(root / "work_dirs" / name, epochs=epochs, max_epochs=8, lr=lr, ceiling=ceiling,
                        started=begun)
        for path in run.rglob("*"):
            os.utime(path, (begun + 5400, begun + 5400))
        os.utime(run, (begun + 5400, begun + 5400))
    Registry().set_run_meta(str((root / "work_dirs" / "upernet_lr01").resolve()), tags=["baseline"],
                            note="mmseg LR")
    return Project.open(root)


async def _loaded(pilot) -> RunsScreen:  # type: ignore[no-untyped-def]
    def loaded() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, RunsScreen) and screen.query_one(RunsTable).row_count == 3

    await until(pilot, loaded, 10, "the three runs")
    screen = pilot.app.screen
    assert isinstance(screen, RunsScreen)
    return screen


@pytest.mark.slow
def test_runs_table_100x30(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.pause()

    assert snap_compare(make_app(snapshot_project, start="runs"), terminal_size=(100, 30), run_before=ready)


@pytest.mark.slow
def test_runs_compare_100x30(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    async def compared(pilot) -> None:  # type: ignore[no-untyped-def]
        screen = await _loaded(pilot)
        await pilot.press("m", "down", "m", "c")
        await until(pilot, lambda: bool(screen.comparison), 10, "the compare view")
        await pilot.pause()

    app = make_app(snapshot_project, start="runs")
    assert snap_compare(app, terminal_size=(100, 30), run_before=compared)
