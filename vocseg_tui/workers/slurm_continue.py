"""Continue a Slurm run that stopped for its time limit: run by the job's own batch script.

Slurm sends SIGUSR1 a margin before the time limit (`--signal=B:USR1@N`); the batch script turns
it into "stop after this epoch" and marks it as the time limit's. Once training has saved that
epoch and exited, the script runs this module, still inside the allocation, which:

- records the attempt as `stopped` with why, so the Jobs screen never shows it `failed`;
- submits the next attempt with `--resume` from the last intact checkpoint (a new job whose
  `parent_id` is this one, exactly like `vocseg-tui resume`), with one resubmission fewer;
- or, when the run finished, did not stop cleanly, or has no resubmission left, says so in the
  job's log and leaves it for `vocseg-tui resume`.

It never imports torch: it only touches the registry and calls sbatch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.launch import resume
from vocseg_tui.core.jobs.notices import notify_job
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.slurm import DEFAULT_RESUBMITS, SlurmBackend
from vocseg_tui.core.jobs.states import ACTIVE_STATES, JobState


def _say(text: str) -> None:
    print(f"vocseg-tui: {text}", flush=True)  # into the job's log (the batch script's --output)


def _stopped_where(job: Job) -> str | None:
    """"after epoch N" from tools/train.py's `stopped` marker ("N"); an iteration-based run,
    which stops at its next checkpoint, wrote "iter N": "at iteration N"."""
    try:
        text = job.paths.stopped_marker.read_text().strip() or "?"
    except OSError:
        return None
    return f"at iteration {text.split()[1]}" if text.startswith("iter ") else f"after epoch {text}"


def _record_stop(registry: Registry, job: Job, failure: str) -> None:
    registry.update(job.id, only_if_state=ACTIVE_STATES, state=JobState.STOPPED, ended_at=time.time(),
                    exit_code=0, waiting_for="", failure=failure)


def carry_on(registry: Registry, job_id: int) -> Job | None:
    """Submit the next attempt of a run the time limit stopped; None when it should not go on."""
    job = registry.get(job_id)
    where = _stopped_where(job)
    if where is None:
        _say("the time limit's signal came, but training did not stop after an epoch "
             "(it finished, or failed): not continuing")
        return None
    slurm = dict(job.options.get("backend_options", {}))
    left = int(slurm.get("resubmits", DEFAULT_RESUBMITS))
    if left <= 0:
        text = (f"time limit: stopped {where}; no automatic resubmission left "
                f"(`vocseg-tui resume {job.id}`)")
        _record_stop(registry, job, text)
        _say(text)
        return None
    _record_stop(registry, job, f"time limit: stopped {where}; submitting the next attempt")
    try:
        fewer = {**job.options, "backend_options": {**slurm, "resubmits": left - 1}}
        following = resume(job.id, registry, options=fewer)
    except VocsegError as error:
        text = (f"time limit: stopped {where}; resubmitting failed: {error.message} "
                f"(`vocseg-tui resume {job.id}` continues it)")
        registry.update(job.id, failure=text)
        _say(text)
        raise
    slurm_id = SlurmBackend.record(following).job_id or "?"
    text = (f"time limit: stopped {where}; "
            f"continues as job {following.id} (Slurm {slurm_id})")
    registry.update(job.id, failure=text)
    _say(f"{text}, {left - 1} automatic resubmission(s) left after it")
    notify_job(registry.get(job.id), "resubmitted", _say)  # after the record, bounded, never raises
    return following


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--job", type=int, required=True)
    parser.add_argument("--registry", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        carry_on(Registry(args.registry), args.job)
    except VocsegError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
