"""NvmlBackend's translation of NVML answers, on a machine without a GPU.

The only code that cannot run here for real is the mapping from pynvml's answers to a
GpuInfo, so this drives it with a scripted stand-in for the `pynvml` module (same function
names, same exception classes). It pins what a real server shows: milliwatts become watts, a
reading the board does not support becomes None, a GPU that is lost fails its own row only,
a process that is both compute and graphics is listed once, and a query an older driver
lacks does not fail the GPU.
"""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest

from vocseg_tui.core.gpus import GpuMonitor, NvmlUnavailable
from vocseg_tui.core.gpus.nvml import NvmlBackend


def scripted_pynvml(*, init_error: str | None = None) -> types.ModuleType:
    nvml: Any = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    for name in ("NotSupported", "FunctionNotFound", "GpuIsLost", "LibraryNotFound", "DriverNotLoaded"):
        setattr(nvml, f"NVMLError_{name}", type(f"NVMLError_{name}", (NVMLError,), {}))
    nvml.NVMLError, nvml.NVML_TEMPERATURE_GPU = NVMLError, 0

    def init() -> None:
        if init_error:
            raise getattr(nvml, init_error)()

    def check(handle: int) -> int:
        if handle == 1:
            raise nvml.NVMLError_GpuIsLost("GPU is lost")
        return handle

    def memory(handle: int) -> SimpleNamespace:
        check(handle)
        return SimpleNamespace(used=5 * 1024**3, total=80 * 1024**3)

    def power(handle: int) -> int:
        if handle == 2:
            raise nvml.NVMLError_NotSupported()
        return 250_500

    process = SimpleNamespace(pid=4242, usedGpuMemory=3 * 1024**3)

    def graphics(handle: int) -> list[SimpleNamespace]:
        if handle == 2:  # an older driver without this query
            raise nvml.NVMLError_FunctionNotFound()
        return [process]
    nvml.__dict__.update(
        nvmlInit=init, nvmlShutdown=lambda: None, nvmlSystemGetDriverVersion=lambda: "550.54.15",
        nvmlDeviceGetCount=lambda: 3, nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetName=lambda h: "NVIDIA H100 80GB HBM3", nvmlDeviceGetUUID=lambda h: f"GPU-{h}",
        nvmlDeviceGetMemoryInfo=memory,
        nvmlDeviceGetUtilizationRates=lambda h: SimpleNamespace(gpu=42, memory=17),
        nvmlDeviceGetTemperature=lambda h, sensor: 55, nvmlDeviceGetPowerUsage=power,
        nvmlDeviceGetEnforcedPowerLimit=lambda h: 700_000,
        nvmlDeviceGetPciInfo=lambda h: SimpleNamespace(busId=f"00000000:{h:02X}:00.0"),
        nvmlDeviceGetComputeRunningProcesses=lambda h: [process],
        nvmlDeviceGetGraphicsRunningProcesses=graphics,
    )
    return nvml  # type: ignore[no-any-return]


def test_nvml_answers_become_gpu_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", scripted_pynvml())
    monkeypatch.delenv("VOCSEG_FAKE_GPUS", raising=False)
    inventory = GpuMonitor().refresh()
    assert inventory.source == "nvml" and inventory.driver == "550.54.15"
    healthy, lost, no_power = inventory.gpus
    assert (healthy.gpu_util, healthy.memory_util, healthy.temperature) == (42, 17, 55)
    assert healthy.power == 250.5 and healthy.power_limit == 700.0
    assert healthy.pci_bus_id == "00000000:00:00.0"
    assert [p.pid for p in healthy.processes] == [4242]
    assert healthy.processes[0].gpu_memory == 3 * 1024**3
    assert not lost.ok and "GPU is lost" in (lost.error or "")
    assert no_power.ok and no_power.power is None and no_power.memory_used == 5 * 1024**3
    assert [p.pid for p in no_power.processes] == [4242]


@pytest.mark.parametrize(("error", "says"), [
    ("NVMLError_LibraryNotFound", "no NVIDIA driver found"),
    ("NVMLError_DriverNotLoaded", "installed but not loaded"),
])
def test_init_failures_say_cpu_only(monkeypatch: pytest.MonkeyPatch, error: str, says: str) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", scripted_pynvml(init_error=error))
    with pytest.raises(NvmlUnavailable, match=says) as raised:
        NvmlBackend()
    assert raised.value.message.startswith("CPU only") and raised.value.hint
