"""What happened to a job, as a `Notice`: its text for people and its fields for machines."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

from vocseg_tui.core.errors import VocsegError

EVENTS = ("succeeded", "failed", "stopped", "lost", "diverged", "best", "started", "resubmitted")
"""Everything a channel may ask for with `--on`."""
DEFAULT_EVENTS = ("succeeded", "failed", "diverged", "lost")
"""What a channel gets when it names none: the ends of a run that need a person."""

_HEADLINES = {
    "succeeded": "succeeded",
    "failed": "failed",
    "stopped": "was stopped",
    "lost": "was lost (its supervisor is gone)",
    "diverged": "diverged (the loss is no longer finite)",
    "best": "reached a new best mIoU",
    "started": "started (it got its devices)",
    "resubmitted": "was resubmitted (time limit)",
}


_CONTROLS = {c: " " for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}


def one_line(text: str) -> str:
    """`text` with its control characters (newlines, ESC, BEL, ...) as spaces.

    A run name or a log line must not break a header, a mail subject, or drive the terminal
    that shows the message."""
    return text.translate(_CONTROLS)


class NotifyError(VocsegError):
    """A notification channel or event given by the user is not usable."""


def parse_events(text: str | None) -> tuple[str, ...]:
    """The events of a comma-separated `--on` value (None: the defaults), in EVENTS order."""
    if text is None:
        return DEFAULT_EVENTS
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in EVENTS]
    if unknown or not names:
        what = ", ".join(unknown) if unknown else repr(text)
        raise NotifyError(f"unknown event {what}" if unknown else f"--on {what} names no event",
                          f"choose from {', '.join(EVENTS)} (comma-separated)")
    return tuple(event for event in EVENTS if event in names)


def _duration(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


@dataclass(frozen=True)
class Notice:
    """One thing that happened to one job, with what a person needs to act on it."""

    event: str
    job: int
    run: str
    host: str
    state: str
    epoch: int | None = None
    max_epochs: int | None = None
    best_miou: float | None = None
    best_epoch: int | None = None
    wall_s: float | None = None
    log: str = ""
    diagnosis: str | None = None
    """The one-line failure diagnosis (a failed or diverged run)."""
    last_error: str | None = None
    """The last error line of the log."""
    test: bool = False
    """Sent by `vocseg-tui notify test`, not by a job."""

    def title(self) -> str:
        """A short headline: a notification's title, a mail's subject."""
        prefix = "[test] " if self.test else ""
        headline = _HEADLINES.get(self.event, self.event)
        return one_line(f"{prefix}vocseg-tui: job {self.job} {self.run} {headline}")

    def message(self) -> str:
        """The human text: what happened, where, how far it got, and what to run next."""
        lines = [self.title()]
        if self.test:
            lines.append("This is a test message from `vocseg-tui notify test`.")
        lines.append(f"job {self.job}, run {self.run}, host {self.host}, state {self.state}")
        if self.epoch is not None:
            planned = f" of {self.max_epochs}" if self.max_epochs is not None else ""
            lines.append(f"epoch {self.epoch}{planned}")
        if self.best_miou is not None:
            at = f" at epoch {self.best_epoch}" if self.best_epoch is not None else ""
            lines.append(f"best mIoU {self.best_miou:.2f}{at}")
        if self.wall_s is not None:
            lines.append(f"wall time {_duration(self.wall_s)}")
        if self.event in ("failed", "diverged") or self.state == "failed":
            if self.diagnosis:
                lines.append(f"diagnosis: {self.diagnosis}")
            if self.last_error:
                lines.append(f"last error: {self.last_error}")
        if self.log:
            lines.append(f"log: {self.log}")
        lines.append(f"next: vocseg-tui logs {self.job}")
        if self.event in ("failed", "stopped", "lost", "diverged"):
            lines.append(f"      vocseg-tui resume {self.job}")
        return "\n".join(one_line(line) for line in lines)

    def fields(self) -> dict[str, Any]:
        """The generic JSON object a `generic` webhook receives."""
        return {
            "event": self.event, "job": self.job, "run": self.run, "host": self.host,
            "state": self.state, "epoch": self.epoch, "max_epochs": self.max_epochs,
            "best_miou": self.best_miou, "best_epoch": self.best_epoch, "wall_s": self.wall_s,
            "log": self.log, "message": self.message(),
        }


def trial_notice() -> Notice:
    """What `notify test` sends: a made-up finished run, marked as a test."""
    return Notice(event="succeeded", job=0, run="notify-test", host=socket.gethostname(),
                  state="succeeded", epoch=3, max_epochs=3, best_miou=42.0, best_epoch=3,
                  wall_s=754.0, log="work_dirs/notify-test/train.log", test=True)
