"""`vocseg-tui prepare`: make the VOC 2012 + SBD training data complete and verified, headless.

It does whatever is still missing: download (only with --download), extract archives found in
the data root, convert SBD labels, write aug.txt/trainaug.txt, verify. Progress goes to stderr;
the summary (text, or one JSON object with --json) to stdout. Exit 0 only when the data is
complete and verified, 1 when it ran but is not (failed labels, verification problems), 2 for
an error with a hint, 130 when interrupted (a re-run resumes).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vocseg_tui.cli.output import ExitCode, print_json

if TYPE_CHECKING:
    from vocseg_tui.core.data.pipeline import PrepareResult
    from vocseg_tui.core.data.progress import Event

ORDER = 20


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "prepare",
        help="download, extract, convert and verify VOC 2012 + SBD (the 10,582-image train set)",
        description=(
            "Do whatever is still missing to build the VOC 2012 + SBD training data: download the "
            "archives (only with --download; resumable), extract archives found in the data root, "
            "convert SBD labels to SegmentationClassAug PNGs on all cores, write aug.txt and "
            "trainaug.txt, and verify. Safe to re-run: finished work is skipped."
        ),
        epilog="Environment: VOCSEG_VOC_URL, VOCSEG_VOC_MD5, VOCSEG_SBD_URL, VOCSEG_SBD_MD5 "
               "(flags win). Exit codes: 0 complete and verified; 1 incomplete or not verified; "
               "2 error (see hint); 130 interrupted.",
    )
    parser.add_argument("--data-root", metavar="DIR", help="(default: the project's data/)")
    parser.add_argument("--download", action="store_true", help="download missing archives")
    for key, name in (("voc", "VOCtrainval_11-May-2012.tar"), ("sbd", "benchmark.tgz")):
        parser.add_argument(f"--{key}-url", metavar="URL",
                            help=f"mirror(s) for {name}, space-separated, tried in order")
        parser.add_argument(f"--{key}-md5", metavar="MD5",
                            help=f"expected md5 of {name} ('none' skips the check)")
    parser.add_argument("--jobs", type=int, metavar="N", help="processes (default: all cores)")
    parser.add_argument("--deep", action="store_true", help="check every label, not a sample")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object")
    parser.set_defaults(handler=run)


class _Reporter:
    """Progress on stderr: one rewritten line on a terminal, step changes only otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._lock = threading.Lock()
        self._last = 0.0

    def __call__(self, event: Event) -> None:
        from vocseg_tui.core.data.progress import STEP_TITLES, Progress, describe

        with self._lock:
            if isinstance(event, Progress):
                now = time.monotonic()
                if not self.tty or now - self._last < 0.2:
                    return
                self._last = now
                title = STEP_TITLES.get(event.step, event.step)
                print(f"\r\x1b[2K{title}: {describe(event)}", end="", file=sys.stderr, flush=True)
                return
            if event.state == "running":
                return
            clear = "\r\x1b[2K" if self.tty else ""
            detail = f": {event.detail}" if event.detail else ""
            print(f"{clear}{STEP_TITLES.get(event.step, event.step)} {event.state}{detail}",
                  file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.data.archives import resolve
    from vocseg_tui.core.data.pipeline import PrepareOptions, prepare
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.project import Project

    if args.jobs is not None and args.jobs < 1:
        raise VocsegError(f"--jobs must be at least 1, not {args.jobs}", "omit it to use all cores")
    root = Path(args.data_root).expanduser() if args.data_root else Project.open(args.project).data_root
    options = PrepareOptions(
        download=args.download, jobs=args.jobs, deep=args.deep, help_in_process=True,
        voc=resolve("voc", args.voc_url, args.voc_md5), sbd=resolve("sbd", args.sbd_url, args.sbd_md5),
    )
    result = prepare(root.resolve(), options, emit=_Reporter())
    if args.json:
        print_json({"schema": 1, "data_root": str(root.resolve()), **result.summary()})
    else:
        _print_summary(root, result)
    return ExitCode.OK if result.complete else ExitCode.FAILED


def _print_summary(root: Path, result: PrepareResult) -> None:
    c = result.counts
    print(f"data root: {root.resolve()}")
    print(f"  VOC 2012  train {c['train']:,}  val {c['val']:,}")
    print(f"  SBD       train {c['sbd_train']:,}  val {c['sbd_val']:,}")
    kind = "official release" if result.official else "not the official release: counts as found"
    print(f"  aug {c['aug']:,}  trainaug {c['trainaug']:,}  ({kind})")
    conv = result.convert
    print(f"  labels: {conv.converted:,} converted, {conv.skipped:,} up to date, {len(conv.failed)} failed")
    for failure in conv.failed:
        print(f"    {failure['file']}: {failure['error']}", file=sys.stderr)
    check = result.verify
    if check is not None:
        sampled = check.checked_labels < check.total_labels
        how = f"a sample of {check.checked_labels:,}" if sampled else f"all {check.checked_labels:,}"
        how += f" of {check.total_labels:,} labels"
        print(f"  verified ({how}): {'ok' if check.ok else f'{check.problem_count} problems'}")
        for problem in check.problems:
            print(f"    {problem['file']}: {problem['error']}", file=sys.stderr)
    print("complete" if result.complete else "INCOMPLETE: fix the files above and run prepare again")
