"""The Recipe screen's derived panel shows the memory estimate of the config it renders, once
one was made for that exact text (`vocseg-tui fit`); it never starts the estimator itself."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from rich.console import Console
from textual.widgets import Static

from tests.tui.waiting import until
from vocseg_tui.core.fit.estimate import config_hash
from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe import render_config
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.recipe import RecipeScreen


def panel_text(app: object) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(app.screen.query_one("#recipe-derived", Static).content)  # type: ignore[attr-defined]
    return console.export_text()


async def test_the_derived_panel_shows_the_cached_memory_estimate(
        sample_project: Project, sample_estimated: None, isolated_state_dir: Path) -> None:
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RecipeScreen) and "LR" in panel_text(app))
        assert "memory" not in panel_text(app)
        assert isinstance(app.screen, RecipeScreen)
        text = render_config(app.screen.recipe)
    # The form renders the sample's model and batch for this project's dataset size: the
    # session's estimate of the sample (same model, batch and crop) is filed under that text.
    cache = isolated_state_dir / "fit-cache"
    (estimated,) = cache.glob("*.json")
    shutil.copy(estimated, cache / f"{config_hash(text.encode(), None, None)}.json")
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RecipeScreen) and "LR" in panel_text(app))
        assert re.search(r"memory +about 0\.01\d GiB per GPU", panel_text(app))


async def test_no_estimate_no_memory_row(sample_project: Project) -> None:
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, RecipeScreen) and "LR" in panel_text(app))
        assert "memory" not in panel_text(app)
