"""Telling the person at the app that a job ended: a toast, the bell, and the terminal's own
notification (OSC 9 / OSC 777, built by core/notify/terminal.py), which a terminal shows even
when its window is in the background.
"""

from __future__ import annotations

from textual.app import App

from vocseg_tui.core.jobs.notices import notice_for
from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.notify.terminal import terminal_notification

_CALM = ("succeeded", "stopped")


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
