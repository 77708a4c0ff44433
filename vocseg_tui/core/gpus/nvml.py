"""The real backend: NVML through nvidia-ml-py (`import pynvml`).

NVML is initialised once and kept open between refreshes (nvmlInit costs far more than a
query on a big server); the per-GPU facts that never change (name, UUID, total memory, PCI bus
id) are read once. A GPU that fails (fallen off the bus, no permission) raises `GpuQueryError`
for its own row only; a reading the board does not support (power on some cards) is None.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from vocseg_tui.core.gpus.backend import GpuQueryError, NvmlUnavailable
from vocseg_tui.core.gpus.model import GpuInfo, GpuProcess

T = TypeVar("T")

NO_NVML_HINT = ("on a GPU server, install the NVIDIA driver (nvidia-smi must work); "
                "without it vocseg-tui trains on CPU")


class NvmlBackend:
    source = "nvml"

    def __init__(self) -> None:
        try:
            import pynvml
        except ImportError as exc:  # nvidia-ml-py is a dependency, but a broken venv happens
            raise NvmlUnavailable("nvidia-ml-py is not installed: CPU only",
                                  "pip install nvidia-ml-py") from exc
        self._nvml: Any = pynvml
        try:
            pynvml.nvmlInit()
        except pynvml.NVMLError as exc:
            raise NvmlUnavailable(describe_init_failure(exc), NO_NVML_HINT) from exc
        self._static: dict[int, tuple[Any, str, str, int, str]] = {}

    def driver_version(self) -> str:
        try:
            return str(self._nvml.nvmlSystemGetDriverVersion())
        except self._nvml.NVMLError:
            return "?"

    def count(self) -> int:
        try:
            return int(self._nvml.nvmlDeviceGetCount())
        except self._nvml.NVMLError as exc:
            raise NvmlUnavailable(f"CPU only: NVML cannot count the GPUs ({exc})", NO_NVML_HINT) from exc

    def read(self, index: int) -> GpuInfo:
        nvml = self._nvml
        try:
            handle, name, uuid, total, bus = self._static_facts(index)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            util = self._optional(lambda: nvml.nvmlDeviceGetUtilizationRates(handle))
            power = self._optional(lambda: nvml.nvmlDeviceGetPowerUsage(handle))
            limit = self._optional(lambda: nvml.nvmlDeviceGetEnforcedPowerLimit(handle))
            return GpuInfo(
                index=index, name=name, uuid=uuid, memory_used=int(memory.used),
                memory_total=total, pci_bus_id=bus,
                gpu_util=None if util is None else int(util.gpu),
                memory_util=None if util is None else int(util.memory),
                temperature=self._optional(
                    lambda: int(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))),
                power=None if power is None else power / 1000.0,
                power_limit=None if limit is None else limit / 1000.0,
                processes=self._processes(handle),
            )
        except nvml.NVMLError as exc:
            known = self._static.pop(index, None)  # a GPU that comes back gets a fresh handle
            raise GpuQueryError(f"query failed: {exc}", name=known[1] if known else "?",
                                uuid=known[2] if known else "") from exc

    def _static_facts(self, index: int) -> tuple[Any, str, str, int, str]:
        if index not in self._static:
            nvml = self._nvml
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            bus = self._optional(lambda: nvml.nvmlDeviceGetPciInfo(handle).busId)
            self._static[index] = (
                handle, str(nvml.nvmlDeviceGetName(handle)), str(nvml.nvmlDeviceGetUUID(handle)),
                int(nvml.nvmlDeviceGetMemoryInfo(handle).total),
                bus.decode() if isinstance(bus, bytes) else str(bus or ""),
            )
        return self._static[index]

    def _processes(self, handle: Any) -> tuple[GpuProcess, ...]:
        """Compute and graphics processes, once per pid (a process can be both)."""
        nvml = self._nvml
        seen: dict[int, GpuProcess] = {}
        for query in (nvml.nvmlDeviceGetComputeRunningProcesses,
                      nvml.nvmlDeviceGetGraphicsRunningProcesses):
            for proc in self._optional(lambda q=query: q(handle)) or ():  # type: ignore[misc]
                used = getattr(proc, "usedGpuMemory", None)
                memory = int(used) if isinstance(used, int) and used < 2**63 else None
                seen.setdefault(int(proc.pid), GpuProcess(pid=int(proc.pid), gpu_memory=memory))
        return tuple(seen.values())

    def _optional(self, query: Callable[[], T]) -> T | None:
        """A reading the board (or an older driver) does not offer is None; any other failure
        fails the GPU."""
        try:
            return query()
        except (self._nvml.NVMLError_NotSupported, self._nvml.NVMLError_FunctionNotFound):
            return None

    def close(self) -> None:
        with contextlib.suppress(self._nvml.NVMLError):
            self._nvml.nvmlShutdown()


def describe_init_failure(exc: Exception) -> str:
    """A sentence for the user out of nvmlInit's failure."""
    name = type(exc).__name__
    if name == "NVMLError_LibraryNotFound":
        return "CPU only: no NVIDIA driver found (the NVML library is missing)"
    if name == "NVMLError_DriverNotLoaded":
        return "CPU only: the NVIDIA driver is installed but not loaded"
    if name == "NVMLError_NoPermission":
        return "CPU only: no permission to query the NVIDIA driver"
    return f"CPU only: NVML did not start ({exc})"
