"""The help screen (`?`): the areas, the global keys, and the keys of the screen you were on.

Generated from the bindings themselves, so it can never disagree with the footer.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from vocseg_tui.tui.screens import AREAS


def _keys_of(bindings: list[Binding]) -> str:
    # Hidden bindings too: the footer leaves some out for room, help must not.
    shown = [b for b in bindings if b.description and not b.action.startswith("switch_mode")]
    return "\n".join(f"  [b]{b.key_display or b.key:>6}[/b]  {b.description}" for b in shown)


class HelpScreen(ModalScreen[None]):
    """A modal over the current screen; any of escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help"),
    ]

    def __init__(self, underlying: Screen[object] | None) -> None:
        super().__init__(id="help")
        self._underlying = underlying

    def compose(self) -> ComposeResult:
        areas = "\n".join(
            f"  [b]{area.key:>6}[/b]  {area.title:<12} {area.summary}" for area in AREAS
        )
        app_keys = _keys_of([b for b in self.app.BINDINGS if isinstance(b, Binding)])
        screen_keys = ""
        if self._underlying is not None:
            own = [b for b in self._underlying.BINDINGS if isinstance(b, Binding)]
            if own:
                screen_keys = f"\n\n[b]This screen[/b]\n{_keys_of(own)}"
        with VerticalScroll(id="help-body"):
            yield Static(
                f"[b]Areas[/b] (digit keys, click a tab, or ctrl+p)\n{areas}\n\n"
                f"[b]Everywhere[/b]\n{app_keys}{screen_keys}\n\n"
                "Jobs run detached: quitting the app (q) never stops training.",
                id="help-text",
            )
