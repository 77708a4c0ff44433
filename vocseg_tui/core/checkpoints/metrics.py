"""Validation metrics per step, read from the `vis_data/scalars.json` files mmengine writes.

Each launch or resume of a run writes a new timestamped folder (`<work_dir>/<YYYYMMDD_HHMMSS>/
vis_data/scalars.json`, one JSON object per line). Validation lines carry `mIoU` and a `step`
that is the epoch (epoch-based runs, mmengine's default `log_metric_by_epoch=True`) or the
iteration (iteration-based runs), which is exactly the N of `epoch_N.pth` / `iter_N.pth`.
Files are read oldest first, so a resumed run's re-validated step overrides the earlier one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_RUN_FOLDER = re.compile(r"^\d{8}_\d{6}$")


def scalar_files(work_dir: Path) -> list[Path]:
    """Every scalars.json of the run, oldest launch first."""
    folders = sorted(p for p in work_dir.iterdir() if p.is_dir() and _RUN_FOLDER.match(p.name)) \
        if work_dir.is_dir() else []
    return [f / "vis_data" / "scalars.json" for f in folders if (f / "vis_data" / "scalars.json").is_file()]


def validation_miou(work_dir: Path) -> dict[int, float]:
    """{step: mIoU} of every validation the run logged; damaged lines are skipped."""
    found: dict[int, float] = {}
    for path in scalar_files(work_dir):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if '"mIoU"' not in line:
                continue
            try:
                row = json.loads(line)
                found[int(row["step"])] = float(row["mIoU"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash, or hand-edited
    return found
