"""GPU servers for the tests: descriptions for the emulated driver (core/gpus/emulated_nvml.py),
which the real NvmlBackend reads through a private copy of the real pynvml.

The eight-GPU server is a typical shared box: alice trains on 0 and 1, bob keeps a notebook's
2 GiB on 2 at 0 % utilisation, 4 has fallen off the bus, 6 runs a job of this very test
process (its real pid: psutil resolves the owner to us), and 3, 5, 7 are idle.

The driver profiles below are the servers a user meets: R470 (no `_v3` process queries), R535
and R550, an ancient R440 (no process query nvidia-ml-py can use), MIG boards with and without
privileges, a workstation with Xorg and gnome-shell on every GPU.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from vocseg_tui.core.gpus import FAKE_ENV

A100 = {"name": "NVIDIA A100-SXM4-80GB", "memory_total_mib": 81920, "power_limit_w": 400}


def gpu(index: int, used_mib: int, util: int, *, processes: list[dict[str, Any]] | None = None,
        **extra: Any) -> dict[str, Any]:
    return {**A100, "uuid": f"GPU-{index:08x}-1111-2222-3333-444455556666",
            "memory_used_mib": used_mib, "gpu_util": util, "memory_util": util // 2,
            "temperature_c": 30 + util // 3, "power_w": 60 + 2.5 * util,
            "processes": processes or [], **extra}


def eight_gpus() -> dict[str, Any]:
    alice = {"user": "alice", "command": "python tools/train.py configs/deeplabv3.py --launcher pytorch"}
    return {"driver": "550.54.15", "gpus": [
        gpu(0, 71234, 97, processes=[{"pid": 41001, "gpu_memory_mib": 70800, **alice}]),
        gpu(1, 71234, 95, processes=[{"pid": 41002, "gpu_memory_mib": 70800, **alice}]),
        gpu(2, 2200, 0, processes=[{"pid": 52017, "gpu_memory_mib": 2100, "user": "bob",
                                    "command": "python -m ipykernel_launcher -f kernel.json"}]),
        gpu(3, 600, 0),
        {**A100, "uuid": "GPU-00000004-1111-2222-3333-444455556666", "error": "GPU is lost"},
        gpu(5, 4, 0),
        gpu(6, 30720, 60, processes=[{"pid": os.getpid(), "gpu_memory_mib": 30700}]),
        gpu(7, 4, 1),
    ]}


def write(path: Path, server: dict[str, Any]) -> Path:
    """Write a description; bump the mtime so a backend that already read it sees the change."""
    previous = path.stat().st_mtime if path.exists() else 0.0
    path.write_text(json.dumps(server))
    os.utime(path, (previous + 1, previous + 1))
    return path


@pytest.fixture
def fake_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """VOCSEG_FAKE_GPUS pointing at the eight-GPU server; rewrite the file to change it."""
    path = write(tmp_path / "gpus.json", eight_gpus())
    monkeypatch.setenv(FAKE_ENV, str(path))
    return path


def eight_gpus_moving() -> dict[str, Any]:
    """The same server with a minute of history in motion: alice's job dips at each validation."""
    server = eight_gpus()
    server["gpus"][0]["gpu_util"] = [97, 98, 99, 96, 40, 12, 95, 98, 99, 97, 98, 97]
    server["gpus"][1]["gpu_util"] = [95, 97, 98, 94, 35, 10, 93, 97, 98, 96, 97, 95]
    server["gpus"][6]["gpu_util"] = [0, 0, 20, 55, 60, 62, 58, 61, 60, 59, 61, 60]
    return server


UNSEEN_PID = 4_194_999
"""Above the largest pid_max Linux allows (2**22): psutil never finds it, as for a pid in
another PID namespace."""
XORG = {"user": "root", "command": "/usr/lib/xorg/Xorg vt1 -displayfd 3 -auth /run/user/128/gdm/Xauthority",
        "type": "graphics", "gpu_memory_mib": 40}
GNOME_SHELL = {"user": "gdm", "command": "/usr/bin/gnome-shell", "type": "graphics", "gpu_memory_mib": 15}


def server_with(driver: str, *gpus: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"driver": driver, "gpus": list(gpus), **extra}


def r470_server(own_pid: int) -> dict[str, Any]:
    """A 4-GPU R470 lab server: our job on 0, bob's on 1, 2 and 3 idle."""
    return server_with(
        "470.182.03",
        gpu(0, 30720, 60, processes=[{"pid": own_pid, "gpu_memory_mib": 30700}]),
        gpu(1, 20480, 80, processes=[{"pid": 52017, "gpu_memory_mib": 20400, "user": "bob",
                                      "command": "python train.py"}]),
        gpu(2, 4, 0), gpu(3, 4, 0))


def workstation(*extra_processes: dict[str, Any], gpus: int = 4) -> dict[str, Any]:
    """A workstation-style server: Xorg and gnome-shell of the display manager on every GPU."""
    return server_with("535.183.01", *(
        gpu(i, 60, 0, processes=[{"pid": 2000 + 2 * i, **XORG}, {"pid": 2001 + 2 * i, **GNOME_SHELL},
                                 *(p for p in extra_processes if p.get("gpu") == i)])
        for i in range(gpus)))


def mig_server(*, privileged: bool) -> dict[str, Any]:
    """An H100 box: GPU 0 in MIG mode with a job of alice's inside an instance, GPU 1 whole."""
    h100 = {"name": "NVIDIA H100 80GB HBM3", "memory_total_mib": 81559}
    return server_with(
        "550.54.15",
        {**gpu(0, 20000, 0, processes=[{"pid": 41001, "gpu_memory_mib": 19900, "user": "alice",
                                        "command": "python train.py"}]), **h100, "mig": True},
        {**gpu(1, 4, 0), **h100, "mig": False},
        privileged=privileged)


def mixed_server() -> dict[str, Any]:
    """A MIG GPU (0), a whole one (1), one whose processes we may not list (2), one with a
    display server and a colleague's OpenGL program (3)."""
    server = mig_server(privileged=False)
    server["gpus"] += [
        {**gpu(2, 4, 0), "no_permission": ["processes"]},
        gpu(3, 400, 0, processes=[{"pid": 2000, **XORG, "user": "gdm"},
                                  {"pid": 2001, **GNOME_SHELL},
                                  {"pid": 9000, "user": "alice", "command": "paraview",
                                   "type": "graphics", "gpu_memory_mib": 300}]),
    ]
    return server
