"""The one boundary between vocseg-tui and the GPU driver.

`NvmlBackend` is the only implementation, and it always runs: on a GPU server over the real
pynvml, and with `VOCSEG_FAKE_GPUS=/path/to/gpus.json` (tests, demos, a machine without GPUs)
over an emulated driver (`emulated_nvml`) that sits below pynvml, so what is faked is the
driver library and nothing of ours. Its source is then "fake", which the screen and the CLI
show loudly so a demo is never mistaken for the server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from vocseg_tui.core.gpus.errors import GpuBackendError, GpuQueryError, NvmlUnavailable
from vocseg_tui.core.gpus.model import GpuInfo
from vocseg_tui.core.gpus.owners import Owner

FAKE_ENV = "VOCSEG_FAKE_GPUS"

__all__ = ["FAKE_ENV", "GpuBackend", "GpuBackendError", "GpuQueryError", "NvmlUnavailable",
           "open_backend"]


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

    def owner(self, pid: int) -> Owner:
        """(user, command) of a pid on the machine whose GPUs this backend reads."""
        ...

    def close(self) -> None: ...


def open_backend() -> GpuBackend:
    """NVML over the emulated driver when VOCSEG_FAKE_GPUS names a description, else over
    the real one.

    Raises `NvmlUnavailable` on a machine without a driver, `GpuBackendError` for a bad fake.
    """
    from vocseg_tui.core.gpus.nvml import NvmlBackend

    fake = os.environ.get(FAKE_ENV)
    if fake:
        from vocseg_tui.core.gpus.emulated_nvml import EmulatedServer

        server = EmulatedServer(Path(fake).expanduser())
        return NvmlBackend(server.module, source="fake", owners=server.owner)
    return NvmlBackend()
