"""Cold start of vocseg-tui to its first rendered frame, against a minimal Textual app.

Both run headless in fresh processes, alternating, in this one run; the median of several
runs each is compared. Goal: vocseg-tui at most 1.25x the minimal app.
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


def time_to_first_frame(which: str, project: Path) -> float:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(HERE / "_first_frame.py"), which, str(project)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "READY":
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError(f"{which} never rendered a frame")
    child.wait(timeout=30)
    return elapsed


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
    result = {
        "ours_s": round(statistics.median(ours), 3),
        "minimal_textual_s": round(statistics.median(minimal), 3),
        "ratio": round(statistics.median(ours) / statistics.median(minimal), 3),
        "goal_ratio": GOAL_RATIO,
        "runs": RUNS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
