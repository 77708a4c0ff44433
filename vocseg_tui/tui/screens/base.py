"""The frame every area screen shares: header, area tabs, the area's body, footer."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, Static

from vocseg_tui.tui.screens import AREAS_BY_MODE
from vocseg_tui.tui.widgets.footer import KeysFooter
from vocseg_tui.tui.widgets.navbar import NavBar


class AreaScreen(Screen[None]):
    """Base class of the area screens. Subclasses set MODE and implement `compose_body`."""

    MODE: ClassVar[str] = ""

    def compose(self) -> ComposeResult:
        yield Header(icon="▦")
        yield NavBar(self.MODE)
        with Vertical(id="body"):
            yield from self.compose_body()
        yield KeysFooter()

    def compose_body(self) -> ComposeResult:
        yield Static("")

    def on_mount(self) -> None:
        area = AREAS_BY_MODE[self.MODE]
        self.title = f"vocseg-tui · {area.title}"
