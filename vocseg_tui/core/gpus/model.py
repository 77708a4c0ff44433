"""What one look at the GPUs found: plain, immutable snapshots that any layer can hold.

A snapshot is taken off the UI thread and handed over whole, so the screen, the CLI and the
selection rules all reason about the same instant and never see a half-updated GPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

GIB = 1024**3
MIB = 1024**2
JSON_SCHEMA = 1
"""Version of the `vocseg-tui gpus --json` document; raised when a key changes meaning."""


@dataclass(frozen=True)
class GpuProcess:
    """A process holding memory on a GPU. `user` and `command` come from psutil (None when the
    process is in another PID namespace or not visible to us: an unknown owner counts as
    someone else, because guessing "mine" could put a job onto a colleague's GPU)."""

    pid: int
    gpu_memory: int | None = None
    """Bytes of GPU memory it holds; None where the driver does not report it."""
    user: str | None = None
    command: str | None = None
    compute: bool = True
    """Listed by NVML's compute query (a CUDA context: a training job, a notebook)."""
    graphics: bool = False
    """Listed by NVML's graphics query (an X server, a compositor, an OpenGL program)."""

    def is_mine(self, me: str) -> bool:
        return self.user == me

    @property
    def kind(self) -> str:
        """"compute", "graphics" or "compute+graphics", as the detail pane and --json say it."""
        return "+".join(k for k, on in (("compute", self.compute), ("graphics", self.graphics)) if on)


@dataclass(frozen=True)
class GpuInfo:
    """One GPU at one instant. Readings a GPU does not support or we may not read (power on
    some boards, utilisation under MIG) are None; a GPU whose memory or identity cannot be read
    (fallen off the bus) keeps its row with `error`. Its process list may be unknown
    (`processes_error`): then `processes` holds only what could be read, and nobody can say
    the GPU is empty."""

    index: int
    name: str = "?"
    uuid: str = ""
    memory_used: int = 0
    memory_total: int = 0
    gpu_util: int | None = None
    """Percent of the last sample period a kernel ran."""
    memory_util: int | None = None
    """Percent of that period the memory was read or written."""
    temperature: int | None = None
    """Degrees Celsius."""
    power: float | None = None
    """Watts drawn now."""
    power_limit: float | None = None
    pci_bus_id: str = ""
    processes: tuple[GpuProcess, ...] = ()
    processes_error: str | None = None
    """Why the process list could not be read (no permission, no usable query in this
    driver); None when it was read in full."""
    mig: bool = False
    """MIG mode is on: the board is split into MIG instances and cannot train as a whole."""
    mig_pending: bool = False
    """The MIG mode the board switches to at its next reset (differs from `mig` only while a
    change waits for a reset)."""
    error: str | None = None

    @classmethod
    def failed(cls, index: int, error: str, *, name: str = "?", uuid: str = "") -> GpuInfo:
        """A GPU that failed its query: nothing about it is known, its processes included."""
        return cls(index=index, name=name, uuid=uuid, error=error,
                   processes_error="the GPU failed its query")

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def processes_known(self) -> bool:
        return self.processes_error is None

    @property
    def memory_free(self) -> int:
        return max(0, self.memory_total - self.memory_used)

    @property
    def memory_percent(self) -> float:
        return 100.0 * self.memory_used / self.memory_total if self.memory_total else 0.0

    @property
    def short_name(self) -> str:
        """The name without the vendor prefix every row would repeat."""
        return self.name.removeprefix("NVIDIA ").removeprefix("Tesla ")

    def other_users(self, me: str) -> tuple[str, ...]:
        """Owners of processes on this GPU that are not `me` ("?" for an unknown owner, and for
        a process list that could not be read: it may hold anyone's job)."""
        users = {p.user or "?" for p in self.processes if not p.is_mine(me)}
        if not self.processes_known:
            users.add("?")
        return tuple(sorted(users))

    def with_processes(self, processes: tuple[GpuProcess, ...]) -> GpuInfo:
        return replace(self, processes=processes)


@dataclass(frozen=True)
class Inventory:
    """Every GPU of the machine at one instant, or why there are none (`cpu_only`)."""

    gpus: tuple[GpuInfo, ...] = ()
    driver: str = ""
    source: str = "nvml"
    """"nvml" for the real driver, "fake" for a VOCSEG_FAKE_GPUS description, "none"."""
    cpu_only_reason: str | None = None
    me: str = ""
    """The user this process runs as: processes of anyone else make a GPU "busy"."""
    elapsed_s: float = 0.0
    """How long the refresh took (for the benchmark and the status line)."""
    taken_at: float = field(default=0.0, compare=False)

    @property
    def cpu_only(self) -> bool:
        return self.cpu_only_reason is not None or not self.gpus

    def by_index(self, index: int) -> GpuInfo | None:
        return next((g for g in self.gpus if g.index == index), None)

    def to_json(self) -> dict[str, object]:
        """The `vocseg-tui gpus --json` document (memory in MiB, the unit nvidia-smi shows)."""
        return {
            "schema": JSON_SCHEMA,
            "cpu_only": self.cpu_only,
            "reason": self.cpu_only_reason or ("no GPUs" if not self.gpus else None),
            "driver": self.driver,
            "source": self.source,
            "user": self.me,
            "gpus": [_gpu_json(g, self.me) for g in self.gpus],
        }


def _gpu_json(gpu: GpuInfo, me: str) -> dict[str, object]:
    return {
        "index": gpu.index, "name": gpu.name, "uuid": gpu.uuid, "pci_bus_id": gpu.pci_bus_id,
        "memory_used_mib": gpu.memory_used // MIB, "memory_total_mib": gpu.memory_total // MIB,
        "memory_free_mib": gpu.memory_free // MIB, "gpu_util": gpu.gpu_util,
        "memory_util": gpu.memory_util, "temperature_c": gpu.temperature,
        "power_w": gpu.power, "power_limit_w": gpu.power_limit, "error": gpu.error,
        "mig": gpu.mig, "mig_pending": gpu.mig_pending,
        "processes_known": gpu.processes_known, "processes_error": gpu.processes_error,
        "other_users": list(gpu.other_users(me)),
        "processes": [
            {"pid": p.pid, "user": p.user, "command": p.command, "kind": p.kind,
             "gpu_memory_mib": None if p.gpu_memory is None else p.gpu_memory // MIB}
            for p in gpu.processes
        ],
    }
