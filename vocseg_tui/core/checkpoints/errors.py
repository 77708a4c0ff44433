"""Errors of the checkpoint area (the TUI and CLI show message and hint)."""

from __future__ import annotations

from vocseg_tui.core.errors import VocsegError


class CheckpointError(VocsegError):
    """A checkpoint is missing, damaged, or cannot be used for what was asked."""


class ConfirmationRequired(CheckpointError):
    """Deleting the best or the last checkpoint needs a second, explicit confirmation."""
