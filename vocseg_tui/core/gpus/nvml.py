"""The real backend: NVML through nvidia-ml-py (`import pynvml`), as drivers really answer.

NVML is initialised once and kept open between refreshes (nvmlInit costs far more than a
query on a big server); the per-GPU facts that never change (name, UUID, total memory, PCI bus
id) are read once. What a driver does that a new user hits on the first day:

- Process queries. pynvml's unversioned `nvmlDeviceGetComputeRunningProcesses` calls the `_v3`
  C symbol; a driver older than R510 (470.x) lacks it and pynvml raises
  `NVMLLibraryMismatchError`, a plain Exception (older pynvml: NVMLError_FunctionNotFound).
  We then try `_v2`, then `_v1` where this pynvml has one, and remember per backend which one
  works (or that none does), so a refresh never retries a missing symbol.
- A process list that cannot be read (no permission, as on a MIG GPU for a normal user; no
  usable query) is *unknown*, never empty: `GpuInfo.processes_error` says why.
- MIG mode (`nvmlDeviceGetMigMode`; NotSupported on boards without MIG and FunctionNotFound on
  old drivers both mean "not MIG") is reported, for the selection rules to refuse the board.
- An optional reading (utilisation, temperature, power, PCI id) that fails for any reason but
  a lost GPU is None. Only memory or identity failures fail the GPU (`GpuQueryError`).
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable
from typing import Any, TypeVar

from vocseg_tui.core.gpus.errors import GpuQueryError, NvmlUnavailable
from vocseg_tui.core.gpus.model import GpuInfo, GpuProcess
from vocseg_tui.core.gpus.owners import Owner, lookup_owner

T = TypeVar("T")

NO_NVML_HINT = ("on a GPU server, install the NVIDIA driver (nvidia-smi must work); "
                "without it vocseg-tui trains on CPU")
PROCESS_QUERIES = {
    "compute": ("nvmlDeviceGetComputeRunningProcesses", "nvmlDeviceGetComputeRunningProcesses_v2",
                "nvmlDeviceGetComputeRunningProcesses_v1"),
    "graphics": ("nvmlDeviceGetGraphicsRunningProcesses", "nvmlDeviceGetGraphicsRunningProcesses_v2",
                 "nvmlDeviceGetGraphicsRunningProcesses_v1"),
}
"""Newest first. nvidia-ml-py 13 has no `_v1` wrapper (the driver's unversioned C symbol); any
driver that runs a torch 2.x CUDA build has `_v2` (R450 and newer)."""
NO_QUERY = "this driver offers no process query nvidia-ml-py can use (update the driver)"
NO_PERMISSION = "no permission to list its processes"
Query = Callable[[Any], Any]


class NvmlBackend:
    def __init__(self, nvml: types.ModuleType | None = None, *, source: str = "nvml",
                 owners: Callable[[int], Owner] = lookup_owner) -> None:
        """`nvml` is the pynvml module (default: `import pynvml`); the emulated driver passes
        its own with `source="fake"` and the owners of its described pids."""
        self._nvml: Any = nvml or _import_pynvml()
        self.source = source
        self._owners = owners
        nvml = self._nvml
        try:
            nvml.nvmlInit()
        except nvml.NVMLError as exc:
            raise NvmlUnavailable(describe_init_failure(exc), NO_NVML_HINT) from exc
        self._static: dict[int, tuple[Any, str, str, int, str]] = {}
        self._identity: dict[int, tuple[str, str]] = {}
        """Name and UUID of each GPU once read, for its row while it fails."""
        self._missing = (nvml.NVMLError_FunctionNotFound,
                         *(c for c in (getattr(nvml, "NVMLLibraryMismatchError", None),)
                           if isinstance(c, type)))
        """What a process query raises when this driver lacks its C symbol."""
        self._queries: dict[str, Query | None] = {}
        """Per kind, the process query that exists in this driver (None: none does)."""

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

    def owner(self, pid: int) -> Owner:
        return self._owners(pid)

    def read(self, index: int) -> GpuInfo:
        nvml = self._nvml
        try:
            handle, name, uuid, total, bus = self._static_facts(index)
            memory = nvml.nvmlDeviceGetMemoryInfo(handle)
            mig: Any = self._optional(lambda: nvml.nvmlDeviceGetMigMode(handle))
            util = self._optional(lambda: nvml.nvmlDeviceGetUtilizationRates(handle))
            power = self._optional(lambda: nvml.nvmlDeviceGetPowerUsage(handle))
            limit = self._optional(lambda: nvml.nvmlDeviceGetEnforcedPowerLimit(handle))
            temperature = self._optional(
                lambda: int(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)))
            processes, processes_error = self._processes(handle)
        except nvml.NVMLError as exc:
            self._static.pop(index, None)  # a GPU that comes back gets a fresh handle
            name, uuid = self._identity.get(index, ("?", ""))
            raise GpuQueryError(str(exc), name=name, uuid=uuid) from exc
        enabled = getattr(nvml, "NVML_DEVICE_MIG_ENABLE", 1)
        return GpuInfo(
            index=index, name=name, uuid=uuid, memory_used=int(memory.used),
            memory_total=total, pci_bus_id=bus,
            gpu_util=None if util is None else int(util.gpu),
            memory_util=None if util is None else int(util.memory),
            temperature=temperature,
            power=None if power is None else power / 1000.0,
            power_limit=None if limit is None else limit / 1000.0,
            processes=processes, processes_error=processes_error,
            mig=mig is not None and mig[0] == enabled, mig_pending=mig is not None and mig[1] == enabled,
        )

    def _static_facts(self, index: int) -> tuple[Any, str, str, int, str]:
        if index not in self._static:
            nvml = self._nvml
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            bus = self._optional(lambda: nvml.nvmlDeviceGetPciInfo(handle).busId)
            name, uuid = str(nvml.nvmlDeviceGetName(handle)), str(nvml.nvmlDeviceGetUUID(handle))
            self._identity[index] = (name, uuid)
            self._static[index] = (
                handle, name, uuid, int(nvml.nvmlDeviceGetMemoryInfo(handle).total),
                bus.decode() if isinstance(bus, bytes) else str(bus or ""),
            )
        return self._static[index]

    def _processes(self, handle: Any) -> tuple[tuple[GpuProcess, ...], str | None]:
        """Compute and graphics processes, once per pid (a process can be both), and why the
        list is incomplete when a query failed (what was read is still returned)."""
        seen: dict[int, GpuProcess] = {}
        error: str | None = None
        for kind in ("compute", "graphics"):
            try:
                listed = self._query(kind, handle)
            except self._nvml.NVMLError_GpuIsLost:
                raise
            except self._nvml.NVMLError_NoPermission:
                error = NO_PERMISSION
                continue
            except self._nvml.NVMLError as exc:
                error = f"its processes cannot be read ({exc})"
                continue
            if listed is None:
                error = NO_QUERY
                continue
            for proc in listed:
                used = getattr(proc, "usedGpuMemory", None)
                memory = int(used) if isinstance(used, int) and used < 2**63 else None
                pid = int(proc.pid)
                before = seen.get(pid, GpuProcess(pid=pid, gpu_memory=memory, compute=False))
                seen[pid] = GpuProcess(pid=pid, gpu_memory=before.gpu_memory,
                                       compute=before.compute or kind == "compute",
                                       graphics=before.graphics or kind == "graphics")
        return tuple(seen.values()), error

    def _query(self, kind: str, handle: Any) -> Any:
        """The processes of one kind through the newest query this driver has; None when it
        has none. The query found is kept, so a missing symbol is tried once per backend."""
        if kind in self._queries:
            query = self._queries[kind]
            return None if query is None else query(handle)
        for name in PROCESS_QUERIES[kind]:
            candidate = getattr(self._nvml, name, None)
            if candidate is None:
                continue
            try:
                listed = candidate(handle)
            except self._missing:
                continue
            except self._nvml.NVMLError:
                self._queries[kind] = candidate  # it exists; this GPU refused it
                raise
            self._queries[kind] = candidate
            return listed
        self._queries[kind] = None
        return None

    def _optional(self, query: Callable[[], T]) -> T | None:
        """A reading the board does not offer, an older driver lacks or we may not read is
        None; a GPU fallen off the bus fails as a whole."""
        try:
            return query()
        except self._nvml.NVMLError_GpuIsLost:
            raise
        except self._nvml.NVMLError:
            return None

    def close(self) -> None:
        with contextlib.suppress(self._nvml.NVMLError):
            self._nvml.nvmlShutdown()


def _import_pynvml() -> types.ModuleType:
    try:
        import pynvml
    except ImportError as exc:  # nvidia-ml-py is a dependency, but a broken venv happens
        raise NvmlUnavailable("nvidia-ml-py is not installed: CPU only",
                              "pip install nvidia-ml-py") from exc
    module: types.ModuleType = pynvml
    return module


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
