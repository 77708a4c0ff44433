"""How far a job is: epoch/iteration, ETA, latest loss and mIoU, read cheaply from its log tail.

Only the last 64 KiB of the job log are read (mmengine prints a line every few iterations, so
the latest training and validation lines are always there), plus the total epoch count from the
config mmengine dumps into the work dir, read once per job and cached by the caller.

mmengine logs a training line every `log_interval` iterations and skips the remainder of an
epoch (13 iterations at interval 5: lines at 5 and 10, none at 13), so the last line of a
finished run reads `[5][10/13]`. The iterations after it did run when the epoch's checkpoint
or validation came after that line, or the job succeeded: the label then counts them.

Every line is read by `core.logs.parser`, the same reader the Logs screen and `vocseg-tui logs`
use, so a change in mmengine's output is one edit there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.jobs.states import JobState
from vocseg_tui.core.logs.events import TrainEvent, ValEvent
from vocseg_tui.core.logs.history import epoch_complete
from vocseg_tui.core.logs.parser import (
    plan_from,
    progress_event,
    saved_checkpoint,
    short_eta,
    validated_epoch,
)
from vocseg_tui.core.logs.reader import read_tail


@dataclass(frozen=True)
class Progress:
    epoch: int | None = None
    max_epochs: int | None = None
    iteration: int | None = None
    iterations: int | None = None
    """Iterations per epoch (epoch-based) or in total (iteration-based)."""
    eta: str = ""
    """As the jobs table shows it: mmengine's `3:04:05`, or `1d 3h` past a day."""
    loss: float | None = None
    miou: float | None = None

    def label(self) -> str:
        if self.epoch is not None:
            total = f"/{self.max_epochs}" if self.max_epochs else ""
            return f"ep {self.epoch}{total} · {self.iteration}/{self.iterations}"
        if self.iteration is not None:
            return f"it {self.iteration}/{self.iterations}"
        return ""


def max_epochs(work_dir: Path, config: str) -> int | None:
    """Total epochs from the config mmengine dumped into the work dir (None if iteration-based)."""
    dumped = work_dir / Path(config).name
    try:
        plan = plan_from(dumped.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return plan.max_epochs if plan is not None else None


def stop_point(job: Job) -> str:
    """When "stop after this epoch" takes effect, as the UI and CLI say it: an iteration-based run
    (its dumped config counts max_iters, no max_epochs) is one big epoch, so tools/train.py stops
    it at its next checkpoint instead. A run that has not dumped its config yet reads as epochs."""
    dumped = Path(job.work_dir) / Path(job.config).name
    try:
        plan = plan_from(dumped.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        plan = None
    if plan is not None and plan.max_epochs is None and plan.max_iters is not None:
        return "at the next checkpoint"
    return "after this epoch (checkpoint first)"


def read_progress(job: Job, total_epochs: int | None = None) -> Progress:
    train: TrainEvent | None = None
    miou = None
    ended_epoch = saved_iter = None  # what was logged after the last training line
    for line in reversed(read_tail(job.log_path).splitlines()):
        event = progress_event(line)
        if train is None:
            saved = saved_checkpoint(line)
            if saved is not None and not saved.by_epoch:
                saved_iter = saved_iter or saved.step
            elif ended_epoch is None:
                ended_epoch = saved.step if saved is not None else validated_epoch(line)
            if isinstance(event, TrainEvent):
                train = event
        if miou is None and isinstance(event, ValEvent) and event.kind == "val":
            miou = event.miou
        if miou is not None and train is not None:
            break
    if train is None:
        return Progress(max_epochs=total_epochs, miou=miou)
    iteration = train.iter
    succeeded = job.state is JobState.SUCCEEDED
    if epoch_complete(train.epoch, ended_epoch=ended_epoch, succeeded=succeeded):
        iteration = train.iters
    elif train.epoch is None:
        iteration = train.iters if succeeded else max(iteration, saved_iter or 0)
    return Progress(train.epoch, total_epochs, iteration, train.iters, short_eta(train.eta or ""),
                    train.loss, miou)
