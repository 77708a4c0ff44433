"""Logs of training runs: incremental readers, the mmengine line parser, failure diagnosis.

Everything here is plain Python (no Textual, no torch) so the TUI, the CLI and the jobs
supervisor share it: the Logs screen follows a job with a `LogFeed`, `vocseg-tui logs` prints
and parses with it, and the Jobs registry records `diagnose(...)`'s one-line summary when a job
fails. It knows no job: the Jobs area sits above it and turns its jobs into `LogTarget`s
(`core.jobs.log_targets`).
"""

from __future__ import annotations

from vocseg_tui.core.logs.controls import escape_controls
from vocseg_tui.core.logs.diagnose import Diagnosis, diagnose, last_traceback
from vocseg_tui.core.logs.events import ClassScore, Event, PlanEvent, ResumeEvent, TrainEvent, ValEvent
from vocseg_tui.core.logs.feed import Batch, LogFeed
from vocseg_tui.core.logs.history import History, Progress, smooth
from vocseg_tui.core.logs.parser import LineParser, is_error_anchor, level_of, short_eta, split_head
from vocseg_tui.core.logs.reader import TailReader, clean_line, read_tail
from vocseg_tui.core.logs.scalars import ScalarsReader, parse_scalar_line, validation_miou
from vocseg_tui.core.logs.sources import LogNotFound, LogTarget, discover, resolve_path

__all__ = [
    "Batch", "ClassScore", "Diagnosis", "Event", "History", "LineParser", "LogFeed", "LogNotFound",
    "LogTarget", "PlanEvent", "Progress", "ResumeEvent", "ScalarsReader", "TailReader", "TrainEvent",
    "ValEvent", "clean_line", "diagnose", "discover", "escape_controls", "is_error_anchor",
    "last_traceback", "level_of", "parse_scalar_line", "read_tail", "resolve_path", "short_eta",
    "smooth", "split_head", "validation_miou",
]
