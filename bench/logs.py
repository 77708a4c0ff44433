"""The Logs screen under load, measured with the real app headless (App.run_test), one process.

1. open: a 1 GB mmengine log (generated once, by doubling a block of the captured real log)
   -> seconds until its last line is on screen, and the UI process's RSS then.
   Goals: < 1 s, < 150 MB.
2. follow: a writer process appends 10,000 lines/s; key presses ("l", the level filter, which
   rebuilds the filtered view) are timed from posting the key to its effect. Goal: < 100 ms.
3. idle: three running jobs (three writer processes that wrote their logs and now wait) with the
   Logs screen open; CPU of the UI process over a quiet interval. Goal: < 3 % of one core.

Prints one JSON object on its last line.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from textual import events  # noqa: E402

from vocseg_tui.core.project import Project  # noqa: E402
from vocseg_tui.tui.app import make_app  # noqa: E402
from vocseg_tui.tui.screens.logs import LogsScreen  # noqa: E402
from vocseg_tui.tui.widgets.log_view import LogView  # noqa: E402

CAPTURE = HERE.parent / "tests" / "fixtures" / "logs" / "mmengine_run.log"
SIZE = 1024**3
STAMP = "20261124_153501"
LAST_LINE = "2026/11/24 23:59:59 - mmengine - INFO - the last line of the generated log"

WRITER = """
import sys, time
lines = [l for l in open(sys.argv[1]).read().splitlines(keepends=True) if ' - mmengine - ' in l]
rate, out = int(sys.argv[3]), open(sys.argv[2], "a")
block = "".join((lines * (rate // 10 // len(lines) + 1))[: rate // 10])
out.write(block); out.flush()
print("READY", flush=True)
if rate <= 0:
    time.sleep(3600)
next_at = time.monotonic()
while True:
    out.write(block); out.flush()
    next_at += 0.1
    time.sleep(max(0.0, next_at - time.monotonic()))
"""


def run_dir(project: Path, name: str) -> Path:
    folder = project / "work_dirs" / name / STAMP
    folder.mkdir(parents=True)
    return folder


def generate_big_log(path: Path) -> float:
    """1 GiB of real mmengine lines: a ~1 MB block, then the file appended to itself."""
    started = time.perf_counter()
    capture = CAPTURE.read_bytes()
    block = capture * (1024 * 1024 // len(capture) + 1)
    with path.open("wb") as out:
        out.write(block)
    size = len(block)
    with path.open("r+b") as handle:
        while size < SIZE:
            n = min(size, SIZE - size)
            handle.seek(size)
            os.copy_file_range(handle.fileno(), handle.fileno(), n, 0, size)
            size += n
    with path.open("ab") as out:
        out.write(f"\n{LAST_LINE}\n".encode())
    return time.perf_counter() - started


def start_writer(log: Path, rate: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(CAPTURE), str(log), str(rate)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # READY: its first batch is written
    return proc


async def until(condition: object, timeout: float) -> bool:
    assert callable(condition)
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def measure(project: Path, big: Path, fast: Path) -> dict[str, object]:
    process = psutil.Process()
    app = make_app(Project.open(project), start="logs")
    started = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        view = screen.query_one(LogView)

        def big_shown() -> bool:
            return screen.current == f"dir:{big.parent.parent}" and bool(view.view) and \
                view.lines[view.view[-1]] == LAST_LINE

        big_key = f"dir:{big.parent.parent}"
        await until(lambda: any(t.key == big_key for t in screen.targets), 30)
        ready_s = time.perf_counter() - started
        selected = time.perf_counter()
        screen.select(big_key)  # what picking it in the job list does
        opened = await until(big_shown, 30)
        open_s = time.perf_counter() - selected
        await pilot.pause(0.3)
        rss_open = process.memory_info().rss / 1024**2

        # --- follow a fast log ----------------------------------------------------------
        writer = start_writer(fast, 10_000)
        try:
            screen.select(f"dir:{fast.parent.parent}")
            await until(lambda: len(view.view) > 5_000, 10)
            latencies = []
            for _ in range(20):
                before = view.min_level
                t0 = time.perf_counter()
                app.post_message(events.Key("l", "l"))
                await until(lambda b=before: view.min_level != b, 5)  # type: ignore[misc]
                latencies.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(0.15)
            lines_seen = len(screen.caches[screen.current or ""].lines)
        finally:
            writer.kill()
            writer.wait()
        rss_follow = process.memory_info().rss / 1024**2

        # --- idle with three running jobs -------------------------------------------------
        screen.select(f"dir:{big.parent.parent}")
        await pilot.pause(1.0)
        cpu0 = process.cpu_times()
        wall0 = time.perf_counter()
        await asyncio.sleep(6.0)
        cpu1 = process.cpu_times()
        idle_cpu = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / (time.perf_counter() - wall0)
    return {
        "app_ready_s": round(ready_s, 3), "open_1gb_s": round(open_s, 3), "open_ok": opened,
        "rss_open_mb": round(rss_open, 1),
        "follow_key_ms_p50": round(statistics.median(latencies), 1),
        "follow_key_ms_max": round(max(latencies), 1),
        "follow_lines_buffered": lines_seen, "rss_follow_mb": round(rss_follow, 1),
        "idle_cpu_pct": round(idle_cpu * 100, 2),
    }


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="vocseg-bench-logs-"))
    writers: list[subprocess.Popen[str]] = []
    try:
        project = tmp / "project"
        big = run_dir(project, "big") / f"{STAMP}.log"
        generate_s = generate_big_log(big)
        fast = run_dir(project, "fast") / f"{STAMP}.log"
        fast.touch()
        for n in range(3):  # three running jobs that have logged and now wait
            writers.append(start_writer(run_dir(project, f"running{n}") / f"{STAMP}.log", 0))
        result = asyncio.run(measure(project, big, fast))
        result["generate_s"] = round(generate_s, 2)
        result["log_gb"] = round(big.stat().st_size / 1024**3, 3)
        result["goals"] = {"open_1gb_s": 1.0, "rss_open_mb": 150, "follow_key_ms_max": 100,
                           "idle_cpu_pct": 3.0}
    finally:
        for writer in writers:
            writer.kill()
            writer.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
