"""Registry jobs as the Logs area follows them: each job's log, the attempts it continues, and
what its record says (from `JobState`, which this area owns and the Logs area never imports).

The Logs screen lists `all_targets`; `vocseg-tui logs N` finds job N with `resolve`, and
refreshes a followed job's record with `with_record` once the job ends.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import JobState
from vocseg_tui.core.logs.sources import LogNotFound, LogTarget, discover, resolve_path


def with_record(target: LogTarget, job: Job) -> LogTarget:
    """`target` with `job`'s record: its state and what it means for reading its log."""
    return replace(target, job_id=job.id, state=job.state.value, active=job.state.is_active,
                   succeeded=job.state is JobState.SUCCEEDED,
                   is_failure=job.state.is_failure, exit_code=job.exit_code, failure=job.failure)


def registry_targets(*, strict: bool = False) -> list[LogTarget]:
    """The jobs of the registry as targets. A registry that cannot be read gives none (the
    Logs screen still shows work dirs), or with `strict` raises its error (a damaged file must
    not read as "no job 5" on the command line)."""
    try:
        jobs = Registry().all_jobs()
    except VocsegError:
        if strict:
            raise
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
        target = LogTarget(f"job:{job.id}", f"#{job.id} {job.name}", job.log_path,
                           Path(job.work_dir), tuple(chain))
        targets.append(with_record(target, job))
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
    return resolve_path(spec, cwd)
