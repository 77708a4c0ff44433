"""Following one run: which file to read, reading only what is new, parsing it into history.

A `LogFeed` is what the Logs screen keeps per job (so switching back is instant) and what
`vocseg-tui logs -f` polls. Each `poll()` is bounded in time and bytes, so a log growing at
thousands of lines per second is consumed in batches, never in one unbounded read.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from vocseg_tui.core.logs.diagnose import Diagnosis, diagnose
from vocseg_tui.core.logs.history import History
from vocseg_tui.core.logs.parser import LevelTracker, LineParser
from vocseg_tui.core.logs.reader import TailReader
from vocseg_tui.core.logs.scalars import ScalarsReader
from vocseg_tui.core.logs.sources import LogTarget, run_logs, scalars_files

FULL_PARSE_LIMIT = 32 * 1024 * 1024
"""Logs up to this size are read whole (every curve point from the text); larger ones are read
from TAIL_BYTES before the end, with the curves taken from scalars.json instead."""
TAIL_BYTES = 2 * 1024 * 1024
RESCAN_S = 2.0
"""How often a work dir is checked for a newer run folder (a resume starts one)."""
DIAGNOSIS_LINES = 400


@dataclass
class Batch:
    lines: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    """Per line: 0 debug, 1 info, 2 warning, 3 error (continuation lines inherit)."""
    reset: bool = False
    """The file started over: drop the lines shown before."""
    more: bool = False
    """Unread bytes remain (the poll stopped at its budget)."""
    changed: bool = False
    """The history (curves, validations, progress) changed."""


class LogFeed:
    """The lines and history of one `LogTarget`, read incrementally."""

    def __init__(self, target: LogTarget, *, full_limit: int = FULL_PARSE_LIMIT,
                 tail_bytes: int = TAIL_BYTES) -> None:
        self.target = target
        self.full_limit = full_limit
        self.tail_bytes = tail_bytes
        self.history = History()
        self.parser = LineParser()
        self.levels = LevelTracker()
        self.path: Path | None = None
        self.tail_mode = False
        self._queue: list[Path] = []
        self._reader: TailReader | None = None
        self._scalars: list[ScalarsReader] = []
        self._recent: deque[str] = deque(maxlen=DIAGNOSIS_LINES)
        self._last_scan = 0.0
        self._lines_read = 0
        self._diagnosis_key: tuple[int, LogTarget] | None = None
        self._diagnosis: Diagnosis | None = None

    def _candidates(self) -> list[Path]:
        if self.target.log is not None and self.target.log.is_file():
            return [*(p for p in self.target.earlier if p.is_file()), self.target.log]
        if self.target.work_dir is not None:
            return run_logs(self.target.work_dir)
        return []

    def _open(self) -> bool:
        paths = self._candidates()
        if not paths:
            return False
        total = sum(p.stat().st_size for p in paths if p.exists())
        start_tail = 0
        if total > self.full_limit:
            self.tail_mode = True
            paths = paths[-1:]
            start_tail = self.tail_bytes
            if self.target.work_dir is not None:
                self._scalars = [ScalarsReader(p) for p in scalars_files(self.target.work_dir)]
        self._queue = paths[1:]
        self._switch(paths[0], start_tail)
        return True

    def _switch(self, path: Path, start_tail: int = 0) -> None:
        self.path = path
        self._reader = TailReader(path, start_tail=start_tail)

    def _rescan(self, batch: Batch) -> None:
        """Follow a resume into its new timestamped run folder."""
        now = time.monotonic()
        if now - self._last_scan < RESCAN_S or self.target.work_dir is None or self._queue:
            return
        self._last_scan = now
        if self.target.log is not None and self.target.log.is_file():
            return
        logs = run_logs(self.target.work_dir)
        if logs and self.path is not None and logs[-1] != self.path and logs[-1].name > self.path.name:
            self._queue = [logs[-1]]

    def poll(self, budget_s: float = 0.1, max_bytes: int = 16 * 1024 * 1024) -> Batch:
        batch = Batch()
        if self._reader is None and not self._open():
            return batch
        deadline = time.monotonic() + budget_s
        read = 0
        for scalars in self._scalars:
            events, _reset = scalars.read()
            if events:
                self.history.add(events)
                batch.changed = True
        while self._reader is not None:
            offset = self._reader.offset
            result = self._reader.read()
            read += self._reader.offset - offset
            if result.reset:
                batch.reset, batch.lines, batch.levels = True, [], []
                self.history, self.parser = History(), LineParser()
                self._recent.clear()
                batch.changed = True
            before = self.history.version
            for line in result.lines:
                events = self.parser.feed(line)
                if events:
                    self.history.add(events)
            batch.changed = batch.changed or self.history.version != before
            batch.lines.extend(result.lines)
            self._lines_read += len(result.lines)
            batch.levels.extend(self.levels.feed(line) for line in result.lines)
            self._recent.extend(result.lines[-DIAGNOSIS_LINES:])
            if not result.more:
                self._rescan(batch)
                if not self._queue:
                    break
                self._switch(self._queue.pop(0))
                batch.lines.append(f"── vocseg-tui: now reading {self.path} ──")
                batch.levels.append(1)
                continue
            if read >= max_bytes or time.monotonic() >= deadline:
                batch.more = True
                break
        if batch.lines and not batch.more:
            self.diagnosis()  # computed here, in the polling thread, not in the UI's
        return batch

    def recent_text(self) -> str:
        """The last lines read, for `diagnose` (a crash's cause is at the end)."""
        if self._reader is not None and (pending := self._reader.pending_text()):
            return "\n".join([*self._recent, pending])
        return "\n".join(self._recent)

    def diagnosis(self) -> Diagnosis | None:
        """Why the run failed, when it did (a job that failed, or a log that ends in a crash).
        Cached until new lines arrive or the job's record changes."""
        key = (self._lines_read, self.target)
        if key != self._diagnosis_key:
            self._diagnosis = self._diagnose()
            self._diagnosis_key = key
        return self._diagnosis

    def _diagnose(self) -> Diagnosis | None:
        if self.target.ended and not self.target.is_failure:
            return None  # the job's own record says it did not fail (a stop sends signals)
        found = diagnose(self.recent_text(), exit_code=self.target.exit_code)
        if found is None and self.target.failure:
            return Diagnosis("recorded", self.target.failure, "see the end of the log")
        if found is not None and found.kind == "traceback" and not self.target.failed and \
                self.target.active:
            return None  # a running job that printed a handled traceback has not failed
        return found
