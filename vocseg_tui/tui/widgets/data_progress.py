"""A labelled progress bar with rate and ETA, fed by the core's `Progress` events."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from vocseg_tui.core.data.progress import Progress, describe


class ProgressRow(Horizontal):
    """`Download  [=====     ]  812 / 1,420 MB (57%), 48.2 MB/s, ETA 0:12`."""

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(id=id, classes="progress-row")
        self._title = title

    def compose(self) -> ComposeResult:
        yield Label(self._title, classes="progress-title")
        # A known total from the start: an indeterminate bar animates, even when idle.
        yield ProgressBar(total=1, show_eta=False, show_percentage=False)
        yield Label("", classes="progress-info")

    def show(self, event: Progress, title: str | None = None) -> None:
        if title:
            self.query_one(".progress-title", Label).update(title)
        bar = self.query_one(ProgressBar)
        bar.update(total=event.total or None, progress=event.done)  # None: size unknown yet
        self.query_one(".progress-info", Label).update(describe(event))

    def finish(self, info: str) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self.query_one(".progress-info", Label).update(info)

    def reset(self, title: str, info: str = "", done: bool = False) -> None:
        self.query_one(".progress-title", Label).update(title)
        self.query_one(ProgressBar).update(total=1, progress=1 if done else 0)
        self.query_one(".progress-info", Label).update(info)
