"""`vocseg-tui doctor`: one table of checks, with the fix for each failure."""

from __future__ import annotations

import argparse
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}

ORDER = 90
JSON_SCHEMA = 1
"""The `doctor --json` object {schema, checks}; 1: the first object (before it, a bare list)."""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "doctor", help="check Python, torch, mmcv ops, mmseg, checkpoint loading, NVML, tmux",
        description="Check that this machine can train, and say how to fix what cannot. "
                    "Exit 0 when no check failed (warnings allowed), 1 otherwise.",
    )
    parser.add_argument("--json", action="store_true", help='print {"schema": 1, "checks": [...]}')
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from vocseg_tui.core.doctor import run_checks

    checks = run_checks()
    if args.json:
        print_json({"schema": JSON_SCHEMA, "checks": [check.__dict__ for check in checks]})
    else:
        table = Table(title="vocseg-tui doctor")
        for column in ("check", "status", "found", "fix"):
            table.add_column(column, overflow="fold")
        for check in checks:
            table.add_row(check.name, f"[{STYLE[check.status]}]{check.status}[/]",
                          check.found, check.fix)
        Console().print(table)
    return ExitCode.FAILED if any(c.status == "fail" for c in checks) else ExitCode.OK
