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


@pytest.fixture
def snapshot_project(pristine_sample: Path, monkeypatch: pytest.MonkeyPatch, snapshot_home: Path) -> Project:
    folder = snapshot_home / "vocseg-snapshot-recipe"
    shutil.copytree(pristine_sample, folder)
    # The weights finding names the torch hub cache: pin it so the picture is the same everywhere.
    monkeypatch.setenv("TORCH_HOME", "/tmp/vocseg-snapshot-torch")
    monkeypatch.delenv("TORCH_HUB", raising=False)
    return Project.open(folder)


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
