"""Waiting outside the app on a condition (a job state, a file, a line), never on a fixed time.

The one synchronous counterpart of `tests/tui/waiting.until` (which waits inside a pilot): each
test names what it waits for, the poll interval is only how often it looks, and the deadline only
bounds how long a broken run may take to fail, with a message that says what never happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 60.0, what: str = "the condition",
               interval: float = 0.1, describe: Callable[[], str] | None = None) -> T:
    """Return the condition's first truthy value; fail after `timeout` seconds naming `what`.

    `describe` adds context to the failure (a job's log tail, the screen), read only on failure.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f":\n{describe()}" if describe is not None else ""
            raise AssertionError(f"{what} did not happen within {timeout:g}s{detail}")
        time.sleep(interval)
