"""The app shell driven as a user would: keys, clicks, the palette, help, quitting."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette

from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens import AREAS
from vocseg_tui.tui.screens.help import HelpScreen
from vocseg_tui.tui.widgets.navbar import NavBar


@pytest.mark.parametrize("area", AREAS, ids=[a.mode for a in AREAS])
async def test_each_area_opens_with_its_key(sample_project: Project, area) -> None:  # type: ignore[no-untyped-def]
    app = make_app(sample_project)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(area.key)
        await pilot.pause()
        assert app.current_mode == area.mode
        assert type(app.screen).__name__ == area.class_name
        assert area.title in app.screen.title
        assert app.screen.query_one(NavBar).active == area.mode


async def test_clicking_a_tab_switches_area(sample_project: Project) -> None:
    app = make_app(sample_project)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.click(NavBar, offset=(app.screen.query_one(NavBar).span("jobs")[0] + 1, 0))
        await pilot.pause()
        assert app.current_mode == "jobs"
        await pilot.click(NavBar, offset=(app.screen.query_one(NavBar).span("gpus")[1] - 1, 1))
        await pilot.pause()
        assert app.current_mode == "gpus"


async def test_command_palette_reaches_an_area(sample_project: Project) -> None:
    app = make_app(sample_project)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to Checkpoints")

        def checkpoints_highlighted() -> bool:
            if not isinstance(app.screen, CommandPalette):
                return False
            option = app.screen.query_one(CommandList).highlighted_option
            return option is not None and "Checkpoints" in str(option.prompt)

        await until(pilot, checkpoints_highlighted, what="the palette offering Checkpoints")
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_mode == "checkpoints"


async def test_help_lists_areas_and_keys_and_closes(sample_project: Project) -> None:
    app = make_app(sample_project)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        for area in AREAS:
            assert area.title in text
        assert "never stops training" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_area_state_survives_switching_away(sample_project: Project) -> None:
    app = make_app(sample_project)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        recipe_screen = app.screen
        await pilot.press("1", "3")
        await pilot.pause()
        assert app.screen is recipe_screen


async def test_q_quits(sample_project: Project) -> None:
    app = make_app(sample_project)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_light_theme_is_applied(sample_project: Project) -> None:
    app = make_app(sample_project, theme="light")
    async with app.run_test(size=(80, 24)):
        assert app.theme == "textual-light"
        assert app.current_theme.dark is False
