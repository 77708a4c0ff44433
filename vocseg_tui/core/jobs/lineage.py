"""Which run a resume continues: a job's lineage and the checkpoints that lineage wrote.

A work dir can hold files of more than one run (an old finished run, then a new one launched
into the same folder before launches refused that). Picking "the highest-numbered epoch_*.pth"
there continued the *old* run. So every attempt's saved checkpoints are recorded in the
registry (`saved`), read from its own log (mmengine prints "Saving checkpoint at N epochs" for
each file it writes, tools/train.py "stop requested: saved epoch_N.pth"), and a resume picks
the newest intact checkpoint of the lineage it continues: the job and its parent_id chain. The
`last_checkpoint` marker is not needed for that (and another run may have rewritten it): the
lineage's newest recorded step is the file it would name, or newer (a crash between the two).

The supervisor records at the end of each attempt; `lineage_checkpoint` catches up from the
logs first, so an attempt whose supervisor died (or a Slurm attempt, which has none here)
counts too.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.errors import JobError
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.resume_point import is_intact, last_good_checkpoint
from vocseg_tui.core.logs.parser import saved_checkpoint


def saved_in_log(job: Job) -> list[tuple[str, int]]:
    """(path, step) of each checkpoint the job's log says it saved, in the order saved."""
    work_dir = Path(job.work_dir)
    found: list[tuple[str, int]] = []
    try:
        with open(job.log_path, encoding="utf-8", errors="replace") as log:
            for line in log:
                if (saved := saved_checkpoint(line)) is not None:
                    prefix = "epoch" if saved.by_epoch else "iter"
                    found.append((str(work_dir / f"{prefix}_{saved.step}.pth"), saved.step))
    except OSError:
        return []
    return found


def record_saved(registry: Registry, job: Job) -> None:
    """Record what the job's log says it saved (again is harmless: each path is kept once)."""
    registry.record_saved(job.id, saved_in_log(job))


def lineage(registry: Registry, job: Job) -> list[Job]:
    """The job and the attempts it continues (its parent_id chain), newest first."""
    chain = [job]
    seen = {job.id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        try:
            parent = registry.get(chain[-1].parent_id)
        except JobError:
            break  # a parent removed from the registry: the chain ends here
        chain.append(parent)
        seen.add(parent.id)
    return chain


def lineage_checkpoint(registry: Registry, job: Job) -> Path | None:
    """The newest intact checkpoint `job`'s lineage wrote (None when it saved none intact);
    never a file another run left in the same folder."""
    chain = lineage(registry, job)
    steps = {path: step for _, path, step in registry.saved_by([a.id for a in chain])}
    for attempt in chain:  # catch up from the logs; a read-only registry still gets its answer
        from_log = saved_in_log(attempt)
        steps.update(from_log)
        with contextlib.suppress(VocsegError):
            registry.record_saved(attempt.id, from_log)
    for path in sorted(steps, key=lambda p: steps[p], reverse=True):  # newest step first
        if (found := Path(path)).is_file() and is_intact(found):
            return found.resolve()
    if not steps and _folder_is_the_lineages_alone(registry, job, chain):
        # No log names a save (a log removed, or written in another format): the folder's
        # checkpoints can only be this run's, as no other job ever trained there.
        return last_good_checkpoint(Path(job.work_dir))
    return None


def _folder_is_the_lineages_alone(registry: Registry, job: Job, chain: list[Job]) -> bool:
    ours = {attempt.id for attempt in chain}
    return all(other.id in ours for other in registry.jobs_in(Path(job.work_dir)))


def newest_attempt(registry: Registry, job: Job) -> Job:
    """The latest attempt continuing `job` (itself when none does): following its resumes."""
    current = job
    seen = {job.id}
    while children := [c for c in registry.children(current.id) if c.id not in seen]:
        current = children[-1]
        seen.add(current.id)
    return current


def refuse_forking(registry: Registry, job: Job) -> None:
    """A job a later attempt already continues is not resumed again: that would fork its run
    (two attempts training on from the same checkpoint into one folder)."""
    newest = newest_attempt(registry, job)
    if newest.id != job.id:
        raise JobError(f"job {job.id} was already resumed as job {newest.id} ({newest.state.value}); "
                       f"resume {newest.id} instead",
                       f"`vocseg-tui resume {newest.id}` continues the same run from its newest checkpoint")
