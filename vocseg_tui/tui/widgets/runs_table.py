"""The Runs table: one row per run (row key: its path), marked runs flagged, the cursor kept on
the same run across refreshes."""

from __future__ import annotations

import contextlib

from rich.text import Text
from textual.widgets import DataTable

from vocseg_tui.core.logs.controls import escape_controls
from vocseg_tui.core.runs.export import cell
from vocseg_tui.core.runs.model import RunRow

SHOWN = ("name", "state", "best_miou", "best_epoch", "vs_published", "last_miou", "epochs", "lr",
         "total_batch", "tags", "note", "model", "wall_s", "started", "mAcc", "aAcc")
"""What decides between runs first (a 100-column terminal shows up to the tags), the rest after."""
HEADERS = {"total_batch": "batch", "best_miou": "best mIoU", "best_epoch": "@ep", "vs_published": "vs pub",
           "last_miou": "last", "wall_s": "wall", "epochs": "epochs"}
_STATE_STYLE = {"running": "bold green", "failed": "red", "lost": "red", "missing": "red",
                "queued": "yellow", "succeeded": "green", "done": "green"}


def _wall(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class RunsTable(DataTable[object]):
    """The runs as rows; `marked` paths show a ● before their name."""

    shown: tuple[str, ...] = SHOWN
    """The columns shown, in SHOWN's order (`set_columns`)."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self._add_columns()

    def _add_columns(self) -> None:
        for name in self.shown:
            self.add_column(HEADERS.get(name, name), key=name)

    def set_columns(self, columns: tuple[str, ...]) -> None:
        """Show only `columns` (name always); the rows are drawn again by the next show_rows."""
        self.shown = tuple(c for c in SHOWN if c == "name" or c in columns)
        self.clear(columns=True)
        self._add_columns()

    def show_rows(self, rows: list[RunRow], marked: set[str]) -> None:
        current = self.current_path()
        self.clear()
        for row in rows:
            data = row.to_json()
            data["epochs"] = f"{data['epochs_done']}/{data['max_epochs'] or '?'}"
            cells: list[Text] = []
            for name in self.shown:
                text = _wall(row.wall_s) if name == "wall_s" else cell(name, data.get(name))
                text = escape_controls(text)[:32]
                if name == "name":
                    cells.append(Text(("● " if row.path in marked else "  ") + text, style="bold"))
                elif name == "state":
                    cells.append(Text(text, style=_STATE_STYLE.get(text, "")))
                else:
                    numeric = name not in ("model", "tags", "note", "started")
                    cells.append(Text(text or "-", justify="right" if numeric else "left"))
            self.add_row(*cells, key=row.path)
        if current is not None:
            with contextlib.suppress(Exception):  # the run is filtered out: stay where we are
                self.move_cursor(row=self.get_row_index(current), animate=False)

    def current_path(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:
            return None
