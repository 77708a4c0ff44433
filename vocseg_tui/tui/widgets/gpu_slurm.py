"""The GPUs screen's Slurm panel: what the cluster offers and where the user's jobs stand.

Shown only where Slurm is installed and configured (a login node usually has no GPU of its
own, so these are the GPUs the user can really get). `sinfo` and `squeue` can take seconds on
a busy controller, so the screen reads them in a periodic thread read (paused while hidden) and
hands each result to `show_view` / `show_error`. A failed read keeps the last tables and says
why in one line.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.widgets import DataTable, Static

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.slurm.cluster import (
    VOCSEG_PREFIX,
    ClusterView,
    QueuedJob,
    SlurmNode,
    SlurmPartition,
)

NODE_COLUMNS = (("where", "partition / node"), ("state", "state"), ("cpus", "CPUs free"),
                ("gpus", "GPUs free"), ("note", "note"))
JOB_COLUMNS = (("id", "job"), ("name", "name"), ("state", "state"), ("partition", "partition"),
               ("time", "time/limit"), ("gpus", "GPUs"), ("why", "where/why"))
NAME_WIDTH = 18


def _free_cell(free: int, total: int) -> Text:
    style = "dim" if not total else "bold green" if free else "red"
    return Text(f"{free}/{total}", style=style, justify="right")


def _partition_row(partition: SlurmPartition) -> list[Text]:
    most = partition.most_free_on_a_node
    return [Text(partition.name, style="bold"), Text(f"{partition.usable_nodes}/{len(partition.nodes)} up"),
            Text(str(sum(n.cpus_free for n in partition.nodes)), justify="right"),
            _free_cell(partition.gpus_free, partition.gpus_total),
            Text(f"≤ {most} on one node" if partition.gpus_total else "no GPUs", style="dim")]


def _node_row(node: SlurmNode) -> list[Text]:
    note = " ".join(filter(None, (",".join(node.gpu_types), node.reason)))
    return [Text(f"  {node.name}"), Text(node.state, style="" if node.usable else "red"),
            Text(f"{node.cpus_free}/{node.cpus_total}", justify="right"),
            _free_cell(node.gpus_free, node.gpus_total), Text(note, style="dim")]


def _job_row(job: QueuedJob) -> list[Text]:
    # vocseg-tui's own jobs: a mark instead of the common prefix, so the recipe's name fits
    name = f"◆ {job.name.removeprefix(VOCSEG_PREFIX)}" if job.is_vocseg else job.name
    name = name if len(name) <= NAME_WIDTH else name[:NAME_WIDTH - 1] + "…"
    limit = "∞" if job.limit == "UNLIMITED" else job.limit
    state_style = {"RUNNING": "green", "PENDING": "yellow"}.get(job.state, "")
    why = job.nodelist if job.state == "RUNNING" else job.reason or job.nodelist
    return [Text(job.job_id), Text(name, style="bold" if job.is_vocseg else ""),
            Text(job.state.lower(), style=state_style), Text(job.partition),
            Text(f"{job.elapsed}/{limit}"), Text(str(job.gpus), justify="right"), Text(why)]


class SlurmPanel(Vertical):
    """Summary line, partitions with their nodes, and the user's queue."""

    def __init__(self) -> None:
        super().__init__(id="slurm-panel")
        self.view: ClusterView | None = None
        self.error: VocsegError | None = None
        self.reads = 0
        self._read_at = 0.0

    def compose(self) -> ComposeResult:
        yield Static("Slurm: asking sinfo and squeue…", id="slurm-summary")
        yield DataTable(id="slurm-nodes", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="slurm-jobs", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table, columns in (("#slurm-nodes", NODE_COLUMNS), ("#slurm-jobs", JOB_COLUMNS)):
            widget = self.query_one(table, DataTable)
            for key, label in columns:
                widget.add_column(label, key=key)
        self.query_one("#slurm-nodes", DataTable).border_title = "partitions and nodes"
        self.query_one("#slurm-jobs", DataTable).border_title = "your jobs"

    def show_view(self, view: ClusterView) -> None:
        self.reads += 1
        self.error = None
        self.view = view
        self._read_at = time.time()
        self._fill_tables(view)
        self._summarize()

    def show_error(self, error: VocsegError) -> None:
        self.reads += 1
        self.error = error
        self._summarize()

    def _summarize(self) -> None:
        summary = self.query_one("#slurm-summary", Static)
        if self.error is not None:
            stale = " (tables from the last read)" if self.view is not None else ""
            summary.update(f"[red]Slurm: {escape(self.error.message)}{stale}[/red]\n"
                           f"[dim]{escape(self.error.hint)}[/dim]")
            return
        view = self.view
        if view is None:
            return
        vocseg = sum(job.is_vocseg for job in view.jobs)
        when = time.strftime("%H:%M:%S", time.localtime(self._read_at))
        summary.update(f"[b]Slurm[/b]: [b]{view.gpus_free}[/b] of {view.gpus_total} GPUs free · "
                       f"{_count(len(view.partitions), 'partition')} · your jobs: [b]{len(view.jobs)}[/b]"
                       f" ({vocseg} ◆ vocseg) · [dim]{when}[/dim]")

    def _fill_tables(self, view: ClusterView) -> None:
        nodes = self.query_one("#slurm-nodes", DataTable)
        rows = []
        for partition in view.partitions:
            rows.append(_partition_row(partition))
            rows.extend(_node_row(node) for node in partition.nodes)
        _replace_rows(nodes, rows)
        jobs = self.query_one("#slurm-jobs", DataTable)
        _replace_rows(jobs, [_job_row(job) for job in view.jobs])
        jobs.border_title = f"jobs of {view.user}" if view.jobs else f"jobs of {view.user}: none"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _replace_rows(table: DataTable[Text], rows: list[list[Text]]) -> None:
    """Rewrite the table, keeping the cursor on the same row number (the rows are few)."""
    cursor = table.cursor_row
    table.clear()
    for row in rows:
        table.add_row(*row)
    if table.row_count:
        table.move_cursor(row=min(cursor, table.row_count - 1))
