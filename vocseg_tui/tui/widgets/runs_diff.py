"""Below the per-class table of the compare view: what else differs between the marked runs,
the recipe (`vocseg_recipe`) and then the environment (each run's newest reproducibility
record), one row per differing key (core/runs/diff.py computes them)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from vocseg_tui.core.logs.controls import escape_controls
from vocseg_tui.core.runs.diff import no_records

_WIDTH = 28


def _cell(value: Any) -> Text:
    if value is None:
        return Text("-", style="dim")
    return Text(escape_controls(str(value))[:_WIDTH])


class RunsDiff(DataTable[object]):
    """One section row per diff ("recipe", "environment"), then its keys, a column per run."""

    def show_diffs(self, names: list[str], sections: list[tuple[str, list[dict[str, Any]]]]) -> None:
        self.clear(columns=True)
        self.add_column("differs", key="key")
        for index, name in enumerate(names):
            self.add_column(escape_controls(name)[:_WIDTH], key=f"run-{index}")
        for title, rows in sections:
            summary = f"{title}: {len(rows)} differ" if rows else f"{title}: the same"
            if no_records(rows):
                summary, rows = f"{title}: no reproducibility record", []
            self.add_row(Text(summary, style="bold"), *(Text("") for _ in names))
            for row in rows:
                self.add_row(Text("  " + escape_controls(str(row["key"]))[:_WIDTH]),
                             *(_cell(v) for v in row["values"]))
