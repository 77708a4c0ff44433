"""The GPUs of this machine: inventory over NVML (over an emulated driver for tests and
demos), owners of their processes, and the rules for choosing which to train on. No UI code:
the screen and the CLI both sit on top of this, like nvitop's `api/` under its TUI."""

from vocseg_tui.core.gpus.backend import FAKE_ENV, GpuBackend, open_backend
from vocseg_tui.core.gpus.errors import GpuBackendError, GpuQueryError, NvmlUnavailable
from vocseg_tui.core.gpus.history import GpuHistory
from vocseg_tui.core.gpus.model import GIB, MIB, GpuInfo, GpuProcess, Inventory
from vocseg_tui.core.gpus.monitor import GpuMonitor, current_user, take_inventory
from vocseg_tui.core.gpus.selection import (
    DEFAULT_MAX_UTIL,
    DEFAULT_MIN_FREE_GIB,
    PickRules,
    SelectionError,
    auto_pick,
    blocker,
    blocking_users,
    free_gpus,
    is_display_process,
    refusal,
    to_device_choice,
    toggle,
)

__all__ = [
    "DEFAULT_MAX_UTIL",
    "DEFAULT_MIN_FREE_GIB",
    "FAKE_ENV",
    "GIB",
    "MIB",
    "GpuBackend",
    "GpuBackendError",
    "GpuHistory",
    "GpuInfo",
    "GpuMonitor",
    "GpuProcess",
    "GpuQueryError",
    "Inventory",
    "NvmlUnavailable",
    "PickRules",
    "SelectionError",
    "auto_pick",
    "blocker",
    "blocking_users",
    "current_user",
    "free_gpus",
    "is_display_process",
    "open_backend",
    "refusal",
    "take_inventory",
    "to_device_choice",
    "toggle",
]
