"""Progress events shared by the CLI and the Data screen, and a cancel flag.

Long steps report through a callback of `Event`s rather than printing, so the same core function
drives a terminal progress line, a JSON summary and the screen's progress bars. Callbacks may be
called from worker threads: consumers must be thread-safe (Textual's `call_from_thread` is).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vocseg_tui.core.data.errors import Cancelled

STEPS: tuple[tuple[str, str], ...] = (
    ("download-sbd", "Download SBD benchmark.tgz"),
    ("extract-sbd", "Extract SBD"),
    ("download-voc", "Download VOCtrainval_11-May-2012.tar"),
    ("extract-voc", "Extract VOC 2012"),
    ("convert", "Convert SBD labels to PNG"),
    ("lists", "Write aug / trainaug lists"),
    ("verify", "Verify images and labels"),
)
"""Every step in the order the pipeline runs them (SBD first so conversion overlaps VOC's download)."""
STEP_TITLES = dict(STEPS)


@dataclass(frozen=True)
class Progress:
    """How far a step is: `done` of `total` (None when unknown) in `unit`s, with rate and ETA."""

    step: str
    done: float
    total: float | None
    unit: str
    rate: float | None = None
    eta_s: float | None = None
    items: int | None = None
    """Files handled so far, where the bar itself counts bytes (extraction)."""


@dataclass(frozen=True)
class StepState:
    """A step changed state: running, done, skipped, failed, or cancelled."""

    step: str
    state: str
    detail: str = ""


Event = Progress | StepState
EventFn = Callable[[Event], None]


def ignore(_: Event) -> None:
    """The default callback: report nothing."""


class CancelToken:
    """A flag checked between chunks of work; set from any thread (the UI's cancel key, Ctrl-C)."""

    def __init__(self, parent: CancelToken | None = None) -> None:
        self._event = threading.Event()
        self._parent = parent

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._parent is not None and self._parent.cancelled)

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled()


class RateMeter:
    """Speed and ETA over a sliding window, throttled so a fast loop does not flood the UI."""

    def __init__(self, step: str, total: float | None, unit: str, emit: EventFn,
                 every_s: float = 0.1, start: float = 0.0) -> None:
        self.step, self.total, self.unit, self._emit = step, total, unit, emit
        self._every = every_s
        self._samples: list[tuple[float, float]] = [(time.monotonic(), start)]
        self._last_emit = 0.0
        self.done = start

    def update(self, done: float, force: bool = False, items: int | None = None) -> None:
        self.done = done
        now = time.monotonic()
        if not force and now - self._last_emit < self._every:
            return
        self._last_emit = now
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > 3.0:
            self._samples.pop(0)
        (t0, d0) = self._samples[0]
        rate = (done - d0) / (now - t0) if now > t0 else None
        eta = None
        if rate and self.total is not None and rate > 0:
            eta = max(0.0, (self.total - done) / rate)
        self._emit(Progress(self.step, done, self.total, self.unit, rate, eta, items))


def describe(event: Progress) -> str:
    """`1,234 / 2,000 MB (62%), 48.1 MB/s, ETA 0:16`: the one wording of progress everywhere."""
    scale, unit = (1e6, "MB") if event.unit == "bytes" else (1.0, event.unit)
    text = f"{event.done / scale:,.0f}"
    if event.total:
        text += f" / {event.total / scale:,.0f} {unit} ({100 * event.done / event.total:.0f}%)"
    else:
        text += f" {unit}"
    if event.items is not None:
        text += f", {event.items:,} files"
    if event.rate:
        text += f", {event.rate / scale:,.1f} {unit}/s"
    if event.eta_s is not None and event.total and event.done < event.total:
        text += f", ETA {int(event.eta_s) // 60}:{int(event.eta_s) % 60:02d}"
    return text
