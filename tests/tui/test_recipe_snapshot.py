"""The look of the Recipe screen at 80x24, after its first validation has come back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.recipe import RecipeScreen

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
    """The first validation and the ETA's read of the work dir have come back."""
    screen = pilot.app.screen
    assert isinstance(screen, RecipeScreen)
    await until(pilot, lambda: not screen.check_pending, what="the debounced check")
    await pilot.app.workers.wait_for_complete()
    await pilot.wait_for_scheduled_animations()


def test_recipe_80x24(snap_compare, snapshot_project: Project) -> None:  # type: ignore[no-untyped-def]
    app = make_app(snapshot_project, start="recipe")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_validated)
