"""The job list as the Jobs screen and `vocseg-tui jobs` show it: each job with its progress,
of the open project only unless every project is asked for (see core.scope).

Reading progress means reading a log tail per job; an ended job's progress never changes, so
it is read once and cached, and the epoch total (from the dumped config) once per job. A poll
of a long job history therefore costs one SQLite query plus one tail per *active* job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.jobs.backend import backend_for
from vocseg_tui.core.jobs.progress import Progress, max_epochs, read_progress
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.status import list_jobs
from vocseg_tui.core.scope import ProjectScope, project_label


@dataclass(frozen=True)
class JobRow:
    job: Job
    progress: Progress
    attach: str | None
    """What to type to reach the job's console, if its back end has one (else None)."""
    device: str = ""
    """Where it trains, as its back end says it (the table's device column)."""
    project: str = ""
    """The project it was launched in, as the `project` column shows it."""


@dataclass(frozen=True)
class JobListing:
    """The jobs a list shows, and how many of other projects it leaves out."""

    rows: list[JobRow]
    scope: ProjectScope
    elsewhere: int
    """Jobs of other projects not in `rows` (0 when every project is shown)."""


class Overview:
    def __init__(self, registry: Registry | None = None) -> None:
        self._registry = registry
        self._ended: dict[int, Progress] = {}
        self._epochs: dict[int, int | None] = {}

    @property
    def registry(self) -> Registry:
        """Opened on first use, so a broken state dir surfaces as a JobError where it is read."""
        if self._registry is None:
            self._registry = Registry()
        return self._registry

    def rows(self, *, ask_remote: bool = True, scope: ProjectScope | None = None) -> list[JobRow]:
        """The jobs of `scope` (None: every project). `ask_remote=False`: Slurm jobs as last
        recorded (no network wait; see list_jobs)."""
        return [self._row(job) for job in list_jobs(self.registry, ask_remote=ask_remote, scope=scope)]

    def listing(self, scope: ProjectScope, *, ask_remote: bool = True) -> JobListing:
        rows = self.rows(ask_remote=ask_remote, scope=scope)
        elsewhere = 0 if scope.every_project else max(0, self.registry.count() - len(rows))
        return JobListing(rows, scope, elsewhere)

    def _row(self, job: Job) -> JobRow:
        progress = self._ended.get(job.id)
        if progress is None:
            if job.id not in self._epochs or self._epochs[job.id] is None:
                self._epochs[job.id] = max_epochs(Path(job.work_dir), job.config)
            progress = read_progress(job, self._epochs[job.id])
            if job.state.ended:
                self._ended[job.id] = progress
        backend = backend_for(job, self.registry)
        return JobRow(job, progress, backend.attach_command(job), backend.device_label(job),
                      project_label(job.project))
