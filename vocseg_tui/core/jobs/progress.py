"""How far a job is: epoch/iteration, ETA, latest loss and mIoU, read cheaply from its log tail.

Only the last 64 KiB of the job log are read (mmengine prints a line every few iterations, so
the latest training and validation lines are always there), plus the total epoch count from the
config mmengine dumps into the work dir, read once per job and cached by the caller.

mmengine logs a training line every `log_interval` iterations and skips the remainder of an
epoch (13 iterations at interval 5: lines at 5 and 10, none at 13), so the last line of a
finished run reads `[5][10/13]`. The iterations after it did run when the epoch's checkpoint
or validation came after that line, or the job succeeded: the label then counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.jobs.failure import read_tail
from vocseg_tui.core.jobs.lineage import SAVED_LINE
from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.jobs.states import JobState

_EPOCH_TRAIN = re.compile(r"Epoch\(train\)\s*\[(\d+)\]\[\s*(\d+)/(\d+)\]")
_ITER_TRAIN = re.compile(r"Iter\(train\)\s*\[\s*(\d+)/(\d+)\]")
_ETA = re.compile(r"eta: (\S+)")
_LOSS = re.compile(r"\sloss: ([0-9.eE+-]+|nan)")
_MIOU = re.compile(r"(?:Epoch|Iter)\(val\).*?mIoU: ([0-9.]+)")
_SAVED = SAVED_LINE
_EPOCH_VAL = re.compile(r"Epoch\(val\)\s*\[(\d+)\]")
_MAX_EPOCHS = re.compile(r"train_cfg\s*=\s*dict\([^)]*max_epochs=(\d+)", re.S)


@dataclass(frozen=True)
class Progress:
    epoch: int | None = None
    max_epochs: int | None = None
    iteration: int | None = None
    iterations: int | None = None
    """Iterations per epoch (epoch-based) or in total (iteration-based)."""
    eta: str = ""
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
        match = _MAX_EPOCHS.search(dumped.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return int(match.group(1)) if match else None


def epoch_complete(epoch: int | None, *, ended_epoch: int | None, succeeded: bool) -> bool:
    """Whether every iteration of `epoch` ran although its last ones logged no line: the job
    succeeded, or that epoch's checkpoint or validation (`ended_epoch`) followed its last line."""
    return epoch is not None and (succeeded or ended_epoch == epoch)


def read_progress(job: Job, total_epochs: int | None = None) -> Progress:
    text = read_tail(job.log_path)
    epoch = iteration = iterations = None
    eta, loss, miou = "", None, None
    ended_epoch = saved_iter = None  # what was logged after the last training line
    for line in reversed(text.splitlines()):
        if epoch is None and iteration is None:
            if (saved := _SAVED.search(line)) and saved.group(2) == "iterations":
                saved_iter = saved_iter or int(saved.group(1))
            elif ended_epoch is None and (ended := saved or _EPOCH_VAL.search(line)):
                ended_epoch = int(ended.group(1))
            if m := _EPOCH_TRAIN.search(line):
                epoch, iteration, iterations = int(m.group(1)), int(m.group(2)), int(m.group(3))
            elif m := _ITER_TRAIN.search(line):
                iteration, iterations = int(m.group(1)), int(m.group(2))
            if (epoch is not None or iteration is not None):
                eta = (e.group(1) if (e := _ETA.search(line)) else "")
                loss = float(lm.group(1)) if (lm := _LOSS.search(line)) else None
        if miou is None and (m := _MIOU.search(line)):
            miou = float(m.group(1))
        if miou is not None and (epoch is not None or iteration is not None):
            break
    succeeded = job.state is JobState.SUCCEEDED
    if epoch_complete(epoch, ended_epoch=ended_epoch, succeeded=succeeded):
        iteration = iterations
    elif epoch is None and iteration is not None:
        iteration = iterations if succeeded else max(iteration, saved_iter or 0)
    return Progress(epoch, total_epochs, iteration, iterations, eta, loss, miou)
