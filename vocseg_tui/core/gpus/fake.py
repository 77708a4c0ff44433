"""A GPU server described in a JSON file: the backend for tests and demos without GPUs.

Selected with `VOCSEG_FAKE_GPUS=/path/to/gpus.json` (see docs/gpus.md for the format). The file
is read again whenever it changes, so a test or a demo can start "a colleague's job" by
rewriting it. A numeric reading may be a list: each refresh takes the next item, cycling (from
the first item again whenever the file changes), so a demo's sparklines move. A GPU with
`"error"` fails its query like a GPU fallen off the bus. Owners (`user`, `command`) may be
given for pids that do not exist here; when they are left out, the real psutil lookup fills
them in like on a real server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vocseg_tui.core.gpus.backend import GpuBackendError, GpuQueryError
from vocseg_tui.core.gpus.model import MIB, GpuInfo, GpuProcess

HINT = "VOCSEG_FAKE_GPUS names a JSON file describing fake GPUs (docs/gpus.md); unset it to use NVML"


class FakeBackend:
    source = "fake"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: float | None = None
        self._data: dict[str, Any] = {}
        self._tick: dict[int, int] = {}
        self._load()

    def _load(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
            if mtime == self._mtime:
                return
            data = json.loads(self.path.read_text())
        except FileNotFoundError as exc:
            raise GpuBackendError(f"fake GPU description {self.path} does not exist", HINT) from exc
        except (OSError, ValueError) as exc:
            raise GpuBackendError(f"cannot read fake GPU description {self.path}: {exc}", HINT) from exc
        if not isinstance(data, dict) or not isinstance(data.get("gpus", []), list):
            raise GpuBackendError(f"{self.path}: expected an object with a \"gpus\" list", HINT)
        self._data, self._mtime = data, mtime
        self._tick = {}  # a new description starts its lists from the first item

    def driver_version(self) -> str:
        return str(self._data.get("driver", "fake"))

    def count(self) -> int:
        self._load()
        return len(self._data.get("gpus", []))

    def read(self, index: int) -> GpuInfo:
        spec = self._data["gpus"][index]
        if not isinstance(spec, dict):
            raise GpuQueryError(f"bad fake description: GPU {index} is not an object")
        if spec.get("error"):
            raise GpuQueryError(str(spec["error"]), name=str(spec.get("name", "?")),
                                uuid=str(spec.get("uuid", "")))
        tick = self._tick.get(index, 0)
        self._tick[index] = tick + 1

        def value(key: str, default: Any = None) -> Any:
            raw = spec.get(key, default)
            return raw[tick % len(raw)] if isinstance(raw, list) and raw else raw

        try:
            return GpuInfo(
                index=index, name=str(spec.get("name", "NVIDIA Fake GPU")),
                uuid=str(spec.get("uuid", f"GPU-fake-{index:04d}")),
                memory_used=int(value("memory_used_mib", 0) * MIB),
                memory_total=int(value("memory_total_mib", 81920) * MIB),
                gpu_util=_int_or_none(value("gpu_util", 0)),
                memory_util=_int_or_none(value("memory_util", 0)),
                temperature=_int_or_none(value("temperature_c")),
                power=_float_or_none(value("power_w")),
                power_limit=_float_or_none(value("power_limit_w")),
                pci_bus_id=str(spec.get("pci_bus_id", f"00000000:{index + 0x10:02X}:00.0")),
                processes=tuple(_process(p) for p in spec.get("processes", [])),
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise GpuQueryError(f"bad fake description: {exc}") from exc

    def close(self) -> None:
        pass


def _process(spec: dict[str, Any]) -> GpuProcess:
    memory = spec.get("gpu_memory_mib")
    return GpuProcess(pid=int(spec["pid"]), gpu_memory=None if memory is None else int(memory * MIB),
                      user=spec.get("user"), command=spec.get("command"))


def _int_or_none(raw: Any) -> int | None:
    return None if raw is None else int(raw)


def _float_or_none(raw: Any) -> float | None:
    return None if raw is None else float(raw)
