"""What the highlighted job is: command, work dir, log, and what to type to reach it."""

from __future__ import annotations

import time

from textual.markup import escape
from textual.widgets import Static

from vocseg_tui.core.jobs.notices import failed_notifications
from vocseg_tui.core.jobs.overview import JobRow
from vocseg_tui.core.shown import shown, shown_command


def describe(row: JobRow | None) -> str:
    if row is None:
        return ("[b]No jobs yet.[/b] Press [b]n[/b] to launch training of a config. Jobs run detached: "
                "they keep running when you quit this app or log out, and show up here again.")
    job = row.job
    lines = [f"[b]job {job.id}[/b] · {escape(job.name)} · attempt {job.attempt}"
             + (f" (resumes job {job.parent_id} from {escape(job.resume_from)})" if job.parent_id else ""),
             f"work dir  {escape(shown(job.work_dir))}",
             f"log       {escape(shown(job.log_path))}",
             f"command   {escape(shown_command(job.command))}"]
    if job.train_pid:
        lines.append(f"training pid {job.train_pid}" + (f", supervisor pid {job.supervisor_pid}"
                                                         if job.supervisor_pid else ""))
    if job.ended_at and job.started_at:
        lines.append(f"ran {(job.ended_at - job.started_at) / 60:.1f} min, ended "
                     f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(job.ended_at))}")
    if job.waiting_for:
        lines.append(f"[yellow]queued: waiting for {escape(job.waiting_for)}[/]")
    if job.failure:
        lines.append(f"[red]{escape(job.failure)}[/]" if job.state.is_failure else escape(job.failure))
    lines += [f"[yellow]{escape(line)}[/]" for line in failed_notifications(job.paths)[-3:]]
    if row.attach:
        lines.append(f"console: [b]{escape(row.attach)}[/b]")
    return "\n".join(lines)


class JobDetail(Static):
    def show(self, row: JobRow | None) -> None:
        self.update(describe(row))
