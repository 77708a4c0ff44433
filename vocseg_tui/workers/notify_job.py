"""Send one notice about one job, for the ends no supervisor of ours is there to announce.

    python -m vocseg_tui.workers.notify_job --job ID --registry PATH --event EVENT
    python -m vocseg_tui.workers.notify_job --job ID --registry PATH --exit-status N

`--event`: a reader that found a job `lost` or read a Slurm job's end (core/jobs/notices.py,
announce_detached) starts this, detached, instead of sending itself: `vocseg-tui jobs` or a
screen refresh must never wait on a dead channel; the state is already in the registry.
`--exit-status`: the Slurm batch script's last step. It records the end the way the local
supervisor does (succeeded, with an early stop's summary; stopped; failed with the diagnosis,
`diverged` for the NaN guard), unless something recorded it first (the time-limit
continuation, a reader), then sends it, so no UI need be open on the login node.
How sending went is appended to the job's log and to notify.json, like the supervisor's own.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.early_stop import early_stop_summary
from vocseg_tui.core.jobs.failure import summarize
from vocseg_tui.core.jobs.notices import notify_job
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import ACTIVE_STATES, STOPPED_EXIT, JobState
from vocseg_tui.core.notify.events import EVENTS


def record_end(registry: Registry, job: Job, status: int) -> tuple[Job, str] | None:
    """Record the end of `job` from the training's exit status, as the local supervisor's
    `finish` maps it; (the job, its event), or None when it had ended already."""
    if not job.state.is_active:
        return None
    kind, summary = "", ""
    if status == STOPPED_EXIT or (status == 0 and job.paths.stopped_marker.exists()):
        state = JobState.STOPPED
    elif status == 0:
        state = JobState.SUCCEEDED
        summary = early_stop_summary(job.log_path, Path(job.work_dir))
    else:
        state = JobState.FAILED
        kind, summary = summarize(job.log_path, status)
    signal_number = status - 128 if 128 < status < 160 else None
    if not registry.update(job.id, only_if_state=ACTIVE_STATES, state=state, exit_code=status,
                           signal=signal_number, ended_at=time.time(), failure=summary, waiting_for=""):
        return None
    return registry.get(job.id), "diverged" if kind == "diverged" else state.value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--job", type=int, required=True)
    parser.add_argument("--registry", type=Path, required=True)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--event", choices=EVENTS)
    which.add_argument("--exit-status", type=int, help="record the end from this exit status first")
    args = parser.parse_args(argv)
    registry = Registry(args.registry)
    try:
        job = registry.get(args.job)
    except VocsegError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    event = args.event
    if args.exit_status is not None:
        ended = record_end(registry, job, args.exit_status)
        if ended is None:
            return 0  # recorded (and announced) by someone else first
        job, event = ended

    def say(message: str) -> None:
        try:
            with open(job.log_path, "a", encoding="utf-8") as log:
                log.write(f"[vocseg notify {time.strftime('%Y-%m-%d %H:%M:%S')}] job {job.id}: {message}\n")
        except OSError:
            pass  # the work dir may be gone (that is often why the job is lost)

    deliveries = notify_job(job, event, say)
    return 0 if all(d.ok for d in deliveries) else 1


if __name__ == "__main__":
    sys.exit(main())
