"""`vocseg-tui logs ID_OR_PATH [-f] [--json]`: print (and follow) a run's log, or its events."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from vocseg_tui.cli.output import ExitCode

ORDER = 50
POLL_S = 0.5


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "logs",
        help="print or follow a job's log; --json prints its losses and validations",
        description=(
            "Print the log of a job (its id from `vocseg-tui jobs`), of a work dir "
            "(work_dirs/<name>: every run in it, a resume's new run folder included) or of a "
            "log file. With -f keep printing new lines until Ctrl-C (exit 130). With --json "
            "print one JSON object per line instead: {\"type\": \"train\", step, epoch, iter, "
            "lr, loss, decode.loss_ce, aux.loss_ce, time, data_time, memory, eta}, "
            "{\"type\": \"val\", epoch, aAcc, mIoU, mAcc, classes: [{name, iou, acc}]}, "
            "plan and resume records, and a final {\"type\": \"diagnosis\"} when the run failed."
        ),
    )
    parser.add_argument("target", metavar="ID_OR_PATH", help="job id, work dir or log file")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    parser.add_argument("-n", "--lines", type=int, default=None, metavar="N",
                        help="start with the last N lines only (text output)")
    parser.add_argument("--json", action="store_true",
                        help="print parsed scalars and validation results as JSON lines")
    parser.set_defaults(handler=run)


def _write(text: str) -> None:
    sys.stdout.write(text)


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.logs import LogFeed, resolve

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
    except BrokenPipeError:  # `vocseg-tui logs X | head`: the reader left, which is fine
        sys.stderr.close()
        return ExitCode.OK


def _loop(feed: Any, args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs import Batch, LineParser

    parser = LineParser()  # events in log order, printed as soon as their line is read
    first = True
    while True:
        batch: Batch = feed.poll(budget_s=0.5)
        if args.json:
            if batch.reset:
                parser = LineParser()
            for line in batch.lines:
                for event in parser.feed(line):
                    _write(json.dumps(event.to_json(), sort_keys=True) + "\n")
        else:
            lines = batch.lines
            if first and args.lines is not None:
                lines = lines[-args.lines:] if args.lines else []
            if lines:
                _write("\n".join(lines) + "\n")
        first = False
        if batch.more:
            continue
        sys.stdout.flush()
        if not args.follow:
            break
        time.sleep(POLL_S)
    diagnosis = feed.diagnosis()
    if args.json and diagnosis is not None:
        _write(json.dumps({"type": "diagnosis", "kind": diagnosis.kind,
                           "summary": diagnosis.summary, "fix": diagnosis.fix}) + "\n")
    elif diagnosis is not None and sys.stderr.isatty():
        print(f"diagnosis: {diagnosis.summary}\nfix: {diagnosis.fix}", file=sys.stderr)
    if feed.path is None:
        from vocseg_tui.core.logs import LogNotFound

        raise LogNotFound(f"{feed.target.title} has no log yet",
                          "the job may still be queued; try again with -f to wait for it")
    return ExitCode.OK
