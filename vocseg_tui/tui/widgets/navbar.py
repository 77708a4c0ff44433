"""The row of area tabs at the top of every screen: shows where you are, switches on click.

One widget that draws every tab itself (a line of labels over an underline bar, the active
area lit), rather than Textual's `Tabs`, which mounts, styles and lays out a widget per tab
and an underline widget: on the first screen that was a fifth of the time to the first frame
(bench/startup.py), for a row that only ever shows seven fixed labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.widget import Widget

from vocseg_tui.tui.screens import AREAS

if TYPE_CHECKING:
    from textual import events
    from textual.app import RenderResult

PADDING = 1
"""Blank cells either side of a label, as Textual's tabs have."""


def tab_spans() -> dict[str, tuple[int, int]]:
    """Each area's mode -> its tab's first cell and the cell after its last."""
    spans, start = {}, 0
    for area in AREAS:
        width = len(f"{area.key} {area.title}") + 2 * PADDING
        spans[area.mode] = (start, start + width)
        start += width
    return spans


class NavBar(Widget):
    """Tabs for the areas. Not focusable: the digit keys and clicks drive it, and keyboard
    focus stays with the screen's own content."""

    DEFAULT_CSS = """
    NavBar {
        height: 2;
        & > .navbar--tab { color: $foreground 50%; }
        & > .navbar--hover { color: $foreground; }
        & > .navbar--active { color: $foreground; text-style: bold; }
        & > .navbar--bar { color: $block-cursor-background; background: $foreground 10%; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"navbar--tab", "navbar--hover", "navbar--active", "navbar--bar"}

    can_focus = False
    ALLOW_SELECT = False
    hovered: reactive[str | None] = reactive(None)

    def __init__(self, active: str) -> None:
        super().__init__(id="navbar")
        self.active = active
        """The mode of the area this bar belongs to (it never changes: each area has its own)."""
        self._spans = tab_spans()

    def span(self, mode: str) -> tuple[int, int]:
        """The cells `mode`'s tab covers, first and one past the last (for clicks and tests)."""
        return self._spans[mode]

    def mode_at(self, x: int) -> str | None:
        """The area whose tab covers cell `x`, if any."""
        return next((mode for mode, (start, end) in self._spans.items() if start <= x < end), None)

    def render(self) -> RenderResult:
        labels = Text(no_wrap=True, overflow="crop")
        styles = {name: self.get_component_rich_style(f"navbar--{name}")
                  for name in ("tab", "hover", "active")}
        for area in AREAS:
            name = "active" if area.mode == self.active else "hover" if area.mode == self.hovered else "tab"
            pad = " " * PADDING
            labels.append(f"{pad}{area.key} {area.title}{pad}", style=styles[name])
        bar = self.get_component_rich_style("navbar--bar")
        start, end = self._spans[self.active]
        underline = Bar(highlight_range=(start, end), highlight_style=Style.from_color(bar.color),
                        background_style=Style.from_color(bar.bgcolor))
        return Group(labels, underline)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self.mode_at(event.x)

    def on_leave(self, event: events.Leave) -> None:
        self.hovered = None

    def on_click(self, event: events.Click) -> None:
        event.stop()
        mode = self.mode_at(event.x)
        if mode and mode != self.active:
            self.app.switch_mode(mode)
