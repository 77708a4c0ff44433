"""The demo's error type, apart so that every demo module can raise it without import cycles."""

from __future__ import annotations

from vocseg_tui.core.errors import VocsegError


class DemoError(VocsegError):
    """The demo could not run: bad image, bad checkpoint, no config dump, worker failure."""
