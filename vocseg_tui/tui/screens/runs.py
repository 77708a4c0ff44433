"""The Runs screen: every run of the project in one table; filter, sort, mark, compare, tag,
export.

The list is read in a thread every few seconds (core/runs: a warm index, so a refresh costs a
few stats per run); filtering and sorting run on the rows already read. `m` marks up to six
runs and `c` shows their per-class IoU side by side, and below it the recipe and environment
keys that differ between them (read in a thread worker), above them their val mIoU, smoothed
loss and LR charts (`x` puts them on epochs or samples seen); `v` chooses the table's columns
(kept for the session); `t` tags the
highlighted run, `n` sets its note (both kept in the registry), `e` writes the table (and the
comparison when it is shown) to outputs/ and says where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.runs import compare, diff
from vocseg_tui.core.runs.export import write_exports
from vocseg_tui.core.runs.listing import list_runs
from vocseg_tui.core.runs.model import RunRow
from vocseg_tui.core.runs.query import parse_filter, sort_rows
from vocseg_tui.core.runs.series import RunSeries, compare_series
from vocseg_tui.core.runs.tags import add_tags, set_note
from vocseg_tui.core.shown import shown
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.runs_charts import AXES, RunsCharts
from vocseg_tui.tui.widgets.runs_columns import ColumnsScreen
from vocseg_tui.tui.widgets.runs_diff import RunsDiff
from vocseg_tui.tui.widgets.runs_table import HEADERS, SHOWN, RunsTable

REFRESH_S = 5.0
MAX_MARKED = 6
_SORTABLE = (*(c for c in SHOWN if c != "epochs"), "epochs_done")


@dataclass
class RunsCompared(Message):
    """The per-class table of the marked runs, or the error that stopped it."""

    table: list[compare.ClassRow]
    error: VocsegError | None = None
    diffs: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    """(title, differing keys) of the recipe and the environment (core/runs/diff.py)."""
    series: list[RunSeries] = field(default_factory=list)
    """The runs' mIoU, loss and LR curves (core/runs/series.py) for the charts."""


@dataclass
class RunsChanged(Message):
    """A tag, note or export was written: what to tell the user, or the error."""

    text: str
    error: VocsegError | None = None


class RunsScreen(AreaScreen):
    MODE = "runs"
    CSS_PATH = "runs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("m", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("s", "sort", "Sort"),
        Binding("t", "tag", "Tag"),
        Binding("n", "note", "Note"),
        Binding("e", "export", "Export"),
        Binding("x", "x_axis", "X axis"),
        Binding("v", "columns", "Columns"),
        Binding("escape", "close", "Close", show=False),
        Binding("f5", "refresh", "Refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RunRow] = []
        self.marked: list[str] = []
        """Paths of the marked runs, in the order marked."""
        self.filter_text = ""
        self.sort_key = ""
        self.comparison: list[compare.ClassRow] = []
        self.series: list[RunSeries] = []
        self.x_axis = AXES[0]
        self._asking = ""
        self.reads = self.every(REFRESH_S, self._read, self._apply, self._failed, what="the runs")

    def compose_body(self) -> ComposeResult:
        yield Static("Looking for runs…", id="runs-summary")
        yield Input(id="runs-input")
        yield RunsTable(id="runs-table")
        yield Static("", id="runs-compare-title")
        yield RunsCharts(id="runs-charts")
        yield DataTable(id="runs-compare", cursor_type="none", zebra_stripes=True)
        yield RunsDiff(id="runs-diff", cursor_type="none")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_compare(False)
        if (columns := self.vocseg_app.runs_columns) is not None:
            self.query_one(RunsTable).set_columns(columns)
        self.query_one(RunsTable).focus()
        self.reads.start()

    # --- data -------------------------------------------------------------------------------

    def _read(self) -> list[RunRow]:
        return list_runs(self.vocseg_app.project)

    def _apply(self, rows: list[RunRow]) -> None:
        self.rows = rows
        present = {r.path for r in rows}
        self.marked = [p for p in self.marked if p in present]
        self._redraw()

    def _failed(self, error: VocsegError) -> None:
        self.query_one("#runs-summary", Static).update(Text(f"{error.message} ({error.hint})", style="red"))

    def shown_rows(self) -> list[RunRow]:
        """The rows the table shows: filtered, then sorted."""
        try:
            keep = parse_filter(self.filter_text)
            rows = [r for r in self.rows if keep(r)]
            return sort_rows(rows, self.sort_key) if self.sort_key else rows
        except VocsegError:
            return self.rows

    def _redraw(self) -> None:
        rows = self.shown_rows()
        self.query_one(RunsTable).show_rows(rows, set(self.marked))
        count = f"{len(rows)} of {len(self.rows)}" if self.filter_text else f"{len(self.rows)}"
        parts = [f"{count} run(s)"]
        if self.filter_text:
            parts.append(f"filter: {self.filter_text}")
        if self.sort_key:
            arrow = " ↓" if self.sort_key.startswith("-") else ""
            parts.append(f"sorted by {self.sort_key.lstrip('-')}{arrow}")
        if self.marked:
            parts.append(f"{len(self.marked)} marked (c compares)")
        if not self.rows:
            parts = [f"No runs yet under {shown(self.vocseg_app.project.work_dirs)}: "
                     "launch training in the Jobs area (4)."]
        self.query_one("#runs-summary", Static).update(Text(" · ".join(parts)))

    def action_refresh(self) -> None:
        self.reads.now()

    def highlighted(self) -> RunRow | None:
        path = self.query_one(RunsTable).current_path()
        return next((r for r in self.rows if r.path == path), None)

    # --- filter, tag and note: one input line ----------------------------------------------

    def _ask(self, purpose: str, value: str, placeholder: str) -> None:
        field = self.query_one("#runs-input", Input)
        self._asking = purpose
        field.placeholder = placeholder
        field.value = value
        field.display = True
        field.focus()

    def action_filter(self) -> None:
        self._ask("filter", self.filter_text, "filter: mIoU>70 lr<0.01 tag:baseline state:running text")

    def action_tag(self) -> None:
        if (row := self.highlighted()) is not None:
            self._ask("tag", "", f"tags for {row.name} (space-separated)")

    def action_note(self) -> None:
        if (row := self.highlighted()) is not None:
            self._ask("note", row.note, f"note for {row.name} (empty clears it)")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        purpose, self._asking = self._asking, ""
        event.input.display = False
        self.query_one(RunsTable).focus()
        if purpose == "filter":
            try:
                parse_filter(event.value)
            except VocsegError as error:
                self.notify(f"{error.message}\n{error.hint}", severity="error", timeout=8, markup=False)
                return
            self.filter_text = event.value.strip()
            self._redraw()
        elif (row := self.highlighted()) is not None and purpose in ("tag", "note"):
            self._write_meta(row, purpose, event.value)

    def action_close(self) -> None:
        field = self.query_one("#runs-input", Input)
        if field.display:
            field.display = False
            self._asking = ""
            self.query_one(RunsTable).focus()
        elif self.query_one("#runs-compare").display:
            self._show_compare(False)

    @work(thread=True, exclusive=True, group="runs-meta", exit_on_error=False)
    def _write_meta(self, row: RunRow, purpose: str, value: str) -> None:
        try:
            if purpose == "tag":
                text = f"{row.name}: tags {' '.join(add_tags(row, value.split()))}"
            else:
                text = f"{row.name}: note {'set' if set_note(row, value.strip()) else 'cleared'}"
            self.post_message(RunsChanged(text))
        except VocsegError as error:
            self.post_message(RunsChanged("", error))

    def on_runs_changed(self, message: RunsChanged) -> None:
        if message.error is not None:
            self.notify(f"{message.error.message}\n{message.error.hint}", severity="error", timeout=8,
                        markup=False)
        else:
            self.notify(message.text, markup=False)
            self.reads.now()

    # --- mark, sort, compare, export --------------------------------------------------------

    def action_mark(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        if row.path in self.marked:
            self.marked.remove(row.path)
        elif len(self.marked) >= MAX_MARKED:
            self.notify(f"At most {MAX_MARKED} runs are compared; unmark one first.", severity="warning")
            return
        else:
            self.marked.append(row.path)
        self._redraw()

    def action_sort(self) -> None:
        """Cycle the sort column (descending for numbers, where the best sits on top)."""
        current = self.sort_key.lstrip("-")
        index = (_SORTABLE.index(current) + 1) if current in _SORTABLE else 0
        self.sort_key = "" if index >= len(_SORTABLE) else _descending(_SORTABLE[index])
        self._redraw()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        key = "epochs_done" if key == "epochs" else key
        first = _descending(key)  # a second click on the same header reverses it
        if self.sort_key == first:
            self.sort_key = first[1:] if first.startswith("-") else f"-{first}"
        else:
            self.sort_key = first
        self._redraw()

    def action_compare(self) -> None:
        if self.query_one("#runs-compare").display:
            self._show_compare(False)
            return
        chosen = [r for path in self.marked for r in self.rows if r.path == path]
        if len(chosen) < 2:
            self.notify("Mark 2 to 6 runs with m first.", severity="warning")
            return
        self._compare(chosen)

    @work(thread=True, exclusive=True, group="runs-compare", exit_on_error=False)
    def _compare(self, rows: list[RunRow]) -> None:
        try:
            table = compare.compare(rows)
            work_dirs = [Path(r.path) for r in rows]
            self.post_message(RunsCompared(table, diffs=[("recipe", diff.recipe_diff(work_dirs)),
                                                         ("environment", diff.environment_diff(work_dirs))],
                                           series=compare_series(rows)))
        except VocsegError as error:
            self.post_message(RunsCompared([], error))

    def on_runs_compared(self, message: RunsCompared) -> None:
        if message.error is not None:
            self.notify(f"{message.error.message}\n{message.error.hint}", severity="error", markup=False)
            return
        self.comparison = message.table
        table = self.query_one("#runs-compare", DataTable)
        table.clear(columns=True)
        table.add_column("run", key="run")
        for column in compare.COLUMNS:
            table.add_column(column[:8], key=column)
        best = compare.best_per_column(message.table)
        for row in message.table:
            cells = [Text(f"{v:.1f}" if (v := row.values.get(c)) is not None else "-", justify="right",
                          style="bold green" if v is not None and v == best[c] else "")
                     for c in compare.COLUMNS]
            table.add_row(Text(row.name[:24], style="bold"), *cells)
        sources = "; ".join(f"{r.name}: {r.source}" for r in message.table)
        self.query_one("#runs-compare-title", Static).update(
            Text(f"Per-class IoU (best per column in green) · {sources}"))
        self.query_one(RunsDiff).show_diffs([r.name for r in message.table], message.diffs)
        self.series = message.series
        self._show_compare(True)
        self.query_one(RunsCharts).draw(self.series, self.x_axis)

    def action_x_axis(self) -> None:
        """Epochs or samples seen on the charts' x axis (kept while the screen lives)."""
        self.x_axis = AXES[(AXES.index(self.x_axis) + 1) % len(AXES)]
        if self.series:
            self.query_one(RunsCharts).draw(self.series, self.x_axis)
        self.notify(f"Charts against {self.x_axis}" + ("" if self.series else " (c shows them)"))

    def action_columns(self) -> None:
        table = self.query_one(RunsTable)
        self.app.push_screen(ColumnsScreen([(c, HEADERS.get(c, c)) for c in SHOWN], table.shown,
                                           self._set_columns))

    def _set_columns(self, columns: tuple[str, ...]) -> None:
        self.vocseg_app.runs_columns = columns
        self.query_one(RunsTable).set_columns(columns)
        self._redraw()

    def _show_compare(self, visible: bool) -> None:
        self.query_one("#runs-compare").display = visible
        self.query_one("#runs-compare-title").display = visible
        self.query_one("#runs-diff").display = visible
        self.query_one("#runs-charts").display = visible
        if not visible:
            self.comparison = []
            self.series = []

    def action_export(self) -> None:
        self._export(self.shown_rows(), list(self.comparison), self.vocseg_app.runs_columns)

    @work(thread=True, exclusive=True, group="runs-export", exit_on_error=False)
    def _export(self, rows: list[RunRow], table: list[compare.ClassRow],
                columns: tuple[str, ...] | None) -> None:
        """The rows and columns the table shows (chosen with v), and the comparison."""
        try:
            written = write_exports(self.vocseg_app.project.outputs_dir, rows, table or None, columns)
            self.post_message(RunsChanged("Wrote " + ", ".join(shown(p) for p in written)))
        except VocsegError as error:
            self.post_message(RunsChanged("", error))


def _descending(column: str) -> str:
    return column if column in ("name", "state", "model", "tags", "note") else f"-{column}"
