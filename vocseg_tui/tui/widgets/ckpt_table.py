"""The table of checkpoints of every run: step, validation mIoU, size, age, best/last/damaged;
with every project's runs shown, the project of each run too."""

from __future__ import annotations

import contextlib
import time

from rich.text import Text
from textual.widgets import DataTable

from vocseg_tui.core.checkpoints import Checkpoint, Run
from vocseg_tui.core.scope import project_label


def relative_age(mtime: float, now: float | None = None) -> str:
    """'just now', '5m ago', '3h ago', '2d ago': what a person scanning a list needs."""
    seconds = max(0.0, (now if now is not None else time.time()) - mtime)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def marks(ckpt: Checkpoint) -> Text:
    text = Text()
    if not ckpt.ok:
        text.append("DAMAGED", style="bold red")
        return text
    if ckpt.best:
        text.append("★ best", style="bold green")
    if ckpt.last:
        text.append(" last" if ckpt.best else "last", style="cyan")
    return text


class CheckpointTable(DataTable[object]):
    """One row per checkpoint (row key: its path); keeps the cursor on the same file on refresh."""

    COLUMNS = ("run", "checkpoint", "marks", "step", "mIoU", "size", "age")
    WITH_PROJECT = ("project", *COLUMNS)
    with_project = False

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self._add_columns()

    def _add_columns(self) -> None:
        for name in self.WITH_PROJECT if self.with_project else self.COLUMNS:
            self.add_column(name, key=name)

    def show_runs(self, runs: list[Run], *, with_project: bool = False) -> None:
        current = self.current_path()
        self.clear(columns=with_project != self.with_project)
        if with_project != self.with_project:
            self.with_project = with_project
            self._add_columns()
        for run in runs:
            for number, ckpt in enumerate(run.checkpoints):
                step = f"{ckpt.unit} {ckpt.step}" if ckpt.step is not None else "-"
                miou = f"{ckpt.miou:.2f}" if ckpt.miou is not None else "-"
                style = "dim" if not ckpt.ok else ""
                project = ([Text(project_label(run.project) if number == 0 else "", style="cyan")]
                           if with_project else [])
                self.add_row(
                    *project,
                    Text(run.name if number == 0 else "", style="bold"), Text(ckpt.name, style=style),
                    marks(ckpt), step, Text(miou, justify="right"),
                    Text(f"{ckpt.size / 2**20:.1f}M", justify="right"), relative_age(ckpt.mtime),
                    key=str(ckpt.path))
        if current is not None:
            with contextlib.suppress(Exception):  # the file is gone: stay where we are
                self.move_cursor(row=self.get_row_index(current), animate=False)

    def current_path(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return None if key.value is None else str(key.value)
