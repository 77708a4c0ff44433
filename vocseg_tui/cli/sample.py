"""`vocseg-tui sample [DIR]`: create the built-in sample project."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 10


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "sample",
        help="create the sample project (synthetic VOC 2012 + SBD, tiny CPU config)",
        description=(
            "Create a project folder with a small synthetic PASCAL VOC 2012 + SBD tree in the "
            "real on-disk formats (SBD labels not yet converted) and configs/sample_tiny.py, "
            "a tiny UPerNet that trains on CPU in well under a minute."
        ),
    )
    parser.add_argument("dir", nargs="?", default="sample-project", help="(default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace the data of an existing folder")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.sample import create_sample  # numpy/scipy/PIL: only when used

    summary = create_sample(Path(args.dir), force=args.force)
    if args.json:
        print_json({"schema": 1, **summary.__dict__})
    else:
        print(f"sample project created in {summary.root}")
        print(f"  {summary.images} images; VOC train/val {summary.voc_train}/{summary.voc_val}; "
              f"SBD train/val {summary.sbd_train}/{summary.sbd_val} (labels not yet converted)")
        print(f"  config: {summary.config}")
        print(f"open it with: vocseg-tui --project {summary.root}")
    return ExitCode.OK
