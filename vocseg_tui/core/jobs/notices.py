"""A job's notice: built from its registry row and its run's files, sent bounded in time, and
how the sending went kept beside the job (`<job folder>/notify.json`) for the Jobs screen.

Called by whoever sees the job change (its supervisor at the end or when the queue lets it
start, the Slurm batch script's last step, a reader that finds it `lost`), after the new state
is in the registry: a notice never holds up or changes the record. Notifications know no job
(core/notify), so turning a job into a Notice lives here.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.jobs.failure import last_error_lines
from vocseg_tui.core.jobs.paths import JobPaths
from vocseg_tui.core.jobs.progress import max_epochs, read_progress
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.logs.controls import escape_controls
from vocseg_tui.core.logs.reader import read_tail
from vocseg_tui.core.logs.scalars import validation_miou
from vocseg_tui.core.notify.events import Notice
from vocseg_tui.core.notify.send import BACKOFF_S, Delivery, deliver_configured

CAP_S = float(os.environ.get("VOCSEG_NOTIFY_CAP_S", "30"))
"""The most one event's sending may take, every channel and retry together: a dead channel
must not hold a supervisor (or a stop request it should forward) for long."""
BACKOFF_ENV = "VOCSEG_NOTIFY_BACKOFF_S"
"""Overrides the wait before the first retry (tests use 0)."""
RECORD_NAME = "notify.json"
KEEP = 20
"""Deliveries kept in notify.json: the latest ones are what a person asks about."""


def record_path(paths: JobPaths) -> Path:
    return paths.folder / RECORD_NAME


def notice_for(job: Job, event: str) -> Notice:
    """What happened to `job`, with what its run's files say: epochs done of planned, the best
    validation mIoU and its epoch (scalars.json), the wall time and, when it failed, the
    registry's one-line diagnosis and the log's last error line."""
    planned = max_epochs(Path(job.work_dir), job.config)
    progress = read_progress(job, planned)
    scores = validation_miou(Path(job.work_dir))
    best_epoch = max(scores, key=lambda step: scores[step]) if scores else None
    wall = (job.ended_at or time.time()) - job.started_at if job.started_at else None
    failed = job.state.is_failure or event == "diverged"
    last_error = last_error_lines(read_tail(job.log_path), 1) if failed else ""
    return Notice(event=event, job=job.id, run=job.name, host=socket.gethostname(),
                  state=job.state.value, epoch=progress.epoch, max_epochs=planned,
                  best_miou=scores[best_epoch] if best_epoch is not None else None,
                  best_epoch=best_epoch, wall_s=wall, log=str(job.log_path),
                  diagnosis=job.failure or None,
                  last_error=escape_controls(last_error) if last_error else None)


def send_bounded(notice: Notice, cap_s: float = CAP_S) -> list[Delivery]:
    """deliver_configured in a daemon thread, waited on for at most `cap_s`: what did not
    finish by then counts as one failed delivery (the thread dies with the process)."""
    found: list[Delivery] = []
    backoff = float(os.environ.get(BACKOFF_ENV, BACKOFF_S))
    worker = threading.Thread(target=lambda: found.extend(deliver_configured(notice, backoff_s=backoff)),
                              daemon=True, name="notify")
    worker.start()
    worker.join(cap_s)
    if worker.is_alive():
        return [Delivery("(every channel)", ok=False, reason=f"not finished within {cap_s:g} s; gave up")]
    return found


def notify_job(job: Job, event: str, say: Callable[[str], None], cap_s: float = CAP_S) -> list[Delivery]:
    """Send `event` about `job` to the channels that want it; each failure is said (the job
    log) and recorded in notify.json. Never raises: a notice must never affect its job."""
    try:
        deliveries = send_bounded(notice_for(job, event), cap_s)
    except Exception as error:  # reading the run's files went wrong: still nothing reaches the job
        deliveries = [Delivery("(notice)", ok=False, reason=f"{type(error).__name__}: {error}", attempts=0)]
    for delivery in deliveries:
        if not delivery.ok:
            say(f"notification to {delivery.channel} failed: {escape_controls(delivery.reason)}")
        else:
            say(f"notified {delivery.channel} ({event})")
    if deliveries:
        try:
            record(job.paths, event, deliveries)
        except OSError as error:
            say(f"could not record the notifications in {record_path(job.paths)}: "
                f"{error.strerror or error}")
    return deliveries


def record(paths: JobPaths, event: str, deliveries: list[Delivery]) -> None:
    """Append how sending `event` went to notify.json (atomically; only one process at a time
    sends for a job)."""
    entries = read_record(paths)
    entries += [{"event": event, "channel": d.channel, "ok": d.ok, "reason": d.reason,
                 "attempts": d.attempts, "at": time.time()} for d in deliveries]
    paths.create()
    write_text_atomic(record_path(paths), json.dumps({"schema": 1, "deliveries": entries[-KEEP:]},
                                                     indent=1) + "\n")


def read_record(paths: JobPaths) -> list[dict[str, Any]]:
    """Every delivery notify.json keeps, oldest first ([] when none or unreadable)."""
    try:
        document = json.loads(record_path(paths).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = document.get("deliveries") if isinstance(document, dict) else None
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def failed_notifications(paths: JobPaths) -> list[str]:
    """One line per delivery that failed, as the Jobs screen shows it."""
    return [escape_controls(f"notification to {e.get('channel')} ({e.get('event')}) failed: "
                            f"{e.get('reason')}")
            for e in read_record(paths) if not e.get("ok")]


def announce_detached(registry: Registry, job: Job, event: str) -> None:
    """Start the detached notifier (workers/notify_job.py) when a channel wants `event`: for an
    end a reader recorded (a `lost` job, a Slurm job's end read from Slurm), where no supervisor
    of ours is left to send it, and the reader must not wait on the network."""
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.notify.config import load_channels

    try:
        if not any(event in channel.on for channel in load_channels()):
            return
    except VocsegError:
        pass  # an unreadable notify.toml: the notifier records why, in the job's log
    with contextlib.suppress(OSError):
        subprocess.Popen([sys.executable, "-m", "vocseg_tui.workers.notify_job", "--job", str(job.id),
                          "--registry", str(registry.path), "--event", event],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
