"""The legend beside the overlay: one coloured swatch per class the model found."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static


def legend_text(entries: list[dict[str, Any]]) -> Text:
    """Swatch, class name and share of the image, most pixels first (background untinted)."""
    text = Text()
    if not entries:
        return Text("no result yet", style="dim")
    for entry in entries:
        r, g, b = entry["color"]
        swatch_style = "on #000000" if entry["index"] == 0 else f"on rgb({r},{g},{b})"
        text.append("   ", style=swatch_style)
        note = " (not tinted)" if entry["index"] == 0 else ""
        text.append(f" {entry['name']:<12} {entry['share']:>6.1%}{note}\n")
    return text


class DemoLegend(Static):
    """Shows `legend_text` of the latest demo."""

    def show(self, entries: list[dict[str, Any]]) -> None:
        self.update(legend_text(entries))
