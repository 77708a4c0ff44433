"""`vocseg-tui ckpts [WORK_DIR]`: the runs, their checkpoints, mIoU, best/last and integrity."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 60


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "ckpts",
        help="list checkpoints with their validation mIoU; best, last and damaged ones marked",
        description=(
            "List the runs under WORK_DIR (default: the project's work_dirs/ and the runs of "
            "registered jobs) or the one run WORK_DIR is, with every checkpoint's validation "
            "mIoU (from scalars.json), the best and the last marked, and an integrity check of "
            "the zip container (no tensors are loaded)."
        ),
        epilog="--json prints a list of objects: path, run, kind, epoch, iter, mIoU, best, last, ok, "
               "problem, size, mtime.",
    )
    parser.add_argument("work_dir", nargs="?", metavar="WORK_DIR",
                        help="a work_dirs folder or one run's folder")
    parser.add_argument("--deep", action="store_true",
                        help="also check the CRC of every tensor (reads every file whole)")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.checkpoints import CheckpointError, discover_runs, scan_run
    from vocseg_tui.core.project import Project

    if args.work_dir:
        folder = Path(args.work_dir).expanduser()
        if not folder.is_dir():
            raise CheckpointError(f"{folder} is not a folder", "pass a work_dirs folder or a run folder")
        is_run = any(folder.glob("*.pth")) or (folder / "last_checkpoint").exists()
        runs = [scan_run(folder.resolve(), deep=args.deep)] if is_run else [
            scan_run(sub.resolve(), deep=args.deep) for sub in sorted(folder.iterdir())
            if sub.is_dir() and any(sub.glob("*.pth"))]
    else:
        runs = discover_runs(Project.open(args.project), deep=args.deep)
    if args.json:
        print_json([c.to_json() for r in runs for c in r.checkpoints])
        return ExitCode.OK
    if not runs:
        print("no checkpoints found")
        return ExitCode.OK
    for one in runs:
        _print_run(one)
    return ExitCode.OK


def _print_run(run: Any) -> None:
    config = run.config_dump.name if run.config_dump else "NO CONFIG DUMP (demo and evaluation need it)"
    print(f"{run.name}  {run.work_dir}  config: {config}")
    print(f"  {'checkpoint':<28} {'step':>10} {'mIoU':>7} {'size':>9}  {'modified':<16}  marks")
    for c in run.checkpoints:
        marks = " ".join(m for m, on in (("best", c.best), ("last", c.last)) if on)
        if not c.ok:
            marks = (marks + " DAMAGED: " + c.problem).strip()
        step = f"{c.unit} {c.step}" if c.step is not None else "-"
        miou = f"{c.miou:.2f}" if c.miou is not None else "-"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.mtime))
        print(f"  {c.name:<28} {step:>10} {miou:>7} {c.size / 2**20:>7.1f}M  {when:<16}  {marks}")
