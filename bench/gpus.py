"""Cost of the GPU view: one inventory refresh, and the UI process's CPU share with the GPUs
screen open.

1. Refresh cost: the median and 95th percentile of 200 `GpuMonitor.refresh()` calls, made
   from a worker thread as the screen makes them, (a) on an emulated eight-GPU R535 server
   (VOCSEG_FAKE_GPUS: the real NvmlBackend over the real pynvml over the emulated driver
   library, both process queries, owners through psutil, one of them a real pid) and (b) on
   this machine's real backend (NVML where a driver exists; here, without one, the CPU-only
   path), the anchor. Goal: under 5 ms median on the emulated server.
2. CPU share: the app runs headless in a child process on the GPUs screen for 30 s (the same
   emulated server, whose readings change every refresh) and, for comparison, on the Data
   screen for 6 s; CPU seconds of all its threads divided by wall seconds. Where a GPU exists,
   run it without VOCSEG_FAKE_GPUS set in the parent to measure the real backend.

Prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFRESHES = 200
GPUS_SCREEN_S = 30.0
BASELINE_S = 6.0
GOAL_MEDIAN_MS = 5.0
DRIVER = "535.183.01"


def emulated_server(own_pid: int) -> dict[str, object]:
    """Eight H100s on R535: alice trains on 0-3, we on 4, 5-7 idle with the display server's
    Xorg and gnome-shell (so both process queries return something on every GPU)."""
    def gpu(i: int, used: int, util: list[int], procs: list[dict[str, object]]) -> dict[str, object]:
        display = [{"pid": 2000 + i, "user": "root", "command": "/usr/lib/xorg/Xorg vt1",
                    "type": "graphics", "gpu_memory_mib": 40}]
        return {"name": "NVIDIA H100 80GB HBM3", "uuid": f"GPU-{i:08x}-bench", "memory_total_mib": 81559,
                "memory_used_mib": used, "gpu_util": util, "memory_util": [u // 2 for u in util],
                "temperature_c": 40 + i, "power_w": 100.0 + i, "power_limit_w": 700,
                "processes": procs + display}

    busy = [97, 98, 40, 12, 95, 99]
    return {"driver": DRIVER, "gpus": [
        *(gpu(i, 71234, busy, [{"pid": 41000 + i, "user": "alice", "command": "python train.py",
                                "gpu_memory_mib": 70800}]) for i in range(4)),
        gpu(4, 30720, [60, 62, 58], [{"pid": own_pid, "gpu_memory_mib": 30700}]),
        *(gpu(i, 44, [0, 1, 0], []) for i in range(5, 8)),
    ]}


def refresh_cost(label: str) -> dict[str, object]:
    """Refreshes timed in a worker thread, as the GPUs screen's thread worker calls them."""
    from vocseg_tui.core.gpus import GpuMonitor

    monitor = GpuMonitor()
    times: list[float] = []
    cpu: list[float] = []
    found: dict[str, object] = {}

    def worker() -> None:
        started = time.perf_counter()
        first = monitor.refresh()  # opens the backend; not what the screen pays each second
        found.update(first=first, opened=time.perf_counter() - started)
        for _ in range(REFRESHES):
            started, on_cpu = time.perf_counter(), time.thread_time()
            monitor.refresh()
            times.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - on_cpu)

    thread = threading.Thread(target=worker, name="gpus-refresh")
    thread.start()
    thread.join()
    monitor.close()
    first, opened = found["first"], float(found["opened"])  # type: ignore[arg-type]
    times.sort()
    cpu.sort()
    return {f"{label}_source": first.source, f"{label}_gpus": len(first.gpus),  # type: ignore[attr-defined]
            f"{label}_first_refresh_ms": round(opened * 1000, 3),
            f"{label}_refresh_median_ms": round(statistics.median(times) * 1000, 3),
            f"{label}_refresh_p95_ms": round(times[int(0.95 * len(times))] * 1000, 3),
            # CPU time of the refreshing thread: what a refresh costs when other work
            # preempts it (the wall p95 on a busy machine is mostly the scheduler's).
            f"{label}_refresh_cpu_median_ms": round(statistics.median(cpu) * 1000, 3),
            f"{label}_refresh_cpu_p95_ms": round(cpu[int(0.95 * len(cpu))] * 1000, 3)}


def child(mode: str, seconds: float, project: str) -> None:
    """Run the app headless on one screen; print CPU seconds, wall seconds and refreshes."""
    from vocseg_tui.core.project import Project
    from vocseg_tui.tui.app import make_app
    from vocseg_tui.tui.screens.base import AreaScreen

    def reads(screen: object) -> int:
        """Periodic reads the screen has delivered so far (0 for a screen without any)."""
        return sum(p.reads for p in screen.periodics) if isinstance(screen, AreaScreen) else 0

    async def measure(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        while type(app.screen).__name__ == "Screen" or not app.screen.is_mounted:
            await pilot.pause(0.05)
        await pilot.pause(1.0)  # past start-up and the first refresh
        cpu, wall = time.process_time(), time.perf_counter()
        before = reads(app.screen)
        await pilot.pause(seconds)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        refreshes = reads(app.screen) - before
        print(json.dumps({"cpu_s": cpu, "wall_s": wall, "refreshes": refreshes}), flush=True)
        app.exit()

    make_app(Project.open(project), start=mode).run(headless=True, size=(100, 30), auto_pilot=measure)


def cpu_share(mode: str, seconds: float, project: str, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, str(Path(__file__)), "--child", mode, str(seconds), project],
                          capture_output=True, text=True, env=env, timeout=seconds + 60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    result: dict[str, object] = {}
    real_env = os.environ.get("VOCSEG_FAKE_GPUS")
    os.environ.pop("VOCSEG_FAKE_GPUS", None)
    result.update(refresh_cost("real"))
    with tempfile.TemporaryDirectory() as tmp:
        description = Path(tmp) / "gpus.json"
        description.write_text(json.dumps(emulated_server(os.getpid())))
        os.environ["VOCSEG_FAKE_GPUS"] = str(description)
        result.update(refresh_cost("emulated"))
        result["emulated_driver"] = DRIVER
        env = dict(os.environ)
        if real_env is None and result["real_gpus"]:
            env.pop("VOCSEG_FAKE_GPUS")  # a GPU exists: the screen watches the real one
        gpus = cpu_share("gpus", GPUS_SCREEN_S, tmp, env)
        idle = cpu_share("data", BASELINE_S, tmp, env)
    result.update({
        "screen_backend": "nvml" if "VOCSEG_FAKE_GPUS" not in env else "fake",
        "gpus_screen_cpu_share": round(gpus["cpu_s"] / gpus["wall_s"], 4),
        "gpus_screen_s": round(gpus["wall_s"], 1),
        "gpus_screen_refreshes": gpus["refreshes"],
        "data_screen_cpu_share": round(idle["cpu_s"] / idle["wall_s"], 4),
        "goal_refresh_median_ms": GOAL_MEDIAN_MS,
        "goal_met": float(result["emulated_refresh_median_ms"]) < GOAL_MEDIAN_MS,  # type: ignore[arg-type]
    })
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(HERE.parent))
        child(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        main()
