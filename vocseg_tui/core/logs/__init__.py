"""Logs of training runs: incremental readers, the mmengine line parser, failure diagnosis.

Everything here is plain Python (no Textual, no torch) so the TUI, the CLI and the jobs
supervisor share it: the Logs screen follows a job with it, `vocseg-tui logs` prints and parses
with it, and the Jobs registry records `diagnose(...)`'s one-line summary when a job fails.
"""

from __future__ import annotations

from vocseg_tui.core.logs.diagnose import Diagnosis, diagnose, last_traceback

__all__ = ["Diagnosis", "diagnose", "last_traceback"]
