"""The look of the Logs screen on the checked-in capture of a real sample training."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.logs import LogsScreen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
# A fixed path, because the header and the status line show it.
SNAPSHOT_PROJECT = Path("/tmp/vocseg-logs-snapshot-project")


@pytest.fixture
def snapshot_project() -> Project:
    shutil.rmtree(SNAPSHOT_PROJECT, ignore_errors=True)
    run = SNAPSHOT_PROJECT / "work_dirs" / "sample_tiny" / "20261124_153501"
    (run / "vis_data").mkdir(parents=True)
    shutil.copy(FIXTURES / "mmengine_run.log", run / "20261124_153501.log")
    shutil.copy(FIXTURES / "scalars.json", run / "vis_data" / "scalars.json")
    return Project.open(SNAPSHOT_PROJECT)


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        screen = pilot.app.screen
        if isinstance(screen, LogsScreen) and screen.current and \
                screen.caches[screen.current].feed.history.best_val is not None:
            break
        await pilot.pause(0.1)
    await pilot.pause(0.3)


def test_logs_120x36(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(snapshot_project, start="logs"), terminal_size=(120, 36),
                        run_before=_loaded)
