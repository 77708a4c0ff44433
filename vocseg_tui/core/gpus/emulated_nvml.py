"""An NVIDIA driver emulated below pynvml, so the production NVML code runs without a GPU.

What is emulated is `libnvidia-ml.so` itself: its C entry points, looked up by name the way
ctypes finds them, filling the same ctypes structures. On top of it runs a private copy of the
installed nvidia-ml-py (`pynvml.py`, executed again under another module name so the real
module is never touched), so every wrapper, every error translation and every exception class
is pynvml's own. That matters: on a driver older than R510 it is pynvml, not this file, that
turns the missing `nvmlDeviceGetComputeRunningProcesses_v3` symbol into
`NVMLLibraryMismatchError`, exactly as on a real R470 server.

`EmulatedServer(description)` gives the module to hand to `NvmlBackend` (or to install as
`sys.modules["pynvml"]` in a test) and the owners of its pids. The description is the
`VOCSEG_FAKE_GPUS` JSON format of docs/gpus.md (parsed in `emulated_description`): a dict, or
a file that is read again whenever it changes. What the driver version decides
(`driver_profile`):

- R510 and newer: every symbol used here;
- R450-R509 (R470 is still common on lab servers): no `*RunningProcesses_v3`;
- older than R450: no `*RunningProcesses_v2` and no `nvmlDeviceGetMigMode` either.

Per GPU, beyond the readings: `"error"` (fallen off the bus: every call answers GPU_IS_LOST),
`"mig"` (MIG mode; utilisation is then not supported and the process queries need
privileges, top-level `"privileged": true`), `"no_permission"` (readings that answer
NO_PERMISSION), processes with `"type"` compute, graphics or compute+graphics. Top level
`"init_error"` makes nvmlInit fail (LibraryNotFound, DriverNotLoaded, NoPermission).
A C symbol this file does not emulate is missing, as it would be on an old driver.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import sys
import threading
import types
from collections import Counter
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

from vocseg_tui.core.gpus.emulated_description import (
    READINGS,
    Description,
    GpuSpec,
    parse_description,
    read_description,
)
from vocseg_tui.core.gpus.errors import GpuBackendError
from vocseg_tui.core.gpus.owners import Owner, lookup_owner

LIBRARY_NAME = "libnvidia-ml.so.1"
HANDLE_BASE = 0x7E500000
"""Handles are opaque pointers to pynvml; ours encode the GPU index and are never followed."""
NOT_AVAILABLE = 2**64 - 1
"""NVML_VALUE_NOT_AVAILABLE_ulonglong: what the driver reports for an unknown process memory."""
V3_PROCESS_SYMBOLS = frozenset({"nvmlDeviceGetComputeRunningProcesses_v3",
                                "nvmlDeviceGetGraphicsRunningProcesses_v3"})
V2_PROCESS_SYMBOLS = frozenset({"nvmlDeviceGetComputeRunningProcesses_v2",
                                "nvmlDeviceGetGraphicsRunningProcesses_v2"})


def driver_profile(driver: str) -> frozenset[str]:
    """The C symbols a driver of this version lacks (of those this emulator offers)."""
    try:
        major = int(driver.split(".")[0])
    except ValueError:
        return frozenset()
    missing: set[str] = set()
    if major < 510:
        missing |= V3_PROCESS_SYMBOLS
    if major < 450:
        missing |= V2_PROCESS_SYMBOLS | {"nvmlDeviceGetMigMode"}
    return frozenset(missing)


# The driver library ----------------------------------------------------------------------

class _Source:
    """The description now: a fixed one, or a file read again whenever its mtime changes."""

    def __init__(self, description: Description | dict[str, Any] | Path) -> None:
        self.path = description if isinstance(description, Path) else None
        self._mtime: float | None = None
        if isinstance(description, Description):
            self.current = description
        elif isinstance(description, dict):
            self.current = parse_description(description, "fake GPU description")
        else:
            self.current = Description()
            self.reload()

    def reload(self) -> bool:
        """Read the file again if it changed; True when it did."""
        if self.path is None:
            return False
        try:
            mtime: float | None = self.path.stat().st_mtime
        except OSError:
            mtime = None  # read_description says what is wrong with the file
        if mtime is not None and mtime == self._mtime:
            return False
        self.current, self._mtime = read_description(self.path), mtime
        return True


class EmulatedLibrary:
    """What `ctypes.CDLL("libnvidia-ml.so.1")` returns on the described server.

    pynvml asks `getattr(lib, "nvml...")` for each C function; a symbol this driver version
    lacks raises AttributeError, which pynvml turns into NVMLError_FunctionNotFound as for a
    real library. `lookups` counts every symbol asked for (a test can see what was retried).
    """

    def __init__(self, source: _Source, codes: types.ModuleType) -> None:
        self._source = source
        self._c = codes
        self.tick = -1
        """The sample number: the first count makes it 0."""
        self.lookups: Counter[str] = Counter()

    @property
    def description(self) -> Description:
        return self._source.current

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if not name.startswith("nvml"):
            raise AttributeError(name)
        self.lookups[name] += 1
        implementation = getattr(type(self), "_" + name, None)
        if implementation is None or name in driver_profile(self.description.driver):
            raise AttributeError(f"{LIBRARY_NAME}: undefined symbol: {name}")

        def symbol(*args: Any) -> Any:  # a plain function: pynvml sets `.restype` on some
            return implementation(self, *args)
        return symbol

    # Helpers ------------------------------------------------------------------------------

    def _gpu(self, handle: Any) -> GpuSpec | int:
        """The GPU a handle names, or the NVML return code for a call on it."""
        token = ctypes.cast(handle, ctypes.c_void_p).value or 0
        index = token - HANDLE_BASE
        gpus = self.description.gpus
        if not 0 <= index < len(gpus):
            return self._c.NVML_ERROR_INVALID_ARGUMENT  # type: ignore[no-any-return]
        gpu = gpus[index]
        return self._c.NVML_ERROR_GPU_IS_LOST if gpu.lost else gpu  # type: ignore[no-any-return]

    def _value(self, gpu: GpuSpec, key: str) -> float | None:
        values = gpu.readings[key]
        raw = values[self.tick % len(values)]
        return None if raw is None else raw * READINGS[key][1]

    def _reading(self, handle: Any, guard: str, key: str, out: Any) -> int:
        gpu = self._gpu(handle)
        if isinstance(gpu, int):
            return gpu
        if guard in gpu.no_permission:
            return self._c.NVML_ERROR_NO_PERMISSION  # type: ignore[no-any-return]
        value = self._value(gpu, key)
        if value is None:
            return self._c.NVML_ERROR_NOT_SUPPORTED  # type: ignore[no-any-return]
        out._obj.value = int(value)
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _text(self, buffer: Any, size: Any, text: str) -> int:
        encoded = text.encode()
        if len(encoded) + 1 > size.value:
            return self._c.NVML_ERROR_INSUFFICIENT_SIZE  # type: ignore[no-any-return]
        buffer.value = encoded
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _processes(self, handle: Any, count_ref: Any, infos: Any, graphics: bool) -> int:
        gpu = self._gpu(handle)
        if isinstance(gpu, int):
            return gpu
        if "processes" in gpu.no_permission or (gpu.mig and gpu.mig[0] and not self.description.privileged):
            return self._c.NVML_ERROR_NO_PERMISSION  # type: ignore[no-any-return]
        listed = [p for p in gpu.processes if (p.graphics if graphics else p.compute)]
        wanted = count_ref._obj
        if infos is None or wanted.value < len(listed):
            wanted.value = len(listed)
            return self._c.NVML_ERROR_INSUFFICIENT_SIZE if listed else self._c.NVML_SUCCESS  # type: ignore[no-any-return]
        for slot, process in zip(infos, listed, strict=False):
            slot.pid = process.pid
            slot.usedGpuMemory = (NOT_AVAILABLE if process.memory_mib is None
                                  else int(process.memory_mib * 2**20))
            slot.gpuInstanceId = slot.computeInstanceId = 0xFFFFFFFF
        wanted.value = len(listed)
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    # The C entry points (named "_" + the C symbol) ----------------------------------------

    def _nvmlInitWithFlags(self, flags: int) -> int:
        error = self.description.init_error
        if error == "DriverNotLoaded":
            return self._c.NVML_ERROR_DRIVER_NOT_LOADED  # type: ignore[no-any-return]
        if error == "NoPermission":
            return self._c.NVML_ERROR_NO_PERMISSION  # type: ignore[no-any-return]
        if error == "Unknown":
            return self._c.NVML_ERROR_UNKNOWN  # type: ignore[no-any-return]
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlShutdown(self) -> int:
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlErrorString(self, result: int) -> bytes:
        return f"emulated NVML error {result}".encode()

    def _nvmlSystemGetDriverVersion(self, buffer: Any, size: Any) -> int:
        return self._text(buffer, size, self.description.driver)

    def _nvmlDeviceGetCount_v2(self, count_ref: Any) -> int:
        """Also the emulator's clock: each inventory starts with a count, so each count is the
        next sample (the next item of a listed reading), and a changed file is read here."""
        self.tick = 0 if self._source.reload() else self.tick + 1
        count_ref._obj.value = len(self.description.gpus)
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlDeviceGetHandleByIndex_v2(self, index: Any, device_ref: Any) -> int:
        gpus = self.description.gpus
        if not 0 <= index.value < len(gpus):
            return self._c.NVML_ERROR_INVALID_ARGUMENT  # type: ignore[no-any-return]
        if gpus[index.value].lost:
            return self._c.NVML_ERROR_GPU_IS_LOST  # type: ignore[no-any-return]
        token = ctypes.c_size_t(HANDLE_BASE + index.value)
        ctypes.memmove(ctypes.addressof(device_ref._obj), ctypes.byref(token), ctypes.sizeof(token))
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlDeviceGetName(self, handle: Any, buffer: Any, size: Any) -> int:
        gpu = self._gpu(handle)
        return gpu if isinstance(gpu, int) else self._text(buffer, size, gpu.name)

    def _nvmlDeviceGetUUID(self, handle: Any, buffer: Any, size: Any) -> int:
        gpu = self._gpu(handle)
        return gpu if isinstance(gpu, int) else self._text(buffer, size, gpu.uuid)

    def _nvmlDeviceGetPciInfo_v3(self, handle: Any, info_ref: Any) -> int:
        gpu = self._gpu(handle)
        if isinstance(gpu, int):
            return gpu
        if "pci" in gpu.no_permission:
            return self._c.NVML_ERROR_NO_PERMISSION  # type: ignore[no-any-return]
        info_ref._obj.busId = gpu.pci_bus_id.encode()
        info_ref._obj.busIdLegacy = gpu.pci_bus_id.encode()
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlDeviceGetMemoryInfo(self, handle: Any, memory_ref: Any) -> int:
        gpu = self._gpu(handle)
        if isinstance(gpu, int):
            return gpu
        if "memory" in gpu.no_permission:
            return self._c.NVML_ERROR_NO_PERMISSION  # type: ignore[no-any-return]
        total = int(self._value(gpu, "memory_total_mib") or 0)
        used = min(total, int(self._value(gpu, "memory_used_mib") or 0))
        memory = memory_ref._obj
        memory.total, memory.used, memory.free = total, used, total - used
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlDeviceGetUtilizationRates(self, handle: Any, util_ref: Any) -> int:
        gpu = self._gpu(handle)
        if isinstance(gpu, int):
            return gpu
        if "utilization" in gpu.no_permission:
            return self._c.NVML_ERROR_NO_PERMISSION  # type: ignore[no-any-return]
        used = self._value(gpu, "gpu_util")
        if used is None or (gpu.mig and gpu.mig[0]):  # MIG: only per-instance figures exist
            return self._c.NVML_ERROR_NOT_SUPPORTED  # type: ignore[no-any-return]
        util_ref._obj.gpu = int(used)
        util_ref._obj.memory = int(self._value(gpu, "memory_util") or 0)
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlDeviceGetTemperature(self, handle: Any, sensor: Any, out: Any) -> int:
        return self._reading(handle, "temperature", "temperature_c", out)

    def _nvmlDeviceGetPowerUsage(self, handle: Any, out: Any) -> int:
        return self._reading(handle, "power", "power_w", out)

    def _nvmlDeviceGetEnforcedPowerLimit(self, handle: Any, out: Any) -> int:
        return self._reading(handle, "power_limit", "power_limit_w", out)

    def _nvmlDeviceGetMigMode(self, handle: Any, current: Any, pending: Any) -> int:
        gpu = self._gpu(handle)
        if isinstance(gpu, int):
            return gpu
        if gpu.mig is None:
            return self._c.NVML_ERROR_NOT_SUPPORTED  # type: ignore[no-any-return]
        if "mig" in gpu.no_permission:
            return self._c.NVML_ERROR_NO_PERMISSION  # type: ignore[no-any-return]
        current._obj.value, pending._obj.value = int(gpu.mig[0]), int(gpu.mig[1])
        return self._c.NVML_SUCCESS  # type: ignore[no-any-return]

    def _nvmlDeviceGetComputeRunningProcesses_v3(self, handle: Any, n: Any, infos: Any) -> int:
        return self._processes(handle, n, infos, graphics=False)

    def _nvmlDeviceGetComputeRunningProcesses_v2(self, handle: Any, n: Any, infos: Any) -> int:
        return self._processes(handle, n, infos, graphics=False)

    def _nvmlDeviceGetGraphicsRunningProcesses_v3(self, handle: Any, n: Any, infos: Any) -> int:
        return self._processes(handle, n, infos, graphics=True)

    def _nvmlDeviceGetGraphicsRunningProcesses_v2(self, handle: Any, n: Any, infos: Any) -> int:
        return self._processes(handle, n, infos, graphics=True)


# pynvml on top ---------------------------------------------------------------------------

_code_lock = threading.Lock()
_pynvml_code: tuple[types.CodeType, str] | None = None
_copies = count()


def _pynvml_source() -> tuple[types.CodeType, str]:
    """The installed pynvml's compiled code, read once per process (a copy then costs ~4 ms)."""
    global _pynvml_code
    with _code_lock:
        if _pynvml_code is None:
            spec = importlib.machinery.PathFinder.find_spec("pynvml")
            if spec is None or spec.origin is None:
                raise GpuBackendError("nvidia-ml-py is not installed: the emulated driver runs "
                                      "its pynvml", "pip install nvidia-ml-py")
            code = importlib.machinery.SourceFileLoader("pynvml", spec.origin).get_code("pynvml")
            if code is None:
                raise GpuBackendError(f"cannot read {spec.origin}", "reinstall nvidia-ml-py")
            _pynvml_code = (code, spec.origin)
        return _pynvml_code


def pynvml_copy() -> types.ModuleType:
    """A fresh, private instance of the installed pynvml: its own library handle, function
    cache and NVMLError classes, whatever `sys.modules["pynvml"]` holds now."""
    code, origin = _pynvml_source()
    name = f"vocseg_tui.core.gpus.emulated_pynvml_{next(_copies)}"
    module = types.ModuleType(name)
    module.__file__ = origin
    sys.modules[name] = module  # pynvml finds itself there to make its NVMLError_* classes
    try:
        exec(code, module.__dict__)
    finally:
        del sys.modules[name]
    return module


class EmulatedServer:
    """One described GPU server: `module` is the pynvml to give `NvmlBackend`, `owner` tells
    who runs a pid (the described owner, else psutil's answer, like on a real server)."""

    def __init__(self, description: Description | dict[str, Any] | Path) -> None:
        self._source = _Source(description)
        self.module = pynvml_copy()
        self.library = EmulatedLibrary(self._source, self.module)

        def load(name: str, *args: Any, **kwargs: Any) -> EmulatedLibrary:
            if self._source.current.init_error == "LibraryNotFound":
                raise OSError(f"{name}: cannot open shared object file: No such file or directory")
            return self.library
        setattr(self.module, "CDLL", load)  # what pynvml's _LoadNvmlLibrary calls  # noqa: B010

    @property
    def description(self) -> Description:
        return self._source.current

    def describe(self, description: dict[str, Any]) -> None:
        """Replace the description of a server built from a dict (tests: "a job starts")."""
        self._source.current = parse_description(description, "fake GPU description")
        self.library.tick = -1

    def owner(self, pid: int) -> Owner:
        user, command = self.description.owners.get(pid, (None, None))
        if user is not None and command is not None:
            return user, command
        seen_user, seen_command = lookup_owner(pid)
        return user or seen_user, command or seen_command
