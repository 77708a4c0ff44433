"""The `VOCSEG_FAKE_GPUS` description of an emulated GPU server: its format, checked whole.

A JSON object (docs/gpus.md has the format): the driver version, and per GPU its identity,
readings (a number, null for "not supported", or a list cycled one item per refresh), its
processes, MIG mode, the readings that answer NO_PERMISSION, and whether it fell off the bus.
A typo is one clear error naming the GPU and the key, never odd rows; `emulated_nvml` answers
the driver's calls from the parsed result.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from vocseg_tui.core.gpus.errors import GpuBackendError

HINT = ("VOCSEG_FAKE_GPUS names a JSON file describing fake GPUs (docs/gpus.md); "
        "unset it to use the real driver")
DEFAULT_DRIVER = "fake"
"""A driver version without a number behaves like the newest driver."""
READINGS = {  # key in the description -> (default, multiplier to NVML's unit)
    "memory_used_mib": (0.0, 2**20), "memory_total_mib": (81920.0, 2**20),
    "gpu_util": (0.0, 1), "memory_util": (0.0, 1), "temperature_c": (None, 1),
    "power_w": (None, 1000), "power_limit_w": (None, 1000),
}
GUARDED = frozenset({"memory", "utilization", "temperature", "power", "power_limit", "processes",
                     "pci", "mig"})
"""Readings a GPU's "no_permission" list may name."""
INIT_ERRORS = ("LibraryNotFound", "DriverNotLoaded", "NoPermission", "Unknown")
PROCESS_TYPES = {"compute": (True, False), "graphics": (False, True),
                 "compute+graphics": (True, True)}


@dataclass(frozen=True)
class ProcessSpec:
    pid: int
    memory_mib: float | None
    user: str | None
    command: str | None
    compute: bool = True
    graphics: bool = False


@dataclass(frozen=True)
class GpuSpec:
    index: int
    name: str
    uuid: str
    pci_bus_id: str
    readings: dict[str, tuple[float | None, ...]]
    """Each reading's values; refresh n takes item n modulo the length."""
    processes: tuple[ProcessSpec, ...] = ()
    mig: tuple[bool, bool] | None = None
    """(current, pending) MIG mode; None for a board without MIG."""
    no_permission: frozenset[str] = frozenset()
    lost: bool = False


@dataclass(frozen=True)
class Description:
    driver: str = DEFAULT_DRIVER
    gpus: tuple[GpuSpec, ...] = ()
    privileged: bool = False
    """Root (or CAP_SYS_ADMIN): MIG GPUs answer their process queries."""
    init_error: str | None = None
    owners: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)


def parse_description(data: object, where: str) -> Description:
    """Check a description whole, so a typo is one clear error instead of odd rows."""
    if not isinstance(data, dict) or not isinstance(data.get("gpus", []), list):
        raise GpuBackendError(f"{where}: expected an object with a \"gpus\" list", HINT)
    init_error = data.get("init_error")
    if init_error is not None and init_error not in INIT_ERRORS:
        raise GpuBackendError(f"{where}: \"init_error\" must be one of {', '.join(INIT_ERRORS)}", HINT)
    gpus = tuple(_parse_gpu(i, spec, where) for i, spec in enumerate(data.get("gpus", [])))
    owners = {p.pid: (p.user, p.command) for g in gpus for p in g.processes
              if p.user is not None or p.command is not None}
    return Description(driver=str(data.get("driver", DEFAULT_DRIVER)), gpus=gpus,
                       privileged=data.get("privileged") is True, init_error=init_error,
                       owners=owners)


def _parse_gpu(index: int, spec: object, where: str) -> GpuSpec:
    here = f"{where}: GPU {index}"
    if not isinstance(spec, dict):
        raise GpuBackendError(f"{here} is not an object", HINT)
    readings = {key: _values(spec.get(key, default), f"{here}: \"{key}\"")
                for key, (default, _) in READINGS.items()}
    no_permission = spec.get("no_permission", [])
    if not isinstance(no_permission, list) or not set(no_permission) <= GUARDED:
        raise GpuBackendError(f"{here}: \"no_permission\" must list some of {', '.join(sorted(GUARDED))}",
                              HINT)
    processes = spec.get("processes", [])
    if not isinstance(processes, list):
        raise GpuBackendError(f"{here}: \"processes\" must be a list", HINT)
    return GpuSpec(
        index=index, name=str(spec.get("name", "NVIDIA Fake GPU")),
        uuid=str(spec.get("uuid", f"GPU-fake-{index:04d}")),
        pci_bus_id=str(spec.get("pci_bus_id", f"00000000:{index + 0x10:02X}:00.0")),
        readings=readings, processes=tuple(_parse_process(p, here) for p in processes),
        mig=_parse_mig(spec.get("mig"), here), no_permission=frozenset(no_permission),
        lost=bool(spec.get("error")),
    )


def _values(raw: object, here: str) -> tuple[float | None, ...]:
    items: list[object] = raw if isinstance(raw, list) else [raw]
    values: list[float | None] = []
    for item in items:
        if item is not None and (isinstance(item, bool) or not isinstance(item, int | float)
                                 or not math.isfinite(item)):
            raise GpuBackendError(f"{here} must be a number, null, or a non-empty list of them", HINT)
        values.append(None if item is None else float(item))
    if not values:
        raise GpuBackendError(f"{here} must be a number, null, or a non-empty list of them", HINT)
    return tuple(values)


def _parse_process(raw: object, here: str) -> ProcessSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("pid"), int) or raw["pid"] < 0:
        raise GpuBackendError(f"{here}: each process needs a \"pid\" (a whole number)", HINT)
    kind = raw.get("type", "compute")
    if kind not in PROCESS_TYPES:
        raise GpuBackendError(f"{here}: process {raw['pid']}: \"type\" must be one of "
                              f"{', '.join(PROCESS_TYPES)}", HINT)
    memory = _values(raw.get("gpu_memory_mib"), f"{here}: process {raw['pid']}: \"gpu_memory_mib\"")[0]
    user, command = raw.get("user"), raw.get("command")
    compute, graphics = PROCESS_TYPES[kind]
    return ProcessSpec(pid=raw["pid"], memory_mib=memory,
                       user=None if user is None else str(user),
                       command=None if command is None else str(command),
                       compute=compute, graphics=graphics)


def _parse_mig(raw: object, here: str) -> tuple[bool, bool] | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw, raw
    if isinstance(raw, dict) and all(isinstance(raw.get(k, False), bool) for k in ("current", "pending")):
        current = bool(raw.get("current", False))
        return current, bool(raw.get("pending", current))
    raise GpuBackendError(f"{here}: \"mig\" must be true, false or {{\"current\": .., \"pending\": ..}}",
                          HINT)


def read_description(path: Path) -> Description:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise GpuBackendError(f"fake GPU description {path} does not exist", HINT) from exc
    except (OSError, ValueError) as exc:
        raise GpuBackendError(f"cannot read fake GPU description {path}: {exc}", HINT) from exc
    return parse_description(data, str(path))
