"""Waiting in pilot tests on what the screen shows, never on a fixed pause.

`pilot.pause()` without a duration returns once the app is idle (its messages handled, its
timers due so far run), so a loop over it advances exactly as fast as the app does; the
deadline only bounds how long a broken screen may take to fail the test.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot


async def until(pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 10.0,
                what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} was not reached within {timeout:g}s")
        await pilot.pause()
