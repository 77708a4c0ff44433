"""`vocseg-tui logs ID_OR_PATH [-f] [--json]`: print (and follow) a run's log, or its events."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from vocseg_tui.cli.output import ExitCode

ORDER = 50
JSON_SCHEMA = 1
"""Carried by every `logs --json` line."""
POLL_S = 0.5
JOB_CHECK_S = 2.0
"""How often `-f` asks whether the job ended (for a Slurm job that is a squeue call)."""
SUPERVISOR_GRACE_S = 10.0


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "logs",
        help="print or follow a job's log; --json prints its losses and validations",
        description=(
            "Print the log of a job (its id from `vocseg-tui jobs`), of a work dir "
            "(work_dirs/<name>: every run in it, a resume's new run folder included) or of a "
            "log file. With -f keep printing new lines: for a job, until it has ended (then "
            "exit 0); for a path, until Ctrl-C (exit 130). With --json "
            "print one JSON object per line instead: {\"type\": \"train\", step, epoch, iter, "
            "lr, loss, decode.loss_ce, aux.loss_ce, time, data_time, memory, eta}, "
            "{\"type\": \"val\", epoch, aAcc, mIoU, mAcc, classes: [{name, iou, acc}]}, "
            "plan and resume records, and a final {\"type\": \"diagnosis\"} when the run failed. "
            "Control characters in the log (escape sequences that could retitle the terminal or "
            "set its clipboard) are printed as '?' unless --raw."
        ),
    )
    parser.add_argument("target", metavar="ID_OR_PATH", help="job id, work dir or log file")
    parser.add_argument("-f", "--follow", action="store_true",
                        help="keep printing new lines; for a job id, until the job has ended")
    parser.add_argument("--raw", action="store_true",
                        help="write the log's control characters to the terminal as they are")
    parser.add_argument("-n", "--lines", type=int, default=None, metavar="N",
                        help="start with the last N lines only (text output)")
    parser.add_argument("--json", action="store_true",
                        help="print parsed scalars and validation results as JSON lines")
    parser.set_defaults(handler=run)


def _write(text: str) -> None:
    sys.stdout.write(text)


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.jobs.log_targets import resolve
    from vocseg_tui.core.logs import LogFeed

    if args.lines is not None and args.lines < 0:
        raise VocsegError("--lines must be 0 or more", "for example: -n 100")
    target = resolve(args.target)
    # The CLI prints everything: no tail mode, except with -n where only the end matters.
    tail = 0 if args.lines is None else max(64 * 1024, args.lines * 512)
    feed = LogFeed(target, full_limit=0 if args.lines is not None else 2**62, tail_bytes=tail)
    try:
        return _loop(feed, args)
    except KeyboardInterrupt:
        sys.stdout.flush()
        print("", file=sys.stderr)
        return ExitCode.INTERRUPTED


def _loop(feed: Any, args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs import Batch, LineParser, escape_controls

    parser = LineParser()  # events in log order, printed as soon as their line is read
    first = True
    ended = JobEnd(feed)
    while True:
        batch: Batch = feed.poll(budget_s=0.5)
        if args.json:
            if batch.reset:
                parser = LineParser()
            for line in batch.lines:
                for event in parser.feed(line):
                    _write(json.dumps({"schema": JSON_SCHEMA, **event.to_json()}, sort_keys=True) + "\n")
        else:
            lines = batch.lines
            if first and args.lines is not None:
                lines = lines[-args.lines:] if args.lines else []
            if lines:
                _write("\n".join(lines if args.raw else map(escape_controls, lines)) + "\n")
        first = False
        if batch.more:
            continue
        sys.stdout.flush()
        if not args.follow or ended.done:
            break
        if ended.check():
            continue  # one more read: the lines written before the end
        time.sleep(POLL_S)
    diagnosis = feed.diagnosis()
    if args.json and diagnosis is not None:
        _write(json.dumps({"schema": JSON_SCHEMA, "type": "diagnosis", "kind": diagnosis.kind,
                           "summary": diagnosis.summary, "fix": diagnosis.fix}) + "\n")
    elif diagnosis is not None and sys.stderr.isatty():
        print(escape_controls(f"diagnosis: {diagnosis.summary}") + "\n"
              + escape_controls(f"fix: {diagnosis.fix}"), file=sys.stderr)
    if feed.path is None:
        from vocseg_tui.core.logs import LogNotFound

        raise LogNotFound(f"{feed.target.title} has no log yet",
                          "the job may still be queued; try again with -f to wait for it")
    return ExitCode.OK


class JobEnd:
    """For `-f` on a job: has the job ended, and has its supervisor written its last line?

    The supervisor records the end in the registry, then logs "finished: ..." (and may start a
    retry), so after the end is seen the follower waits, at most SUPERVISOR_GRACE_S, for the
    supervisor to exit before the final read. The feed's target then carries the final state,
    so the diagnosis reflects how the job ended. Paths (no job id) are followed until Ctrl-C.
    """

    def __init__(self, feed: Any) -> None:
        self.feed = feed
        self.done = False
        self._seen_end: float | None = None
        self._checked = float("-inf")

    def check(self) -> bool:
        """True once the job is over; then `done` is set (read once more, then stop)."""
        from vocseg_tui.core.jobs import Registry
        from vocseg_tui.core.jobs.log_targets import with_record
        from vocseg_tui.core.jobs.procs import is_alive
        from vocseg_tui.core.jobs.status import get_job

        if self.done or self.feed.target.job_id is None:
            return self.done
        now = time.monotonic()
        if now - self._checked < JOB_CHECK_S:
            return False
        self._checked = now
        job = get_job(Registry(), self.feed.target.job_id)
        if not job.state.ended:  # queued, running, or orphaned: its training still writes the log
            return False
        self._seen_end = self._seen_end or now
        if is_alive(job.supervisor_pid, job.supervisor_started) and now - self._seen_end < SUPERVISOR_GRACE_S:
            return False
        self.feed.target = with_record(self.feed.target, job)
        self.done = True
        return True
