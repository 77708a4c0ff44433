"""The row of area tabs at the top of every screen: shows where you are, switches on click."""

from __future__ import annotations

from textual.widgets import Tab, Tabs

from vocseg_tui.tui.screens import AREAS


class NavBar(Tabs):
    """Tabs for the areas. Not focusable: the digit keys and clicks drive it, and keyboard
    focus stays with the screen's own content."""

    can_focus = False

    def __init__(self, active: str) -> None:
        tabs = [Tab(f"{area.key} {area.title}", id=f"tab-{area.mode}") for area in AREAS]
        super().__init__(*tabs, active=f"tab-{active}", id="navbar")
        self._current = active

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        mode = (event.tab.id or "").removeprefix("tab-")
        if mode and mode != self._current:
            self.app.switch_mode(mode)
            # The screen we are on stays as it was when we come back to it.
            self.active = f"tab-{self._current}"
