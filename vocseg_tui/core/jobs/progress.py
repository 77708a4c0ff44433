"""How far a job is: epoch/iteration, ETA, latest loss and mIoU, read cheaply from its log tail.

Only the last 64 KiB of the job log are read (mmengine prints a line every few iterations, so
the latest training and validation lines are always there), plus the total epoch count from the
config mmengine dumps into the work dir, read once per job and cached by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.jobs.failure import read_tail
from vocseg_tui.core.jobs.registry import Job

_EPOCH_TRAIN = re.compile(r"Epoch\(train\)\s*\[(\d+)\]\[\s*(\d+)/(\d+)\]")
_ITER_TRAIN = re.compile(r"Iter\(train\)\s*\[\s*(\d+)/(\d+)\]")
_ETA = re.compile(r"eta: (\S+)")
_LOSS = re.compile(r"\sloss: ([0-9.eE+-]+|nan)")
_MIOU = re.compile(r"(?:Epoch|Iter)\(val\).*?mIoU: ([0-9.]+)")
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


def read_progress(job: Job, total_epochs: int | None = None) -> Progress:
    text = read_tail(job.log_path)
    epoch = iteration = iterations = None
    eta, loss, miou = "", None, None
    for line in reversed(text.splitlines()):
        if epoch is None and iteration is None:
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
    return Progress(epoch, total_epochs, iteration, iterations, eta, loss, miou)
