"""The real NvmlBackend against emulated drivers, as the servers a user meets answer.

The emulated driver (vocseg_tui/core/gpus/emulated_nvml.py) is installed as
`sys.modules["pynvml"]`, so `NvmlBackend()` imports it exactly as it imports the real one; it
is the real pynvml code over an emulated libnvidia-ml, so what pynvml raises (R470's
NVMLLibraryMismatchError) is pynvml's own doing.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

from tests.core.gpus.servers import gpu, mig_server, r470_server, server_with
from vocseg_tui.core.gpus import (
    GIB,
    GpuMonitor,
    Inventory,
    NvmlUnavailable,
    PickRules,
    SelectionError,
    auto_pick,
    blocker,
    free_gpus,
    to_device_choice,
    toggle,
)
from vocseg_tui.core.gpus.emulated_nvml import EmulatedServer
from vocseg_tui.core.gpus.nvml import NO_PERMISSION, NO_QUERY, NvmlBackend


def installed(monkeypatch: pytest.MonkeyPatch, description: dict[str, Any]) -> EmulatedServer:
    """The emulated driver as the `pynvml` that NvmlBackend imports, with no fake env set."""
    server = EmulatedServer(description)
    monkeypatch.setitem(sys.modules, "pynvml", server.module)
    monkeypatch.delenv("VOCSEG_FAKE_GPUS", raising=False)
    return server


def monitor_of(server: EmulatedServer) -> GpuMonitor:
    """A monitor over `NvmlBackend()` (which imports the installed pynvml); the owners of the
    described pids come from the description, as psutil would give them on that server."""
    return GpuMonitor(lambda: NvmlBackend(owners=server.owner))


def inventory(monkeypatch: pytest.MonkeyPatch, description: dict[str, Any]) -> Inventory:
    monitor = monitor_of(installed(monkeypatch, description))
    try:
        return monitor.refresh()
    finally:
        monitor.close()


def test_r550_answers_become_gpu_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    me = os.getpid()
    found = inventory(monkeypatch, server_with(
        "550.54.15",
        gpu(0, 5120, 42, processes=[{"pid": me, "gpu_memory_mib": 3072, "type": "compute+graphics"}],
            power_w=250.5, power_limit_w=700, temperature_c=55, pci_bus_id="00000000:1B:00.0"),
        {"name": "NVIDIA H100 80GB HBM3", "error": "fell off the bus"},
        gpu(2, 5120, 0, power_w=None, power_limit_w=None, processes=[
            {"pid": me, "gpu_memory_mib": None}]),
    ))
    assert found.source == "nvml" and found.driver == "550.54.15"
    healthy, lost, no_power = found.gpus
    assert (healthy.gpu_util, healthy.memory_util, healthy.temperature) == (42, 21, 55)
    assert healthy.power == 250.5 and healthy.power_limit == 700.0  # milliwatts become watts
    assert healthy.pci_bus_id == "00000000:1B:00.0" and healthy.memory_used == 5 * GIB
    (ours,) = healthy.processes  # listed by both queries, shown once
    assert ours.pid == me and ours.gpu_memory == 3 * GIB and ours.kind == "compute+graphics"
    assert ours.user == found.me and healthy.processes_known
    assert not lost.ok and lost.error == "GPU is lost" and lost.name == "?"
    assert no_power.ok and no_power.power is None and no_power.power_limit is None
    assert no_power.processes[0].gpu_memory is None  # the driver's "not available"
    assert not healthy.mig  # a board without MIG answers NotSupported


def test_r470_lists_processes_through_v2_and_asks_for_v3_once(monkeypatch: pytest.MonkeyPatch) -> None:
    server = installed(monkeypatch, r470_server(os.getpid()))
    nvml: Any = server.module
    nvml.nvmlInit()
    handle = nvml.nvmlDeviceGetHandleByIndex(1)
    # What the real nvidia-ml-py does on this driver: not an NVMLError at all.
    with pytest.raises(nvml.NVMLLibraryMismatchError) as mismatch:
        nvml.nvmlDeviceGetComputeRunningProcesses(handle)
    assert not isinstance(mismatch.value, nvml.NVMLError)
    with pytest.raises(nvml.NVMLError_FunctionNotFound):
        nvml.nvmlDeviceGetGraphicsRunningProcesses_v3(handle)
    asked = server.library.lookups["nvmlDeviceGetComputeRunningProcesses_v3"]

    monitor = monitor_of(server)
    for _ in range(3):
        found = monitor.refresh()
    monitor.close()
    assert [g.ok and g.processes_known for g in found.gpus] == [True] * 4
    assert found.gpus[1].processes[0].pid == 52017 and found.gpus[1].other_users(found.me) == ("bob",)
    assert blocker(found.gpus[1], PickRules(), found.me) == "in use by bob"
    assert auto_pick(found, 2, PickRules()) == (2, 3)
    lookups = server.library.lookups
    assert lookups["nvmlDeviceGetComputeRunningProcesses_v3"] == asked + 1  # three refreshes, one try
    assert lookups["nvmlDeviceGetGraphicsRunningProcesses_v3"] == 2


def test_a_driver_without_a_usable_process_query_means_processes_unknown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    found = inventory(monkeypatch, server_with("440.118.02", gpu(0, 4, 0), gpu(1, 4, 0)))
    assert all(g.ok and not g.mig for g in found.gpus)  # no nvmlDeviceGetMigMode either: not MIG
    assert [g.processes_error for g in found.gpus] == [NO_QUERY, NO_QUERY]
    assert blocker(found.gpus[0], PickRules(), found.me) == f"processes unknown ({NO_QUERY})"
    assert free_gpus(found, PickRules()) == []  # never treated as empty
    with pytest.raises(SelectionError, match="only 0 of 2 GPUs are free"):
        auto_pick(found, 1, PickRules())
    assert toggle(frozenset(), found, 1) == {1}  # by hand, like a busy GPU


@pytest.mark.parametrize("privileged", [False, True])
def test_a_mig_gpu_is_shown_never_picked_and_refused_by_hand(
        monkeypatch: pytest.MonkeyPatch, privileged: bool) -> None:
    found = inventory(monkeypatch, mig_server(privileged=privileged))
    mig, whole = found.gpus
    assert mig.ok and mig.mig and mig.gpu_util is None and mig.memory_used == 20000 * 2**20
    assert not whole.mig and whole.gpu_util == 0
    if privileged:  # root sees the processes inside the MIG instances
        assert mig.processes_known and mig.other_users(found.me) == ("alice",)
    else:
        assert mig.processes_error == NO_PERMISSION and mig.processes == ()
    assert blocker(mig, PickRules(), found.me) == "MIG mode: not usable as a whole GPU"
    assert auto_pick(found, 1, PickRules()) == (1,)
    with pytest.raises(SelectionError, match="GPU 0 is in MIG mode") as refused:
        toggle(frozenset(), found, 0)
    assert "nvidia-smi -i 0 -mig 0" in refused.value.hint and "MIG-" in refused.value.hint
    with pytest.raises(SelectionError, match="MIG mode"):
        to_device_choice(found, (0, 1))


def test_permission_errors_on_optional_readings_are_unknown_not_a_failed_gpu(
        monkeypatch: pytest.MonkeyPatch) -> None:
    found = inventory(monkeypatch, server_with(
        "535.183.01",
        gpu(0, 4, 0, power_w=80, no_permission=["power", "power_limit", "temperature", "utilization", "pci"]),
        gpu(1, 4, 0, no_permission=["processes"]),
        gpu(2, 4, 0, no_permission=["memory"]),
    ))
    readings, processes, memory = found.gpus
    assert readings.ok and readings.processes_known
    assert (readings.power, readings.temperature, readings.gpu_util) == (None, None, None)
    assert readings.pci_bus_id == ""
    assert processes.ok and processes.processes_error == NO_PERMISSION
    assert not memory.ok and memory.error == "Insufficient Permissions"
    assert [g.index for g in free_gpus(found, PickRules())] == [0]


def test_a_gpu_that_falls_off_the_bus_keeps_its_name_and_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    description = server_with("550.54.15", gpu(0, 4, 0), gpu(1, 4, 0))
    server = installed(monkeypatch, description)
    monitor = monitor_of(server)
    assert all(g.ok for g in monitor.refresh().gpus)
    description["gpus"][1]["error"] = "GPU is lost"
    server.describe(description)
    for _ in range(2):  # the cached handle fails, then a fresh one cannot be had
        lost = monitor.refresh().gpus[1]
        assert not lost.ok and lost.error == "GPU is lost"
        assert lost.name == "NVIDIA A100-SXM4-80GB" and lost.uuid == description["gpus"][1]["uuid"]
    del description["gpus"][1]["error"]
    server.describe(description)
    assert monitor.refresh().gpus[1].ok
    monitor.close()


@pytest.mark.parametrize(("error", "says"), [
    ("LibraryNotFound", "no NVIDIA driver found"),
    ("DriverNotLoaded", "installed but not loaded"),
    ("NoPermission", "no permission to query"),
])
def test_init_failures_say_cpu_only(monkeypatch: pytest.MonkeyPatch, error: str, says: str) -> None:
    installed(monkeypatch, server_with("550.54.15", gpu(0, 4, 0), init_error=error))
    with pytest.raises(NvmlUnavailable, match=says) as raised:
        NvmlBackend()
    assert raised.value.message.startswith("CPU only") and raised.value.hint
    assert GpuMonitor().refresh().cpu_only
