"""Which log belongs to a run: registry jobs, work dirs found on disk, or a path given by hand.

mmengine writes `work_dirs/<name>/<timestamp>/<timestamp>.log` and a new timestamped folder on
every start, including a resume; a job launched by vocseg-tui also has its stdout log (which,
unlike mmengine's file, holds the traceback of a crash). A `LogTarget` names what to follow; the
follower decides on every poll which file that currently is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vocseg_tui.core.errors import VocsegError

if TYPE_CHECKING:
    from vocseg_tui.core.jobs import Job

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
    state: str = ""
    exit_code: int | None = None
    failure: str = ""

    @property
    def failed(self) -> bool:
        return self.state in ("failed", "lost") or bool(self.failure)


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


def registry_targets(*, strict: bool = False) -> list[LogTarget]:
    """The jobs of the registry as targets. A registry that cannot be read gives none (the
    Logs screen still shows work dirs), or with `strict` raises its error (a damaged file must
    not read as "no job 5" on the command line)."""
    try:
        from vocseg_tui.core.jobs import Registry

        jobs: list[Job] = Registry().all_jobs()
    except VocsegError:
        if strict:
            raise
        return []
    except ImportError:  # the Jobs area is optional
        return []
    by_id = {job.id: job for job in jobs}

    def previous(job: Job) -> Job | None:
        """The attempt this job continues: its parent (a retry), or, for a resume launched by
        hand, the latest earlier job in the same work dir."""
        if job.parent_id is not None:
            return by_id.get(job.parent_id)
        if job.resume_from:
            earlier = [j for j in jobs if j.id < job.id and j.work_dir == job.work_dir]
            return max(earlier, key=lambda j: j.id) if earlier else None
        return None

    targets = []
    for job in jobs:
        chain: list[Path] = []
        parent = previous(job)
        while parent is not None and len(chain) < 100:
            chain.insert(0, parent.log_path)
            parent = previous(parent)
        targets.append(LogTarget(f"job:{job.id}", f"#{job.id} {job.name}", job.log_path,
                                 Path(job.work_dir), tuple(chain), job.id, job.state.value,
                                 job.exit_code, job.failure))
    return targets


def all_targets(work_dirs: Path) -> list[LogTarget]:
    """Registry jobs first, then work dirs on disk that no job covers."""
    jobs = registry_targets()
    covered = {t.work_dir.resolve() for t in jobs if t.work_dir is not None}
    return jobs + [t for t in discover(work_dirs)
                   if t.work_dir is not None and t.work_dir.resolve() not in covered]


def resolve(spec: str, cwd: Path | None = None) -> LogTarget:
    """A job id (digits) through the registry, or a log file / work dir / run dir path."""
    if spec.isdigit():
        for target in registry_targets(strict=not Path(spec).exists()):
            if target.job_id == int(spec):
                return target
        if not Path(spec).exists():
            raise LogNotFound(f"no job {spec} in the registry",
                              "list jobs with `vocseg-tui jobs`, or pass a log file or work dir")
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
