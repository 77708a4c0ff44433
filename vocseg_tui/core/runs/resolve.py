"""Which run the user means: a work dir's name, its path, or any of its job ids."""

from __future__ import annotations

from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.logs.controls import escape_controls
from vocseg_tui.core.runs.model import RunRow


def resolve_run(rows: list[RunRow], text: str) -> RunRow:
    """The one row `text` names; an unknown or ambiguous name is refused with the candidates."""
    if text.isdigit():
        by_job = [r for r in rows if int(text) in r.jobs]
        if by_job:
            return by_job[0]
    path = Path(text).expanduser()
    if path.exists():
        wanted = str(path.resolve())
        for row in rows:
            if row.path == wanted:
                return row
    named = [r for r in rows if r.name == text]
    if len(named) == 1:
        return named[0]
    shown = escape_controls(text)
    if named:
        raise VocsegError(f"{len(named)} runs are named {shown!r}: "
                          + ", ".join(r.path for r in named), "name one by its path or a job id")
    close = [r.name for r in rows if text.lower() in r.name.lower()][:8]
    raise VocsegError(f"no run {shown!r}", f"did you mean: {', '.join(close)}" if close
                      else "list the runs with `vocseg-tui runs`")
