"""How a step of the device check ends other than with figures: skipped (it does not apply on
this machine) or failed (it ran and something is wrong). Standard library only: the install
steps use these before anything is installed."""

from __future__ import annotations


class Skip(Exception):
    """The step does not apply here; the message says why."""


class Fail(Exception):
    """The step ran and did not do what it should: what happened, and what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f" ({self.hint})" if self.hint else "")
