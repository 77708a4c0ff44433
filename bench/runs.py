"""The Runs area at scale: 500 synthetic runs of 60 epochs (scalars.json and a text log each, as
mmengine writes them: 13 logged iterations and one validation with its per-class table per
epoch), in one process, against a fresh state dir.

1. cold: list them with no index (every run read). Goal: <= 3 s.
2. warm: list them again through the index. Goal: <= 0.3 s.
3. changed: one run grows by an epoch and a new run appears; re-list (two runs re-read, and the
   grown run's new mIoU is in its row). Goal: the warm goal.
4. compare: per-class IoU of 6 runs (each one's logged table) and their chart curves (mIoU,
   loss, LR from scalars.json), what the compare view's worker reads. Goal: <= 0.5 s.
5. screen: the Runs screen (headless, 100x30, warm index) from start to its table holding
   every run.
6. baseline: the same runs read the way the Checkpoints area reads them (core.checkpoints
   discover_runs: every run's scalars.json on every list), for reference.

Prints one JSON object on its last line; `--runs N --epochs E` shrink it for a smoke test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.synthetic_runs import write_run  # noqa: E402
from vocseg_tui.core.checkpoints.discovery import discover_runs  # noqa: E402
from vocseg_tui.core.project import STATE_DIR_ENV, Project  # noqa: E402
from vocseg_tui.core.runs.compare import compare  # noqa: E402
from vocseg_tui.core.runs.index import RunIndex  # noqa: E402
from vocseg_tui.core.runs.listing import list_runs  # noqa: E402
from vocseg_tui.core.runs.series import compare_series  # noqa: E402

T = TypeVar("T")
GOALS = {"cold_s": 3.0, "warm_s": 0.3, "changed_s": 0.3, "compare_s": 0.5}


def _timed(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def cli_list_s(root: Path) -> float:
    """`vocseg-tui runs --json` end to end, warm: Python's start and imports included."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vocseg_tui", "--project", str(root), "runs", "--json"],
                   check=True, capture_output=True, timeout=120)
    return time.perf_counter() - started


def generate(project: Path, runs: int, epochs: int) -> float:
    started = time.perf_counter()
    now = time.time()
    for index in range(runs):
        write_run(project / "work_dirs" / f"run{index:03d}", epochs=epochs, lr=0.001 * (1 + index % 20),
                  ceiling=60.0 + index % 17, iters_per_epoch=660, log_every=50,
                  started=now - 86400 + index * 60)
    return time.perf_counter() - started


def screen_s(project: Project, count: int) -> float:
    """Seconds from starting the app on the Runs area to its table holding `count` rows."""
    from tests.tui.waiting import until
    from vocseg_tui.tui.app import make_app
    from vocseg_tui.tui.screens.runs import RunsScreen
    from vocseg_tui.tui.widgets.runs_table import RunsTable

    async def measure() -> float:
        started = time.perf_counter()
        async with make_app(project, start="runs").run_test(size=(100, 30)) as pilot:
            def full() -> bool:
                screen = pilot.app.screen
                return isinstance(screen, RunsScreen) and screen.query_one(RunsTable).row_count == count

            await until(pilot, full, 60, "every run in the table")
            return time.perf_counter() - started

    return asyncio.run(measure())


def grow(work_dir: Path, epoch: int) -> None:
    scalars = next(work_dir.glob("*/vis_data/scalars.json"))
    with scalars.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"lr": 0.0001, "loss": 0.3, "epoch": epoch, "iter": epoch * 660,
                              "step": epoch * 660}) + "\n")
        out.write(json.dumps({"aAcc": 99.0, "mIoU": 99.5, "mAcc": 99.0, "step": epoch}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vocseg-bench-runs-"))
    os.environ[STATE_DIR_ENV] = str(tmp / "state")
    try:
        root = tmp / "project"
        generate_s = generate(root, args.runs, args.epochs)
        project = Project.open(root)
        cold_s, rows = _timed(lambda: list_runs(project, index=RunIndex()))
        warm_index = RunIndex()
        warm_s, _ = _timed(lambda: list_runs(project, index=warm_index))
        assert warm_index.reread == [], "the warm list re-read runs that did not change"
        grow(root / "work_dirs" / "run007", args.epochs + 1)
        write_run(root / "work_dirs" / "run_new", epochs=args.epochs, iters_per_epoch=660, log_every=50)
        changed_index = RunIndex()
        changed_s, changed = _timed(lambda: list_runs(project, index=changed_index))
        grown = next(r for r in changed if r.name == "run007")
        assert grown.facts.best_miou == 99.5 and len(changed_index.reread) == 2
        six = changed[:6]
        compare_s, (table, curves) = _timed(lambda: (compare(six), compare_series(six)))
        assert all(r.source.startswith("validation") for r in table)
        assert all(len(c.miou.values) >= args.epochs for c in curves)
        screen_first_s = screen_s(project, len(changed))
        baseline_s, _ = _timed(lambda: discover_runs(project, use_registry=False))
        result = {
            "runs": len(rows), "epochs": args.epochs, "generate_s": round(generate_s, 2),
            "cold_s": round(cold_s, 3), "warm_s": round(warm_s, 3), "changed_s": round(changed_s, 3),
            "reread_after_change": len(changed_index.reread), "compare_s": round(compare_s, 3),
            "screen_all_rows_s": round(screen_first_s, 3),
            "checkpoints_area_list_s": round(baseline_s, 3), "cli_warm_s": round(cli_list_s(root), 3),
            "goals": GOALS,
            "met": {"cold_s": cold_s <= GOALS["cold_s"], "warm_s": warm_s <= GOALS["warm_s"],
                    "changed_s": changed_s <= GOALS["changed_s"],
                    "compare_s": compare_s <= GOALS["compare_s"]},
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
