"""Telling the person at the app that a job ended: a toast, the bell, and the terminal's own
notification (OSC 9 / OSC 777, built by core/notify/terminal.py), which a terminal shows even
when its window is in the background.

The app watches its project's jobs itself, whichever area is shown: a job that ends while the
user looks at the Logs or the Demo area is announced then, not when the Jobs area is next
opened. The watch starts a moment after the first frame (it loads the job registry, which the
first screen does not need) and reads in a thread, like every periodic read of the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.notices import notice_for
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.status import list_jobs
from vocseg_tui.core.jobs.transitions import Transitions
from vocseg_tui.core.notify.terminal import terminal_notification
from vocseg_tui.core.scope import ProjectScope
from vocseg_tui.tui.periodic import Periodic

if TYPE_CHECKING:
    from vocseg_tui.core.project import Project

_CALM = ("succeeded", "stopped")
WATCH_S = 3.0
"""How often the app reads its project's job states (the registry only: no Slurm round trip;
a Slurm job's end is recorded by its batch script's last step)."""


def announce(app: App[object], job: Job, event: str) -> str:
    """Show `event` of `job`; returns the terminal sequence it wrote (or would, headless)."""
    notice = notice_for(job, event)
    body = notice.message().split("\n", 1)[1] if "\n" in notice.message() else notice.message()
    app.notify(body, title=notice.title(), severity="information" if event in _CALM else "warning",
               timeout=15, markup=False)
    app.bell()
    sequence = terminal_notification(notice)
    driver = app._driver  # as App.bell writes BEL: the driver is the terminal's only writer
    if not app.is_headless and driver is not None:
        driver.write(sequence)
    return sequence


class JobWatch:
    """Reads this project's jobs every `WATCH_S` and announces each that reached a notified
    state since the last read (jobs that had ended before the app opened are old news)."""

    def __init__(self, app: App[Any], project: Project) -> None:
        self.app = app
        self.scope = ProjectScope.of(project)
        self.transitions = Transitions()
        self.registry: Registry | None = None
        self.reads = Periodic(app, WATCH_S, self._read, self._apply, self._failed,
                              what="the job registry (alerts)")

    def _read(self) -> list[Job]:
        if self.registry is None:
            self.registry = Registry()
        return list_jobs(self.registry, ask_remote=False, scope=self.scope)

    def _apply(self, jobs: list[Job]) -> None:
        for job, event in self.transitions.changed(jobs):
            announce(self.app, job, event)

    def _failed(self, error: VocsegError) -> None:
        """Said by the Jobs area, which reads the same registry; an alert is no place for it."""
