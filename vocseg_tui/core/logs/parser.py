"""mmengine's text log lines -> structured events.

Works on both forms mmengine writes: the run's own `<timestamp>.log` (`2026/11/24 15:35:04 -
mmengine - INFO - ...`) and the console copy a job's stdout holds (`11/24 15:35:04 - ...`).
The parser is stateful only for what spans lines: mmseg's per-class IoU table, printed just
before the validation line it belongs to. It never raises on any input (fuzzed in the tests).

Each fact of a line has one reader here, which `LineParser` (the Logs screen, `vocseg-tui logs`)
and the jobs' progress glance (`core.jobs.progress`, which scans a log tail backwards) share:
`progress_event` (a training line or a validation result), `validated_epoch`,
`saved_checkpoint` and `plan_from` (the run's length from its config).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

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
_TRAIN_CFG = re.compile(r"(?m)^train_cfg\s*=\s*dict\(")
_SAVED = re.compile(r"^Saving checkpoint at (\d+) (epochs|iterations)")
_STOP_SAVED = re.compile(r"^stop requested: saved (epoch|iter)_(\d+)\.pth")
"""tools/train.py's line when a stop after the epoch saved the epoch itself."""
_VALIDATED = re.compile(r"^Epoch\(val\)\s*\[(\d+)\]")
_ETA_DAYS = re.compile(r"^(\d+) days?, (\d+):\d\d:\d\d$")
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


def _message(line: str) -> str:
    """The message of a log line; a line without mmengine's head is taken as a bare message."""
    return split_head(line)[1]


def progress_event(line: str) -> TrainEvent | ValEvent | None:
    """The event of one `Epoch(...)`/`Iter(...)` line: a training iteration, or a validation
    (or test) result. A validation progress line (`Epoch(val) [3][5/6]`, no metrics) is None.
    The per-class table printed before a result is not on its line: `LineParser` adds it."""
    match = _PROGRESS.match(_message(line))
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
    # `Iter(val) [i/N]` counts validation batches, not training iterations: the history
    # fills in the training iteration the validation followed.
    return ValEvent(epoch if unit == "Epoch" else None, None, metrics, kind=phase)


def validated_epoch(line: str) -> int | None:
    """The epoch an `Epoch(val) [e]...` line validates (its progress lines and its result):
    validation starts once that epoch's training is over."""
    match = _VALIDATED.match(_message(line))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class SavedCheckpoint:
    """`Saving checkpoint at N epochs|iterations`: mmengine's CheckpointHook saved step N."""

    step: int
    by_epoch: bool


def saved_checkpoint(line: str) -> SavedCheckpoint | None:
    """The step a line says was saved to `epoch_N.pth` / `iter_N.pth` in the work dir."""
    message = _message(line)
    if match := _SAVED.match(message):
        return SavedCheckpoint(int(match.group(1)), match.group(2) == "epochs")
    if match := _STOP_SAVED.match(message):
        return SavedCheckpoint(int(match.group(2)), match.group(1) == "epoch")
    return None


def plan_from(text: str) -> PlanEvent | None:
    """The run's length from the `train_cfg = dict(...)` of a config: the one mmengine prints at
    start (one line of the log) or the one it dumps into the work dir (a whole file)."""
    match = _TRAIN_CFG.search(text)
    if match is None:
        return None
    found = dict((k, int(v)) for k, v in _MAX.findall(_inside_call(text, match.end())))
    return PlanEvent(found.get("max_epochs"), found.get("max_iters")) if found else None


def _inside_call(text: str, start: int) -> str:
    """The arguments of a call whose `(` ends just before `start`, up to its matching `)` (or
    the end of the text): a nested `dict(...)` or list does not end it early."""
    depth = 1
    for index in range(start, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    return text[start:]


def short_eta(eta: str) -> str:
    """mmengine's ETA as a table cell reads it: `3:04:05` as it is, and past a day
    `1 day, 3:04:05` (Python's timedelta) as `1d 3h`."""
    match = _ETA_DAYS.match(eta.strip())
    return f"{match.group(1)}d {int(match.group(2))}h" if match else eta


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
            plan = plan_from(line)
            return [plan] if plan is not None else []
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
        event = progress_event(message)
        if isinstance(event, ValEvent):
            classes, self._pending_classes = self._pending_classes, ()
            return replace(event, classes=classes)
        return event


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
