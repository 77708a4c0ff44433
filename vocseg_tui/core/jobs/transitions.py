"""Which jobs changed to a state worth telling a person about, between two reads of the list.

The app's counterpart of the supervisor's notices: while it is open it shows a toast, rings
the bell and sends the terminal's own notification (core/notify/terminal.py) for these.
The first read only remembers: a job that ended before the app opened is old news.
"""

from __future__ import annotations

from collections.abc import Iterable

from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.jobs.states import JobState

_EVENTS = {JobState.SUCCEEDED: "succeeded", JobState.FAILED: "failed", JobState.STOPPED: "stopped",
           JobState.LOST: "lost"}
DIVERGED_PREFIX = "loss became "
"""How the NaN guard's failure summary starts (core/jobs/failure.py)."""


def event_of(job: Job) -> str | None:
    """The notice event a job's current state means (None: nothing to tell)."""
    event = _EVENTS.get(job.state)
    if event == "failed" and job.failure.startswith(DIVERGED_PREFIX):
        return "diverged"
    return event


class Transitions:
    """Remembers each job's state; `changed` returns the jobs that reached a notified one."""

    def __init__(self) -> None:
        self._seen: dict[int, JobState] | None = None

    def changed(self, jobs: Iterable[Job]) -> list[tuple[Job, str]]:
        jobs = list(jobs)
        before, self._seen = self._seen, {job.id: job.state for job in jobs}
        if before is None:
            return []
        found = []
        for job in jobs:
            event = event_of(job)
            if event is not None and before.get(job.id, JobState.QUEUED) != job.state:
                found.append((job, event))
        return found
