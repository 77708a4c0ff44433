"""What can go wrong when reading the GPUs, in one module that imports nothing of the package.

The backends (`nvml`, `emulated_nvml`) raise these and `backend.open_backend` chooses between
the backends; keeping the classes here lets each of them import the errors at the top without
an import cycle through `backend`.
"""

from __future__ import annotations

from vocseg_tui.core.errors import VocsegError


class GpuBackendError(VocsegError):
    """The GPU backend could not be used at all (a broken VOCSEG_FAKE_GPUS description)."""


class NvmlUnavailable(GpuBackendError):
    """No driver, no NVML library, or NVML refused to start: the machine is CPU only."""


class GpuQueryError(Exception):
    """One GPU failed its query; the others are still readable. Carries the row's text and
    whatever identity of the GPU was known before it failed."""

    def __init__(self, message: str, *, name: str = "?", uuid: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.uuid = uuid
