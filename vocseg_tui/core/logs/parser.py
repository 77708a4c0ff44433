"""mmengine's text log lines -> structured events.

Works on both forms mmengine writes: the run's own `<timestamp>.log` (`2026/11/24 15:35:04 -
mmengine - INFO - ...`) and the console copy a job's stdout holds (`11/24 15:35:04 - ...`).
The parser is stateful only for what spans lines: mmseg's per-class IoU table, printed just
before the validation line it belongs to. It never raises on any input (fuzzed in the tests).
"""

from __future__ import annotations

import math
import re

from vocseg_tui.core.logs.events import (
    ClassScore,
    Event,
    PlanEvent,
    ResumeEvent,
    TrainEvent,
    ValEvent,
)

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HEAD = re.compile(
    r"^(?:\d{4}/)?\d\d/\d\d \d\d:\d\d:\d\d - \S+ - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - (.*)$")
_PROGRESS = re.compile(
    r"^(Epoch|Iter)\((train|val|test)\)\s*(?:\[\s*(\d+)\])?\[\s*(\d+)/(\d+)\]\s*(.*)$")
_PAIR = re.compile(r"([\w.\-/]+):\s+(\d+ days?, \d+:\d\d:\d\d|\S+)")
_MAX = re.compile(r"\b(max_epochs|max_iters)=(\d+)")
_RESUMED = re.compile(r"resumed epoch: (\d+), iter: (\d+)")
_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|")
_TRACE_START = "Traceback (most recent call last):"


def split_head(line: str) -> tuple[str | None, str]:
    """(level, message) of an mmengine log line, or (None, line) for a continuation line."""
    match = _HEAD.match(line)
    if match is None:
        return None, line
    return match.group(1), match.group(2)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isinf(value) else value


def _score(text: str) -> float | None:
    """A per-class cell; mmseg prints `nan` for a class absent from the validation set."""
    value = _number(text)
    return None if value is None or math.isnan(value) else value


class LineParser:
    """Feed lines in order; each call returns the events that line completes."""

    def __init__(self) -> None:
        self._table: list[ClassScore] = []
        self._in_table = False
        self._pending_classes: tuple[ClassScore, ...] = ()

    def feed(self, line: str) -> list[Event]:
        level, message = split_head(line)
        if level is None:
            return self._continuation(line)
        if self._in_table and not message.strip():
            return []  # mmseg logs the table as one message that starts on the next line
        self._in_table = False
        if message.startswith(("Epoch(", "Iter(")):
            event = self._progress(message)
            return [event] if event is not None else []
        if message.startswith("per class results:"):
            self._table = []
            self._in_table = True
            return []
        if (match := _RESUMED.search(message)) is not None:
            return [ResumeEvent(int(match.group(1)), int(match.group(2)))]
        return []

    def _continuation(self, line: str) -> list[Event]:
        if line.startswith("train_cfg = dict("):
            found = dict((k, int(v)) for k, v in _MAX.findall(line))
            if found:
                return [PlanEvent(found.get("max_epochs"), found.get("max_iters"))]
            return []
        if not self._in_table:
            return []
        if line.startswith("+-"):
            if self._table:
                self._pending_classes = tuple(self._table)
            return []
        match = _ROW.match(line)
        if match is not None and match.group(1) != "Class":
            self._table.append(ClassScore(match.group(1), _score(match.group(2)),
                                          _score(match.group(3))))
        elif match is None:
            self._in_table = False
        return []

    def _progress(self, message: str) -> Event | None:
        match = _PROGRESS.match(message)
        if match is None:
            return None
        unit, phase, epoch_s, i_s, n_s, rest = match.groups()
        values: dict[str, float] = {}
        eta = None
        for key, raw in _PAIR.findall(rest):
            if key == "eta":
                eta = raw
            elif (number := _number(raw)) is not None:
                values[key] = number
        epoch = int(epoch_s) if epoch_s is not None else None
        if phase == "train":
            return TrainEvent(epoch, int(i_s), int(n_s), values, eta)
        if not any(k in values for k in ("mIoU", "aAcc", "mAcc")):
            return None  # a validation progress line, not its result
        metrics = {k: v for k, v in values.items() if k not in ("time", "data_time")}
        classes, self._pending_classes = self._pending_classes, ()
        # `Iter(val) [i/N]` counts validation batches, not training iterations: the history
        # fills in the training iteration the validation followed.
        return ValEvent(epoch if unit == "Epoch" else None, None, metrics, classes, phase)


def level_of(line: str) -> str | None:
    """The mmengine level of a line, "ERROR" for traceback and error lines, else None."""
    level, _ = split_head(line)
    if level is not None:
        return level
    if line.startswith(_TRACE_START) or _looks_like_error(line):
        return "ERROR"
    return None


_ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b:?|^\[rank\d+\]:\[E")


def _looks_like_error(line: str) -> bool:
    return bool(_ERROR_LINE.match(line))


def is_error_anchor(line: str) -> bool:
    """Where "jump to next error" stops: a traceback start, an ERROR line, an exception line."""
    level, _ = split_head(line)
    if level in ("ERROR", "CRITICAL"):
        return True
    return line.startswith(_TRACE_START) or _looks_like_error(line)


LEVEL_RANK = {"DEBUG": 0, "INFO": 1, "WARNING": 2, "ERROR": 3, "CRITICAL": 3}


class LevelTracker:
    """The level each line belongs to, for the level filter: a continuation line (a config
    dump, a table, a traceback's frames) belongs to the message above it, and a traceback is
    ERROR up to the next log line, so filtering to errors keeps whole tracebacks."""

    def __init__(self) -> None:
        self._current = 1

    def feed(self, line: str) -> int:
        level, _ = split_head(line)
        if level is not None:
            self._current = LEVEL_RANK[level]
        elif line.startswith(_TRACE_START) or _looks_like_error(line):
            self._current = 3
        elif _PY_WARNING.match(line):
            self._current = 2
        elif line.startswith("[vocseg supervisor"):
            self._current = 3 if ": finished: failed" in line or "lost" in line else 1
        return self._current


_PY_WARNING = re.compile(r"^(\S+:\d+: )?\w*Warning: ")
"""Python's `warnings` output (`path.py:17: UserWarning: ...`), which a job's stdout holds."""
