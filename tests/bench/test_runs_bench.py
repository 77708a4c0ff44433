"""bench/runs.py at a small scale: it runs, checks itself, and prints its figures last."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_runs_benchmark_reports_its_figures_and_goals() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "runs.py"), "--runs", "12", "--epochs", "4"],
                          capture_output=True, text=True, timeout=120, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["runs"] == 12 and result["reread_after_change"] == 2
    assert set(result["goals"]) == set(result["met"]) and result["warm_s"] < result["goals"]["warm_s"]
