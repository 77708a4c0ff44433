"""Reading jobs as a person should see them: an active job whose supervisor is gone is `lost`
(`orphaned` while its training still runs: see orphans.py).

Any reader (a screen's refresh timer, `vocseg-tui jobs`) may mark it, but only while the row is
still active, so an end the supervisor wrote a moment earlier is never overwritten.
"""

from __future__ import annotations

import time

from vocseg_tui.core.jobs.backend import BACKENDS, backend_for
from vocseg_tui.core.jobs.notices import announce_detached
from vocseg_tui.core.jobs.orphans import orphan_note, recheck
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import ACTIVE_STATES, JobState
from vocseg_tui.core.scope import ProjectScope


def refresh(registry: Registry, job: Job) -> Job:
    """`job` with `lost` recorded if its supervisor vanished without writing an end, or
    `orphaned` while its training still runs without it (and back to `lost` once it ended)."""
    if job.state in (JobState.LOST, JobState.ORPHANED):
        return recheck(registry, job, backend_for(job, registry))
    if not job.state.is_active:
        return job
    backend = backend_for(job, registry)
    if backend.state(job) is not JobState.LOST:
        return registry.get(job.id) if backend.records_state else job
    if backend.training_runs(job):
        registry.update(job.id, only_if_state=ACTIVE_STATES, state=JobState.ORPHANED,
                        failure=orphan_note(job))
    elif registry.update(job.id, only_if_state=ACTIVE_STATES, state=JobState.LOST, ended_at=time.time(),
                         failure=job.failure or "the supervisor vanished (reboot, OOM killer or kill -9)"):
        announce_detached(registry, job, "lost")  # only the reader that marked it: once
    return registry.get(job.id)


def list_jobs(registry: Registry, *, ask_remote: bool = True,
              scope: ProjectScope | None = None) -> list[Job]:
    """Every job (of `scope`'s projects; None: of every project), newest first, with vanished
    supervisors marked `lost`. `ask_remote=False` keeps what the registry says for back ends
    that ask a remote service (Slurm): a read that must not wait on the network, like the first
    frame of the Jobs screen."""
    jobs = registry.all_jobs()
    if scope is not None:
        jobs = [job for job in jobs if scope.includes(job.project)]
    if not ask_remote:
        return [job if _asks_remote(job) else refresh(registry, job) for job in jobs]
    for name, backend in BACKENDS.items():  # one batched read per back end that can batch
        backend.prefetch([job for job in jobs if job.backend == name and job.state.is_active])
    return [refresh(registry, job) for job in jobs]


def _asks_remote(job: Job) -> bool:
    backend = BACKENDS.get(job.backend)
    return backend is not None and backend.records_state


def get_job(registry: Registry, job_id: int) -> Job:
    return refresh(registry, registry.get(job_id))
