"""Taking inventory: the real no-driver path of this machine, owners via psutil, a GPU failing,
and a server that changes between refreshes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.core.gpus.servers import eight_gpus, gpu, server_with, write
from vocseg_tui.core.gpus import (
    FAKE_ENV,
    GIB,
    GpuBackendError,
    GpuHistory,
    GpuMonitor,
    current_user,
    take_inventory,
)


def nvml_works() -> bool:
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    pynvml.nvmlShutdown()
    return True


@pytest.mark.skipif(nvml_works(), reason="this machine has an NVIDIA driver")
def test_no_driver_means_cpu_only_for_real(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FAKE_ENV, raising=False)
    inventory = take_inventory()
    assert inventory.cpu_only and inventory.gpus == ()
    assert inventory.source == "none"
    assert inventory.cpu_only_reason == "CPU only: no NVIDIA driver found (the NVML library is missing)"
    assert inventory.to_json()["cpu_only"] is True


@pytest.mark.skipif(not nvml_works(), reason="no NVIDIA driver here")
def test_real_driver_lists_every_gpu(monkeypatch: pytest.MonkeyPatch) -> None:  # pragma: no cover
    import pynvml

    monkeypatch.delenv(FAKE_ENV, raising=False)
    inventory = take_inventory()
    pynvml.nvmlInit()
    assert len(inventory.gpus) == pynvml.nvmlDeviceGetCount()
    assert all(g.uuid.startswith(("GPU-", "MIG-")) for g in inventory.gpus if g.ok)


def test_readings_arrive_in_bytes_and_owners_come_from_psutil(fake_server: Path) -> None:
    inventory = GpuMonitor().refresh()
    assert inventory.source == "fake" and inventory.driver == "550.54.15"
    assert len(inventory.gpus) == 8
    first = inventory.gpus[0]
    assert first.memory_total == 80 * GIB and first.memory_free == (81920 - 71234) * 1024**2
    assert first.processes[0].user == "alice"
    ours = inventory.gpus[6].processes[0]
    assert ours.pid == os.getpid()
    assert ours.user == psutil.Process().username() == current_user() == inventory.me
    assert ours.command is not None and "python" in ours.command.lower()
    assert inventory.gpus[6].other_users(inventory.me) == ()


def test_a_pid_we_cannot_see_has_an_unknown_owner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that existed and is gone now, like one in another PID namespace
    server = eight_gpus()
    server["gpus"][7]["processes"] = [{"pid": child.pid, "gpu_memory_mib": 500}]
    monkeypatch.setenv(FAKE_ENV, str(write(tmp_path / "gpus.json", server)))
    inventory = GpuMonitor().refresh()
    gpu = inventory.gpus[7]
    assert gpu.processes[0].user is None
    assert gpu.other_users(inventory.me) == ("?",)


def test_one_failing_gpu_keeps_its_row_and_the_others_work(fake_server: Path) -> None:
    inventory = GpuMonitor().refresh()
    failed = inventory.gpus[4]
    assert failed.index == 4 and not failed.ok and failed.error == "GPU is lost"
    assert all(g.ok for g in inventory.gpus if g.index != 4)
    assert inventory.to_json()["gpus"][4]["error"] == "GPU is lost"  # type: ignore[index]


def test_changes_on_the_server_show_on_the_next_refresh(fake_server: Path) -> None:
    monitor = GpuMonitor()
    assert monitor.refresh().gpus[7].processes == ()
    server = eight_gpus()
    server["gpus"][7].update(memory_used_mib=40000, gpu_util=88,
                             processes=[{"pid": 7777, "user": "carol", "command": "python x.py"}])
    write(fake_server, server)
    after = monitor.refresh().gpus[7]
    assert after.gpu_util == 88 and after.other_users(monitor.me) == ("carol",)


def test_list_readings_cycle_and_feed_the_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = eight_gpus()
    server["gpus"][3]["gpu_util"] = [10, 50, 90]
    monkeypatch.setenv(FAKE_ENV, str(write(tmp_path / "gpus.json", server)))
    monitor, history = GpuMonitor(), GpuHistory(length=4)
    for _ in range(5):
        history.add(monitor.refresh())
    uuid = server["gpus"][3]["uuid"]
    assert history.util(uuid) == [50.0, 90.0, 10.0, 50.0]
    assert len(history.memory(uuid)) == 4
    assert history.util(server["gpus"][4]["uuid"]) == []  # the failed GPU has no readings


def test_a_broken_fake_description_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAKE_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(GpuBackendError, match="does not exist") as raised:
        take_inventory()
    assert "VOCSEG_FAKE_GPUS" in raised.value.hint
    for text, says in [('{"gpus": [7, {"name": "NVIDIA T4"}]}', "GPU 0 is not an object"),
                       ('{"gpus": [{"gpu_util": "high"}]}', 'GPU 0: "gpu_util" must be a number'),
                       ('{"gpus": [{"processes": [{"user": "bob"}]}]}', 'needs a "pid"'),
                       ('{"gpus": [{"no_permission": ["fan"]}]}', '"no_permission" must list'),
                       ('{"gpus": [{"mig": "yes"}]}', '"mig" must be true, false')]:
        (tmp_path / "odd.json").write_text(text)
        monkeypatch.setenv(FAKE_ENV, str(tmp_path / "odd.json"))
        with pytest.raises(GpuBackendError, match=says) as raised:
            take_inventory()
        assert "VOCSEG_FAKE_GPUS" in raised.value.hint
    (tmp_path / "bad.json").write_text("{not json")
    monkeypatch.setenv(FAKE_ENV, str(tmp_path / "bad.json"))
    with pytest.raises(GpuBackendError, match="cannot read"):
        take_inventory()


def test_an_owner_once_seen_is_kept_while_the_driver_still_lists_the_pid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """NVML lists a pid for a moment after the process exited; if a refresh in between could
    not read the list (no permission for a moment), our own GPU must not become "in use by ?"."""
    job = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    ours = [{"pid": job.pid, "gpu_memory_mib": 30700}]
    path = write(tmp_path / "gpus.json", server_with("550.54.15", gpu(0, 30720, 0, processes=ours)))
    monkeypatch.setenv(FAKE_ENV, str(path))
    monitor = GpuMonitor()
    first = monitor.refresh().gpus[0]
    assert first.processes[0].user == monitor.me and first.other_users(monitor.me) == ()
    write(path, server_with("550.54.15", gpu(0, 30720, 0, processes=ours, no_permission=["processes"])))
    assert not monitor.refresh().gpus[0].processes_known
    assert job.stdin is not None
    job.stdin.close()
    job.wait()  # gone for psutil, still listed by the driver
    write(path, server_with("550.54.15", gpu(0, 30720, 0, processes=ours)))
    later = monitor.refresh().gpus[0]
    assert later.processes[0].user == monitor.me and later.other_users(monitor.me) == ()
    monitor.close()
