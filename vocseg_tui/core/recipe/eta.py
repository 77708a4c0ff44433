"""An ETA for a recipe, from what a previous run of the same config measured.

mmengine's LocalVisBackend writes `work_dir/<timestamp>/vis_data/scalars.json`, one JSON object
per logged step; training steps carry `lr` and `time` (seconds per iteration, averaged over
the log interval). The median over the newest run that has any is robust to the slow first
iterations and to a line cut short by a run still writing. A speed measured for one model says
nothing about another: given `arch`, runs whose dumped config (`vis_data/config.py`) records a
recipe of another model are skipped (a hand-written config records none and still counts).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.logs.events import TrainEvent
from vocseg_tui.core.logs.scalars import parse_scalar_line
from vocseg_tui.core.recipe.files import recipe_from_text


@dataclass(frozen=True)
class Eta:
    seconds_per_iter: float
    seconds: float
    source: Path

    def label(self) -> str:
        return f"{format_duration(self.seconds)} ({self.seconds_per_iter:.3g} s/iter, measured)"


def format_duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def _train_times(path: Path) -> list[float]:
    """Seconds per iteration of each training step in one scalars.json (read by the Logs area's
    reader of that file, which skips damaged lines)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    events = (parse_scalar_line(line) for line in lines)
    return [event.values["time"] for event in events
            if isinstance(event, TrainEvent) and "lr" in event.values and event.values.get("time", 0) > 0]


def trained_arch(vis_data: Path) -> str | None:
    """The model of the recipe a run's dumped config records; None when it records none."""
    try:
        recipe = recipe_from_text((vis_data / "config.py").read_text(encoding="utf-8", errors="replace"))
    except (OSError, VocsegError, TypeError, ValueError):  # unreadable, or not a recipe we know
        return None
    return recipe.arch if recipe is not None else None


def seconds_per_iter(work_dir: Path, arch: str | None = None) -> tuple[float, Path] | None:
    """Median training seconds per iteration of the newest run in `work_dir` that logged any
    (and, given `arch`, did not train another model)."""
    try:
        runs = sorted(work_dir.glob("*/vis_data/scalars.json"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return None
    for scalars in reversed(runs):
        if arch is not None and trained_arch(scalars.parent) not in (None, arch):
            continue
        times = _train_times(scalars)
        if times:
            return statistics.median(times), scalars
    return None


def estimate(work_dir: Path, total_iters: int, arch: str | None = None) -> Eta | None:
    measured = seconds_per_iter(work_dir, arch)
    if measured is None:
        return None
    per_iter, source = measured
    return Eta(per_iter, per_iter * total_iters, source)
