"""The one boundary between vocseg-tui and the GPU driver, small enough to fake.

Everything above it (owners, selection, history, the screen, the CLI) is real code that tests
drive through `FakeBackend`; `NvmlBackend` is the only implementation that talks to NVML.
`VOCSEG_FAKE_GPUS=/path/to/gpus.json` swaps in the fake everywhere, for tests and demos on a
machine without GPUs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.gpus.model import GpuInfo

FAKE_ENV = "VOCSEG_FAKE_GPUS"


class GpuBackendError(VocsegError):
    """The GPU backend could not be used at all."""


class NvmlUnavailable(GpuBackendError):
    """No driver, no NVML library, or NVML refused to start: the machine is CPU only."""


class GpuQueryError(Exception):
    """One GPU failed its query; the others are still readable. Carries the row's text and
    whatever identity of the GPU was known before it failed."""

    def __init__(self, message: str, *, name: str = "?", uuid: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.uuid = uuid


class GpuBackend(Protocol):
    """What the inventory needs from the driver. Implementations raise `GpuQueryError` from
    `read` for a GPU that fails, and nothing else for a single GPU's trouble."""

    source: str
    """"nvml" or "fake": shown to the user so a demo is never mistaken for the server."""

    def driver_version(self) -> str: ...

    def count(self) -> int: ...

    def read(self, index: int) -> GpuInfo:
        """The GPU's readings and its processes (pid and GPU memory; owners are filled later)."""
        ...

    def close(self) -> None: ...


def open_backend() -> GpuBackend:
    """The fake when VOCSEG_FAKE_GPUS names a description, else NVML.

    Raises `NvmlUnavailable` on a machine without a driver, `GpuBackendError` for a bad fake.
    """
    fake = os.environ.get(FAKE_ENV)
    if fake:
        from vocseg_tui.core.gpus.fake import FakeBackend

        return FakeBackend(Path(fake).expanduser())
    from vocseg_tui.core.gpus.nvml import NvmlBackend

    return NvmlBackend()
