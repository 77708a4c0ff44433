"""The look of the Recipe screen at 80x24, after its first validation has come back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot

from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app

SNAPSHOT_PROJECT = Path("/tmp/vocseg-snapshot-recipe")  # fixed: the header shows the project folder


@pytest.fixture
def snapshot_project(pristine_sample: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    shutil.rmtree(SNAPSHOT_PROJECT, ignore_errors=True)
    shutil.copytree(pristine_sample, SNAPSHOT_PROJECT)
    # The weights finding names the torch hub cache: pin it so the picture is the same everywhere.
    monkeypatch.setenv("TORCH_HOME", "/tmp/vocseg-snapshot-torch")
    monkeypatch.delenv("TORCH_HUB", raising=False)
    return Project.open(SNAPSHOT_PROJECT)


async def _validated(pilot: Pilot[None]) -> None:
    await pilot.pause(0.6)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_recipe_80x24(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    app = make_app(snapshot_project, start="recipe")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_validated)
