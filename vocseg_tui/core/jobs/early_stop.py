"""The one-line summary of a run that mmengine's EarlyStoppingHook ended before its last epoch.

tools/train.py logs "early-stopped at epoch E" when the hook stopped the loop; the supervisor
turns it into "early-stopped at epoch E (best mIoU M at epoch B)" for the registry, from the
run's own validation scalars (core/logs/scalars.py), so the job reads `succeeded` with why it
ended early.
"""

from __future__ import annotations

import re
from pathlib import Path

from vocseg_tui.core.logs.reader import read_tail
from vocseg_tui.core.logs.scalars import validation_miou

MARKER = "early-stopped at epoch"
_LINE = re.compile(re.escape(MARKER) + r" (\d+)")


def early_stop_summary(log: Path, work_dir: Path) -> str:
    """The summary when the log says the run stopped early, else ''."""
    found = _LINE.findall(read_tail(log))
    if not found:
        return ""
    epoch = int(found[-1])
    scores = {step: miou for step, miou in validation_miou(work_dir).items() if step <= epoch}
    if not scores:
        return f"{MARKER} {epoch}"
    best = max(scores, key=lambda step: scores[step])
    return f"{MARKER} {epoch} (best mIoU {scores[best]:.2f} at epoch {best})"
