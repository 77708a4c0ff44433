"""Spotting a running job's new best validation mIoU, for the `best` notification.

The supervisor asks every few seconds; a look costs a `stat` of the run's scalars files until
one grows, and the scores are only read then. The best the work dir already held when the job
started (a resumed run's earlier epochs) is the bar, so a resume does not announce an old best.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from vocseg_tui.core.logs.scalars import validation_miou
from vocseg_tui.core.logs.sources import scalars_files


class BestWatch:
    """`check()` returns the new best mIoU (and its epoch) once each time one is reached."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self._stamp = self._sizes()
        scores = validation_miou(work_dir)
        self.best: float | None = max(scores.values(), default=None)

    def _sizes(self) -> tuple[tuple[str, int], ...]:
        sizes = []
        for path in scalars_files(self.work_dir):
            with contextlib.suppress(OSError):
                sizes.append((str(path), path.stat().st_size))
        return tuple(sizes)

    def check(self) -> tuple[float, int] | None:
        stamp = self._sizes()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        scores = validation_miou(self.work_dir)
        if not scores:
            return None
        epoch = max(scores, key=lambda step: scores[step])
        if self.best is not None and scores[epoch] <= self.best:
            return None
        self.best = scores[epoch]
        return scores[epoch], epoch
