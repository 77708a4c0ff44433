"""Taking inventory: one backend kept open, owners of GPU processes looked up with psutil.

`GpuMonitor.refresh()` is what the GPUs screen calls about once a second from a worker thread,
so it stays cheap: NVML is opened once, static facts are cached by the backend, and owners are
cached per pid (a pid's owner and command do not change while it lives). Without a driver it
returns a CPU-only inventory instead of failing, and tries NVML again now and then, in case
the driver was being reloaded.
"""

from __future__ import annotations

import getpass
import os
import threading
import time
from collections.abc import Callable

import psutil

from vocseg_tui.core.gpus.backend import GpuBackend, GpuQueryError, NvmlUnavailable, open_backend
from vocseg_tui.core.gpus.model import GpuInfo, GpuProcess, Inventory

RETRY_AFTER_S = 30.0


def current_user() -> str:
    """The name of the real user this process runs as (what psutil reports for our processes)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return getpass.getuser()


class GpuMonitor:
    """Repeated inventories of one machine; thread-safe, one refresh at a time."""

    def __init__(self, opener: Callable[[], GpuBackend] | None = None) -> None:
        self._open = opener or open_backend
        self._backend: GpuBackend | None = None
        self._unavailable: NvmlUnavailable | None = None
        self._failed_at = 0.0
        self._owners: dict[int, tuple[str | None, str | None]] = {}
        self._lock = threading.Lock()
        self.me = current_user()

    def refresh(self) -> Inventory:
        """Everything about every GPU now. Raises only `GpuBackendError` for a broken fake."""
        with self._lock:
            started = time.perf_counter()
            backend = self._backend_or_none()
            if backend is None:
                return self._cpu_only(started)
            try:
                count = backend.count()
            except NvmlUnavailable as exc:
                self._drop(exc)
                return self._cpu_only(started)
            gpus = tuple(self._read(backend, i) for i in range(count))
            self._forget_gone_pids(gpus)
            return Inventory(gpus=gpus, driver=backend.driver_version(), source=backend.source,
                             me=self.me, elapsed_s=time.perf_counter() - started, taken_at=time.time())

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                self._backend.close()
                self._backend = None

    def _backend_or_none(self) -> GpuBackend | None:
        if self._backend is None:
            if self._unavailable is not None and time.monotonic() - self._failed_at < RETRY_AFTER_S:
                return None
            try:
                self._backend = self._open()
                self._unavailable = None
            except NvmlUnavailable as exc:
                self._drop(exc)
        return self._backend

    def _drop(self, exc: NvmlUnavailable) -> None:
        if self._backend is not None:
            self._backend.close()
        self._backend, self._unavailable, self._failed_at = None, exc, time.monotonic()

    def _cpu_only(self, started: float) -> Inventory:
        reason = self._unavailable.message if self._unavailable else "CPU only"
        return Inventory(source="none", cpu_only_reason=reason, me=self.me,
                         elapsed_s=time.perf_counter() - started, taken_at=time.time())

    def _read(self, backend: GpuBackend, index: int) -> GpuInfo:
        try:
            gpu = backend.read(index)
        except GpuQueryError as exc:
            return GpuInfo.failed(index, str(exc), name=exc.name, uuid=exc.uuid)
        return gpu.with_processes(tuple(self._with_owner(p) for p in gpu.processes))

    def _with_owner(self, process: GpuProcess) -> GpuProcess:
        if process.user is not None and process.command is not None:
            return process
        if process.pid not in self._owners:
            self._owners[process.pid] = _lookup_owner(process.pid)
        user, command = self._owners[process.pid]
        return GpuProcess(process.pid, process.gpu_memory, process.user or user,
                          process.command or command)

    def _forget_gone_pids(self, gpus: tuple[GpuInfo, ...]) -> None:
        alive = {p.pid for g in gpus for p in g.processes}
        for pid in set(self._owners) - alive:
            del self._owners[pid]


def _lookup_owner(pid: int) -> tuple[str | None, str | None]:
    """(user, command) of a pid, None for what we may not see (another PID namespace, hidepid)."""
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            user: str | None = process.username()
            try:
                command = " ".join(process.cmdline()) or process.name()
            except psutil.AccessDenied:
                command = process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None, None
    return user, command


def take_inventory() -> Inventory:
    """One inventory, for the CLI: open, read, close."""
    monitor = GpuMonitor()
    try:
        return monitor.refresh()
    finally:
        monitor.close()
