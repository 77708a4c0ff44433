"""Cold start of vocseg-tui to its first rendered frame, against a minimal Textual app.

Both run headless in fresh processes, alternating, in this one run; the median of several
runs each is compared. Goal: vocseg-tui at most 1.25x the minimal app.
Wall time swings with the load of a shared machine; the CPU time each child spent up to its
first frame (`cpu_ratio`) swings much less, so both are reported. Note `uptime` beside a result.
Prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = 7
GOAL_RATIO = 1.25


def time_to_first_frame(which: str, project: Path) -> tuple[float, float]:
    """Wall seconds from spawning the child to its READY line, and the child's CPU seconds then."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(HERE / "_first_frame.py"), which, str(project)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith("READY"):
            elapsed = time.perf_counter() - started
            cpu = float(line.split()[1])
            break
    else:
        raise RuntimeError(f"{which} never rendered a frame")
    child.wait(timeout=30)
    return elapsed, cpu


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    from vocseg_tui.core.sample import create_sample

    with tempfile.TemporaryDirectory() as tmp:
        project = create_sample(Path(tmp) / "sample").root
        time_to_first_frame("minimal", project)  # warm the file cache for both
        time_to_first_frame("vocseg", project)
        minimal, ours = [], []
        for _ in range(RUNS):
            minimal.append(time_to_first_frame("minimal", project))
            ours.append(time_to_first_frame("vocseg", project))
    wall = [statistics.median(t[0] for t in runs) for runs in (ours, minimal)]
    cpu = [statistics.median(t[1] for t in runs) for runs in (ours, minimal)]
    result = {
        "ours_s": round(wall[0], 3),
        "minimal_textual_s": round(wall[1], 3),
        "ratio": round(wall[0] / wall[1], 3),
        "ours_cpu_s": round(cpu[0], 3),
        "minimal_textual_cpu_s": round(cpu[1], 3),
        "cpu_ratio": round(cpu[0] / cpu[1], 3),
        "goal_ratio": GOAL_RATIO,
        "runs": RUNS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
