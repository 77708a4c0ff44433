"""Trainings that outlived their supervisor: found, shown as `orphaned`, stopped on request.

The supervisor starts its training with PR_SET_PDEATHSIG, so killing it (even by SIGKILL) takes
the training along. This module covers the rest: a training started by an older version, one
whose torchrun agent died but not its workers, one whose record another machine's registry
holds. A `lost` job whose training process (pid and start time as recorded) still runs reads
`orphaned` until it is gone; `stop` signals it directly (there is no supervisor to ask), and a
resume or launch into a work dir any training still writes is refused (checks.refuse_if_busy).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import psutil

from vocseg_tui.core.jobs.base import LaunchBackend
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import JobState

STOP_TIMEOUT_S = float(os.environ.get("VOCSEG_SIGTERM_TIMEOUT_S", "15"))
"""How long an orphan gets after SIGTERM before SIGKILL (the supervisor's SIGTERM timeout)."""
_UNWATCHED = (JobState.LOST.value, JobState.ORPHANED.value)


def orphan_note(job: Job) -> str:
    """The detail line of an orphaned job: what it is and the way out."""
    return f"still training (pid {job.train_pid}), its supervisor gone: `vocseg-tui stop {job.id}`"


def recheck(registry: Registry, job: Job, backend: LaunchBackend) -> Job:
    """A lost or orphaned job as it is now: `orphaned` while its training runs, else `lost`
    (or `stopped` when the training stopped cleanly after an epoch on request)."""
    runs = backend.training_runs(job)
    if job.state is JobState.LOST and runs:
        registry.update(job.id, only_if_state=_UNWATCHED, state=JobState.ORPHANED, failure=orphan_note(job))
    elif job.state is JobState.ORPHANED and not runs:
        stopped = job.paths.stopped_marker.exists()
        registry.update(job.id, only_if_state=_UNWATCHED, ended_at=time.time(),
                        state=JobState.STOPPED if stopped else JobState.LOST,
                        failure="the supervisor vanished; its training ran on without it and ended "
                                "unrecorded" + (" (stopped after an epoch on request)" if stopped else ""))
    else:
        return job
    return registry.get(job.id)


def orphan_pids(registry: Registry, job: Job, backend: LaunchBackend, found: list[int]) -> list[int]:
    """The processes a `stop` of this unsupervised job signals: its recorded training, and the
    trainings `found` in its work dir unless a supervised job trains there now (those are that
    job's, and its own `stop` ends them)."""
    pids = [job.train_pid] if job.train_pid and backend.training_runs(job) else []
    supervised = any(Path(other.work_dir) == Path(job.work_dir) for other in registry.active())
    return sorted({*pids, *([] if supervised else found)})


def stop_orphan(registry: Registry, job: Job, pids: list[int]) -> Job:
    """SIGTERM to each orphan's process group (its data loader workers; torchrun passes it on to
    its ranks), SIGKILL to what is left after STOP_TIMEOUT_S; the job is then `stopped`."""
    processes = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            processes.append(psutil.Process(pid))
    _signal(processes, signal.SIGTERM)
    _gone, alive = psutil.wait_procs(processes, timeout=STOP_TIMEOUT_S)
    if alive:
        _signal(alive, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=5)
    registry.update(job.id, only_if_state=_UNWATCHED, state=JobState.STOPPED, ended_at=time.time(),
                    signal=signal.SIGTERM.value if not alive else signal.SIGKILL.value,
                    failure=f"stopped while orphaned (pid {', '.join(map(str, pids))}): its supervisor had "
                            "vanished, so no exit code was recorded")
    return registry.get(job.id)


def _signal(processes: list[psutil.Process], sig: signal.Signals) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
            if not process.is_running():  # the pid now names another process: leave it
                continue
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)


def owner(registry: Registry, work_dir: Path, pids: list[int]) -> Job | None:
    """The job whose training one of `pids` is (else the newest unsupervised job of that work
    dir): the one `vocseg-tui stop` ends it through."""
    jobs = registry.jobs_in(work_dir)
    for job in jobs:
        if job.train_pid in pids:
            return job
    return next((job for job in jobs if job.state.value in _UNWATCHED), None)

