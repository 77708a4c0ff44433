"""Convert every SBD `cls/*.mat` into `VOC2012/SegmentationClassAug/*.png`, on all cores.

Incremental: a PNG newer than its .mat is up to date and skipped, so a re-run costs one directory
scan. Work goes to a process pool in batches (`pool.py`). Failures are collected per file and
the others still convert.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vocseg_tui.core.data.errors import DataError
from vocseg_tui.core.data.labels import convert_batch
from vocseg_tui.core.data.pool import run_batches
from vocseg_tui.core.data.progress import CancelToken, EventFn, RateMeter, ignore

BATCH = 48


@dataclass
class ConvertResult:
    converted: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)


def plan(cls_dir: Path, out_dir: Path) -> tuple[list[tuple[str, str]], int]:
    """The (mat, png) pairs still to convert, and how many are up to date."""
    if not cls_dir.is_dir():
        raise DataError(f"{cls_dir} does not exist", "extract SBD's benchmark.tgz first")
    done: dict[str, float] = {}
    if out_dir.is_dir():
        with os.scandir(out_dir) as entries:
            for entry in entries:
                if entry.name.endswith(".tmp") and entry.name.startswith("."):
                    os.unlink(entry.path)  # left by an interrupted run
                elif entry.name.endswith(".png"):
                    done[entry.name[:-4]] = entry.stat().st_mtime
    todo, skipped = [], 0
    with os.scandir(cls_dir) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if not entry.name.endswith(".mat"):
                continue
            stem = entry.name[:-4]
            png_mtime = done.get(stem)
            if png_mtime is not None and png_mtime >= entry.stat().st_mtime:
                skipped += 1
            else:
                todo.append((entry.path, str(out_dir / f"{stem}.png")))
    return todo, skipped


def convert_all(cls_dir: Path, out_dir: Path, *, jobs: int | None = None, emit: EventFn = ignore,
                cancel: CancelToken | None = None, nice: int = 0,
                help_in_process: bool = True) -> ConvertResult:
    """Convert what is missing or out of date; never raises for a bad file (see `failed`).

    The calling process converts too unless `help_in_process` is False (the UI process, and any
    run that overlaps a download, keep their own thread free for the transfer and the screen).
    """
    cancel = cancel or CancelToken()
    out_dir.mkdir(parents=True, exist_ok=True)
    todo, skipped = plan(cls_dir, out_dir)
    result = ConvertResult(skipped=skipped)
    meter = RateMeter("convert", len(todo), "labels", emit)
    meter.update(0, force=True)
    for batch, failed in run_batches(convert_batch, todo, jobs=jobs, batch=BATCH, cancel=cancel,
                                     nice=nice, help_in_process=help_in_process):
        result.converted += len(batch) - len(failed)
        result.failed.extend({"file": name, "error": reason} for name, reason in failed)
        meter.update(meter.done + len(batch))
    meter.update(meter.done, force=True)
    return result
