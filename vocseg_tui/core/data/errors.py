"""The errors of data preparation, each with a hint the user can act on."""

from __future__ import annotations

from vocseg_tui.core.errors import VocsegError


class DataError(VocsegError):
    """The data could not be prepared (bad archive, unreachable mirror, wrong counts...)."""


class ChecksumError(DataError):
    """A downloaded or local archive does not have the expected md5."""


class UnsafeArchiveError(DataError):
    """An archive member would write outside its target folder; nothing was extracted."""


class Cancelled(DataError):
    """The user cancelled; partial downloads are kept so the next run resumes."""

    def __init__(self) -> None:
        super().__init__("cancelled", "run it again to resume where it stopped")
