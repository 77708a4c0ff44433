"""The job list: one row per job, keyed by job id, so the cursor stays on the job it was on.
A `project` column joins the others while every project's jobs are shown."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import DataTable

from vocseg_tui.core.jobs.overview import JobRow
from vocseg_tui.core.jobs.states import JobState

COLUMNS = (("id", "ID"), ("state", "state"), ("name", "config"), ("device", "device"),
           ("progress", "progress"), ("eta", "ETA"), ("loss", "loss"), ("miou", "mIoU"),
           ("age", "started"), ("detail", "detail"))
WITH_PROJECT = (COLUMNS[0], ("project", "project"), *COLUMNS[1:])
STATE_STYLE = {JobState.QUEUED: "yellow", JobState.RUNNING: "bold green", JobState.SUCCEEDED: "green",
               JobState.FAILED: "bold red", JobState.STOPPED: "magenta", JobState.LOST: "red",
               JobState.ORPHANED: "bold yellow"}


def _age(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m ago"
    if seconds < 129600:
        return f"{seconds / 3600:.0f}h ago"
    return f"{seconds / 86400:.0f}d ago"


def cells(row: JobRow, now: float, *, with_project: bool = False) -> list[Text]:
    job, p = row.job, row.progress
    device = row.device
    detail = job.waiting_for or job.failure or (row.attach or "")
    if job.parent_id and not detail:
        detail = f"resumes #{job.parent_id}"
    if job.state is JobState.FAILED and job.exit_code is not None:
        detail = f"exit {job.exit_code}: {detail}"
    project = [Text(row.project, style="cyan")] if with_project else []
    return [
        Text(str(job.id), justify="right"),
        *project,
        Text(job.state.value, style=STATE_STYLE.get(job.state, "")),
        Text(job.name),
        Text(device),
        Text(p.label() or "-"),
        Text(p.eta if job.state.is_active and p.eta else "-"),
        Text(f"{p.loss:.3f}" if p.loss is not None else "-", justify="right"),
        Text(f"{p.miou:.1f}" if p.miou is not None else "-", justify="right"),
        Text(_age(now - (job.started_at or job.created_at))),
        Text(detail[:70], style="dim" if not job.failure else "red"),
    ]


class JobTable(DataTable[Text]):
    def __init__(self) -> None:
        super().__init__(id="job-table", cursor_type="row", zebra_stripes=True)
        self.with_project = False

    @property
    def columns_shown(self) -> tuple[tuple[str, str], ...]:
        return WITH_PROJECT if self.with_project else COLUMNS

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label in self.columns_shown:
            self.add_column(label, key=key)

    @property
    def highlighted_id(self) -> int | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(row_key.value or 0)

    def show(self, rows: list[JobRow], *, with_project: bool = False) -> None:
        now = time.time()
        keys = [str(r.job.id) for r in rows]
        if with_project != self.with_project or [str(k.value) for k in self.rows] != keys:
            current = self.highlighted_id
            self.clear(columns=with_project != self.with_project)
            if with_project != self.with_project:
                self.with_project = with_project
                self._add_columns()
            for row in rows:
                self.add_row(*cells(row, now, with_project=with_project), key=str(row.job.id))
            if current is not None and str(current) in keys:
                self.move_cursor(row=keys.index(str(current)))
            return
        for row in rows:
            for (column, _), value in zip(self.columns_shown, cells(row, now, with_project=with_project),
                                          strict=True):
                if self.get_cell(str(row.job.id), column) != value:
                    self.update_cell(str(row.job.id), column, value, update_width=True)
