"""Taking inventory: one backend kept open, owners of GPU processes looked up with psutil.

`GpuMonitor.refresh()` is what the GPUs screen calls about once a second from a worker thread,
so it stays cheap: NVML is opened once, static facts are cached by the backend, and owners are
cached per pid (a pid's owner and command do not change while it lives). An owner once
resolved is kept while its pid is on a GPU, even when a later look fails (NVML still lists a
pid for a moment after it exits, when psutil no longer finds it: that must not turn our own
GPU into "in use by ?"); an owner not resolved is asked again every OWNER_RETRY_S. A refresh
in which some GPU's process list could not be read forgets no pid. Without a driver it
returns a CPU-only inventory instead of failing, and tries NVML again now and then, in case
the driver was being reloaded.
"""

from __future__ import annotations

import getpass
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from vocseg_tui.core.gpus.backend import GpuBackend, open_backend
from vocseg_tui.core.gpus.errors import GpuQueryError, NvmlUnavailable
from vocseg_tui.core.gpus.model import GpuInfo, GpuProcess, Inventory
from vocseg_tui.core.gpus.owners import Owner

RETRY_AFTER_S = 30.0
OWNER_RETRY_S = 10.0


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
        self._owners: dict[int, Owner] = {}
        """Resolved owners (user known) by pid."""
        self._unresolved: dict[int, float] = {}
        """Pids whose owner could not be seen, with when to ask again (monotonic)."""
        self._seen_on: dict[int, frozenset[int]] = {}
        """Per GPU index, the pids it holds as far as we know."""
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
        return gpu.with_processes(tuple(self._with_owner(backend, p) for p in gpu.processes))

    def _with_owner(self, backend: GpuBackend, process: GpuProcess) -> GpuProcess:
        if process.user is not None and process.command is not None:
            return process
        user, command = self._owner(backend, process.pid)
        return replace(process, user=process.user or user, command=process.command or command)

    def _owner(self, backend: GpuBackend, pid: int) -> Owner:
        known = self._owners.get(pid)
        if known is not None:
            return known
        if time.monotonic() < self._unresolved.get(pid, 0.0):
            return None, None
        user, command = backend.owner(pid)
        if user is None:
            self._unresolved[pid] = time.monotonic() + OWNER_RETRY_S
        else:
            self._owners[pid] = (user, command)
            self._unresolved.pop(pid, None)
        return user, command

    def _forget_gone_pids(self, gpus: tuple[GpuInfo, ...]) -> None:
        """Keep owners of pids on a GPU now, and of those last seen on a GPU whose list could
        not be read in full this time (they may well still be there)."""
        seen_on = {}
        for gpu in gpus:
            pids = frozenset(p.pid for p in gpu.processes)
            complete = gpu.ok and gpu.processes_known
            seen_on[gpu.index] = pids if complete else pids | self._seen_on.get(gpu.index, frozenset())
        self._seen_on = seen_on
        alive = frozenset().union(*seen_on.values())
        for cache in (self._owners, self._unresolved):
            for pid in set(cache) - alive:
                del cache[pid]


def take_inventory() -> Inventory:
    """One inventory, for the CLI: open, read, close."""
    monitor = GpuMonitor()
    try:
        return monitor.refresh()
    finally:
        monitor.close()
