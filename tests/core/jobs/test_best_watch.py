"""A running job's new best mIoU is spotted once; a resume does not announce the old best."""

from __future__ import annotations

import json
from pathlib import Path

from tests.synthetic_runs import write_run
from vocseg_tui.core.jobs.best_watch import BestWatch


def validate(work_dir: Path, epoch: int, miou: float) -> None:
    """One more validation line, as mmengine appends it to the newest run's scalars.json."""
    [scalars] = sorted(work_dir.glob("*/vis_data/scalars.json"))[-1:]
    with scalars.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"aAcc": 90.0, "mIoU": miou, "mAcc": miou, "step": epoch}) + "\n")


def test_each_new_best_is_reported_once_and_lower_scores_not_at_all(tmp_path: Path) -> None:
    work_dir = write_run(tmp_path / "run", epochs=3, ceiling=50.0)  # a resumed run's earlier epochs
    watch = BestWatch(work_dir)
    assert watch.check() is None, "nothing new since the job started"
    validate(work_dir, 4, 1.0)
    assert watch.check() is None, "below the best the run already had"
    validate(work_dir, 5, 99.0)
    assert watch.check() == (99.0, 5)
    assert watch.check() is None, "the same best is not reported twice"


def test_a_run_without_validations_yet_reports_its_first(tmp_path: Path) -> None:
    work_dir = write_run(tmp_path / "run", epochs=1)
    scalars = next(work_dir.glob("*/vis_data/scalars.json"))
    scalars.write_text("".join(line + "\n" for line in scalars.read_text().splitlines()
                               if '"mIoU"' not in line))
    watch = BestWatch(work_dir)
    assert watch.best is None
    validate(work_dir, 1, 12.5)
    assert watch.check() == (12.5, 1)
