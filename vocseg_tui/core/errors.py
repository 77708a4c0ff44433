"""Errors a user can act on.

Every failure that reaches a person carries a message (what went wrong) and a hint (what to
do about it). The TUI shows both in a notification; the CLI prints them to stderr and exits 2.
A traceback reaching the user is a bug, so code raises these instead of bare exceptions.
"""

from __future__ import annotations


class VocsegError(Exception):
    """A failure with a message and a hint the user can act on."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ProjectError(VocsegError):
    """The project folder is missing, unreadable, or not a project."""


class SampleError(VocsegError):
    """The sample project could not be created."""
