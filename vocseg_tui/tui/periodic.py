"""Reading something every few seconds without ever blocking the screen or piling up threads.

Every area reads a slow source on a timer: NVML, the job registry and Slurm, the work dirs, a
growing log. The reads block (a driver, slurmctld, a network file system), so each runs in a
thread worker; a read that takes longer than the period must not start a second one; a hidden
screen must not keep reading; an unexpected error must reach the screen as a message instead of
killing the timer. `Periodic` is that rule, written once.

The result comes back as a `PeriodicRead` message, the one way thread workers hand results to
the UI here: `post_message` is thread-safe and never waits for the UI thread, where
`call_from_thread` would block the worker until the screen has drawn (and fail once the app is
closing). A screen makes its periodics with `AreaScreen.every`, which delivers their messages and
pauses them while the screen is hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.timer import Timer

from vocseg_tui.core.errors import VocsegError

T = TypeVar("T")


@dataclass
class PeriodicRead(Message):
    """One read finished: its value, or the error that stopped it."""

    periodic: Periodic[Any]
    value: Any
    error: VocsegError | None


class Periodic(Generic[T]):
    """Calls `read` in a thread every `every` seconds (one at a time) and `show` with its value.

    `failed` gets a `VocsegError` for any exception, so the screen can say what went wrong and
    keep trying; `what` names the source in the message of an unexpected one.
    """

    def __init__(self, owner: DOMNode, every: float, read: Callable[[], T],
                 show: Callable[[T], None], failed: Callable[[VocsegError], None], *,
                 what: str, hint: str = "it is read again every few seconds") -> None:
        self.owner = owner
        self.every = every
        self.read = read
        self.show = show
        self.failed = failed
        self.what = what
        self.hint = hint
        self.reads = 0
        """Reads delivered so far, failed ones included (tests and benches wait on it)."""
        self.skipped = 0
        """Ticks that found the last read still running and started none."""
        self.in_flight = False
        self._timer: Timer | None = None

    @property
    def ticking(self) -> bool:
        """True while the timer runs (started and not paused)."""
        return self._timer is not None and self._timer._active.is_set()

    def start(self, *, read_now: bool = True) -> None:
        """Starts the timer (on mount) and, unless told otherwise, reads at once."""
        self._timer = self.owner.set_interval(self.every, self.now, name=self.what)
        if read_now:
            self.now()

    def now(self) -> None:
        """Reads now, unless a read is still running (a slow source must not pile up threads)."""
        if self.in_flight:
            self.skipped += 1
            return
        self.in_flight = True
        self.owner.run_worker(self._read_in_thread, thread=True, group=f"periodic-{self.what}",
                              exit_on_error=False)

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def resume(self) -> None:
        """Restarts the timer and reads at once, so a screen shown again is current."""
        if self._timer is not None:
            self._timer.resume()
            self.now()

    def _read_in_thread(self) -> None:
        try:
            message = PeriodicRead(self, self.read(), None)
        except VocsegError as error:
            message = PeriodicRead(self, None, error)
        except Exception as error:  # a driver or file-system oddity must not freeze the screen
            message = PeriodicRead(self, None, VocsegError(f"reading {self.what} failed: {error}",
                                                           self.hint))
        self.owner.post_message(message)

    def deliver(self, message: PeriodicRead) -> None:
        """Called on the UI thread by the owner's screen."""
        self.in_flight = False
        self.reads += 1
        if message.error is not None:
            self.failed(message.error)
        else:
            self.show(message.value)
