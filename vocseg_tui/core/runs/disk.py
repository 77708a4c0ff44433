"""Reading one run's facts from its work dir: scalars.json, the config dump, the log times.

Only the files a row needs are read, and cheaply: of scalars.json only the validation lines are
decoded in full (the last training line gives the epoch), of the config dump only the
`vocseg_recipe = dict(...)` literal is parsed (core.recipe.files reads it with `ast`, nothing is
executed). A damaged line or an unreadable file becomes a problem the row shows, never an error.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path

from vocseg_tui.core.checkpoints.discovery import find_config_dump
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import mtime_or_zero
from vocseg_tui.core.logs.parser import _inside_call, plan_from
from vocseg_tui.core.logs.sources import run_dirs
from vocseg_tui.core.recipe.derive import derive
from vocseg_tui.core.recipe.files import RECIPE_VARIABLE, recipe_from_text
from vocseg_tui.core.runs.model import DiskFacts
from vocseg_tui.core.runs.published import target_of

FileKey = list[tuple[str, int, int]]
_RECIPE_START = re.compile(rf"^{RECIPE_VARIABLE} = dict\(", re.MULTILINE)
_LR = re.compile(r"optimizer\s*=\s*dict\([^)]*?\blr\s*=\s*([0-9.eE+-]+)")
_BATCH = re.compile(r"train_dataloader\s*=\s*dict\(\s*batch_size\s*=\s*(\d+)")
_BACKBONE = re.compile(r"backbone\s*=\s*dict\([^)]*?type\s*=\s*'(\w+)'", re.DOTALL)
_EPOCH_CKPT = re.compile(r"^epoch_(\d+)\.pth$")


def file_key(work_dir: Path) -> FileKey:
    """(path, size, mtime_ns) of every file a row is read from, and of the work dir itself (a
    new checkpoint or a new attempt's folder changes its mtime): equal keys, equal facts."""
    key: FileKey = []
    try:
        stat = work_dir.stat()
    except OSError:
        return key
    key.append((str(work_dir), 0, stat.st_mtime_ns))
    for folder in run_dirs(work_dir):
        for path in (folder / "vis_data" / "scalars.json", folder / f"{folder.name}.log"):
            try:
                st = path.stat()
            except OSError:
                continue
            key.append((str(path), st.st_size, st.st_mtime_ns))
    for path in sorted(work_dir.glob("*.py")):
        try:
            st = path.stat()
        except OSError:
            continue
        key.append((str(path), st.st_size, st.st_mtime_ns))
    return key


def read_facts(work_dir: Path, config_hint: str | None = None) -> DiskFacts:
    """The run's metrics, progress and recipe as its files hold them now."""
    problems: list[str] = []
    vals: dict[int, dict[str, float]] = {}
    last_train = ""
    damaged = 0
    started: float | None = None
    wall = 0.0
    for folder in run_dirs(work_dir):
        scalars = folder / "vis_data" / "scalars.json"
        begun = _stamp_time(folder.name)
        started = begun if started is None else min(started, begun)
        try:
            text = scalars.read_text(encoding="utf-8", errors="replace")
            ended = max(scalars.stat().st_mtime, mtime_or_zero(folder / f"{folder.name}.log"))
        except OSError:
            continue
        wall += max(0.0, ended - begun)
        for line in text.splitlines():
            if '"mIoU"' in line:
                record = _record(line)
                step = record.get("step") if record is not None else None
                if record is None or not isinstance(step, int):
                    damaged += 1
                    continue
                vals[step] = {k: float(v) for k, v in record.items()
                                        if k in ("mIoU", "mAcc", "aAcc") and isinstance(v, int | float)}
            elif line.strip():
                last_train = line
    epoch = 0
    if last_train:
        record = _record(last_train)
        if record is None:
            damaged += 1
        elif isinstance(last_epoch := record.get("epoch"), int):
            epoch = max(0, last_epoch - 1)  # that epoch may still be training
    if damaged:
        problems.append(f"{damaged} damaged line(s) in scalars.json skipped")
    epoch = max([epoch, *vals, *_saved_epochs(work_dir)])
    best = max(vals, key=lambda s: (vals[s].get("mIoU", -1.0), -s)) if vals else None
    last = vals[max(vals)] if vals else {}
    chosen = vals[best] if best is not None else {}
    facts = DiskFacts(best_miou=chosen.get("mIoU"), best_epoch=best, last_miou=last.get("mIoU"),
                      mAcc=chosen.get("mAcc"), aAcc=chosen.get("aAcc"), epochs_done=epoch,
                      started=started, wall_s=round(wall, 1))
    return _with_recipe(facts, work_dir, config_hint, problems)


def _with_recipe(facts: DiskFacts, work_dir: Path, hint: str | None, problems: list[str]) -> DiskFacts:
    from dataclasses import replace

    dump = find_config_dump(work_dir, hint) if work_dir.is_dir() else None
    if dump is None:
        problems.append("no config dump in the work dir")
        return replace(facts, problems=tuple(problems))
    try:
        text = dump.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        problems.append(f"cannot read {dump.name}: {error.strerror}")
        return replace(facts, problems=tuple(problems))
    recipe = None
    if (match := _RECIPE_START.search(text)) is not None:
        try:
            recipe = recipe_from_text(f"{RECIPE_VARIABLE} = dict({_inside_call(text, match.end())})")
        except (VocsegError, TypeError, ValueError) as error:  # a hand-edited recipe of odd types
            reason = error.message if isinstance(error, VocsegError) else str(error)
            problems.append(f"the recipe in {dump.name} cannot be read: {reason}")
    published, published_miou = target_of(text, recipe)
    facts = replace(facts, published=published, published_miou=published_miou)
    if recipe is not None:
        derived = derive(recipe)
        return replace(facts, max_epochs=recipe.max_epochs, total_batch=derived.total_batch,
                       gpus=recipe.gpus, lr=derived.lr, model=f"{recipe.arch}/{recipe.backbone}",
                       iters_per_epoch=derived.iters_per_epoch,
                       problems=tuple(problems))
    plan = plan_from(text)
    lr = _LR.search(text)
    batch = _BATCH.search(text)
    backbone = _BACKBONE.search(text)
    return replace(facts, max_epochs=plan.max_epochs if plan else None,
                   lr=_float(lr.group(1)) if lr else None,
                   total_batch=int(batch.group(1)) if batch else None,
                   model=backbone.group(1) if backbone else "", problems=tuple(problems))


def _record(line: str) -> dict[str, object] | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None




def _stamp_time(name: str) -> float:
    """mmengine names each attempt's folder by its local start time, YYYYmmdd_HHMMSS."""
    try:
        return time.mktime(datetime.strptime(name, "%Y%m%d_%H%M%S").timetuple())
    except ValueError:
        return 0.0


def _saved_epochs(work_dir: Path) -> list[int]:
    try:
        return [int(m.group(1)) for p in work_dir.iterdir() if (m := _EPOCH_CKPT.match(p.name))]
    except OSError:
        return []
