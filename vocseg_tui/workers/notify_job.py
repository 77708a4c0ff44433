"""Send one notice about one job, detached: for the ends no supervisor is there to announce.

    python -m vocseg_tui.workers.notify_job --job ID --registry PATH --event EVENT

A reader that finds a job `lost` (core/jobs/status.py) starts this instead of sending itself:
`vocseg-tui jobs` or a screen refresh must never wait on a dead channel. The job's state is
already in the registry; how sending went is appended to the job's log and to notify.json,
like the supervisor's own notices.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.notices import notify_job
from vocseg_tui.core.jobs.registry import Registry
from vocseg_tui.core.notify.events import EVENTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--job", type=int, required=True)
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--event", choices=EVENTS, required=True)
    args = parser.parse_args(argv)
    try:
        job = Registry(args.registry).get(args.job)
    except VocsegError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2

    def say(message: str) -> None:
        try:
            with open(job.log_path, "a", encoding="utf-8") as log:
                log.write(f"[vocseg notify {time.strftime('%Y-%m-%d %H:%M:%S')}] job {job.id}: {message}\n")
        except OSError:
            pass  # the work dir may be gone (that is often why the job is lost)

    deliveries = notify_job(job, args.event, say)
    return 0 if all(d.ok for d in deliveries) else 1


if __name__ == "__main__":
    sys.exit(main())
