"""Which log belongs to a run: work dirs found on disk, or a path given by hand.

Registry jobs become targets in the Jobs area (`core.jobs.log_targets`), which owns the job
states and fills in what a target's record says about them; this module knows no job.
mmengine writes `work_dirs/<name>/<timestamp>/<timestamp>.log` and a new timestamped folder on
every start, including a resume; a job launched by vocseg-tui also has its stdout log (which,
unlike mmengine's file, holds the traceback of a crash). A `LogTarget` names what to follow; the
follower decides on every poll which file that currently is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.errors import VocsegError

_STAMP = re.compile(r"^\d{8}_\d{6}$")


class LogNotFound(VocsegError):
    """The job or path has no log (yet)."""


@dataclass(frozen=True)
class LogTarget:
    """One followable run. `key` is stable across refreshes, for per-job caches."""

    key: str
    title: str
    log: Path | None = None
    """A fixed file (a job's stdout log or a file given by hand); preferred when it exists."""
    work_dir: Path | None = None
    """An mmengine work dir: its timestamped run logs and scalars.json files."""
    earlier: tuple[Path, ...] = ()
    """Logs of the attempts this job resumed (oldest first): read before `log`, so the curves
    of a resumed job start at the beginning of training."""
    job_id: int | None = None
    """The registry job this log belongs to; None for a run found on disk or a file by hand.
    The fields below are that job's record, as `core.jobs.log_targets` derives it from the
    job's state."""
    state: str = ""
    """The job's state as the registry names it, for display ("" without a job)."""
    active: bool = False
    """The job may still write to this log (queued or running)."""
    succeeded: bool = False
    is_failure: bool = False
    """The job ended failed or lost."""
    exit_code: int | None = None
    failure: str = ""

    @property
    def ended(self) -> bool:
        """The job's record says it is over (a run without a job is never known to be)."""
        return self.job_id is not None and not self.active

    @property
    def failed(self) -> bool:
        """The job ended failed or lost, or its record holds a failure summary."""
        return self.is_failure or bool(self.failure)


def run_dirs(work_dir: Path) -> list[Path]:
    """The timestamped run folders of a work dir, oldest first (a resume adds a new one)."""
    try:
        return sorted(p for p in work_dir.iterdir() if _STAMP.match(p.name) and p.is_dir())
    except OSError:
        return []


def run_logs(work_dir: Path) -> list[Path]:
    """mmengine's text logs of every run in `work_dir`, oldest first."""
    candidates = [work_dir] if _STAMP.match(work_dir.name) else run_dirs(work_dir)
    return [d / f"{d.name}.log" for d in candidates if (d / f"{d.name}.log").is_file()]


def scalars_files(work_dir: Path) -> list[Path]:
    dirs = [work_dir] if _STAMP.match(work_dir.name) else run_dirs(work_dir)
    return [d / "vis_data" / "scalars.json" for d in dirs
            if (d / "vis_data" / "scalars.json").is_file()]


def discover(work_dirs: Path) -> list[LogTarget]:
    """Every work dir under `work_dirs` that has a run log, newest run first."""
    found: list[tuple[str, LogTarget]] = []
    try:
        entries = list(work_dirs.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.is_dir():
            continue
        logs = run_logs(entry)
        if logs:
            found.append((logs[-1].parent.name, LogTarget(f"dir:{entry}", entry.name, work_dir=entry)))
    return [target for _, target in sorted(found, key=lambda item: item[0], reverse=True)]


def resolve_path(spec: str, cwd: Path | None = None) -> LogTarget:
    """A log file, work dir or run dir given by path (relative paths from `cwd`)."""
    path = Path(spec).expanduser()
    if cwd is not None and not path.is_absolute():
        path = cwd / path
    if path.is_file():
        return LogTarget(f"file:{path.resolve()}", path.name, log=path)
    if path.is_dir():
        if run_logs(path):
            return LogTarget(f"dir:{path.resolve()}", path.name, work_dir=path)
        raise LogNotFound(f"{path} holds no mmengine run log (<timestamp>/<timestamp>.log)",
                          "pass the work dir of a run (work_dirs/<config name>) or a log file")
    raise LogNotFound(f"{spec} is neither a job id nor an existing path",
                      "pass a job id from `vocseg-tui jobs`, a work dir, or a log file")
