"""The footer shows the keys of the screen it is on, and follows them when they change,
although it rebuilds only when they do (widgets/footer.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.widgets.footer import KeysFooter


def footer_keys(screen: Screen[Any]) -> list[tuple[str, bool]]:
    return [(key.description or key.key, not key.disabled) for key in screen.query(FooterKey)]


async def test_each_area_footer_shows_its_own_keys(sample_project: Project) -> None:
    app = make_app(sample_project)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: footer_keys(app.screen), what="the Data keys")
        data = [name for name, _ in footer_keys(app.screen)]
        assert data[:4] == ["Run what is missing", "Deep verify", "Cancel", "Refresh status"]
        assert {"Help", "Quit"} <= set(data)
        await pilot.press("3")
        await until(pilot, lambda: app.current_mode == "recipe" and footer_keys(app.screen),
                    what="the Recipe keys")
        recipe = {name for name, _ in footer_keys(app.screen)}
        shown = {b.description for b in type(app.screen).BINDINGS
                 if isinstance(b, Binding) and b.show}
        assert shown <= recipe and "Run what is missing" not in recipe


class Toggling(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "go", "Go"), Binding("t", "toggle", "Toggle")]
    ready = False

    def compose(self) -> ComposeResult:
        yield Button("a", id="a")
        yield Button("b", id="b")
        yield KeysFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.ready or action != "go"  # False: the key is not shown

    def action_toggle(self) -> None:
        self.ready = not self.ready
        self.refresh_bindings()


class ToggleApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Toggling())


async def test_the_footer_follows_keys_that_change_and_survives_focus_moves() -> None:
    app = ToggleApp()
    async with app.run_test(size=(80, 12)) as pilot:
        await until(pilot, lambda: ("Toggle", True) in footer_keys(app.screen), what="the keys")
        assert "Go" not in dict(footer_keys(app.screen))
        await pilot.press("tab")  # focus moves: the keys stay
        await until(pilot, lambda: app.screen.focused is not None and app.screen.focused.id == "b",
                    what="focus on b")
        assert ("Toggle", True) in footer_keys(app.screen)
        assert "Go" not in dict(footer_keys(app.screen))
        app.screen.action_toggle()  # type: ignore[attr-defined]
        await until(pilot, lambda: ("Go", True) in footer_keys(app.screen), what="Go shown")
