"""The Data screen's checklist: one line per preparation step, with its state and a detail."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from vocseg_tui.core.data.progress import STEPS

ICONS = {
    "done": ("✓", "green"),
    "running": ("▶", "bold cyan"),
    "partial": ("◐", "yellow"),
    "missing": ("○", "dim"),
    "failed": ("✗", "bold red"),
    "cancelled": ("■", "yellow"),
}


class StepChecklist(Static):
    """Renders `{step: (state, detail)}`; the screen owns the state and hands it down."""

    def show(self, steps: dict[str, tuple[str, str]]) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for key, title in STEPS:
            state, detail = steps.get(key, ("missing", ""))
            icon, style = ICONS.get(state, ("?", ""))
            text.append(f"{icon} ", style=style)
            text.append(f"{title:<38}", style="" if state != "missing" else "dim")
            text.append(f"{state:<9}", style=style)
            if detail:
                text.append(f" {detail}", style="dim")
            text.append("\n")
        text.rstrip()
        self.update(text)
