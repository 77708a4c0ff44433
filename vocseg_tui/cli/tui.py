"""Opening the terminal app from the command line (no sub-command given)."""

from __future__ import annotations

import argparse

from vocseg_tui.cli.output import ExitCode
from vocseg_tui.core.project import Project


def open_app(args: argparse.Namespace) -> int:
    project = Project.open(args.project)
    from vocseg_tui.tui.app import make_app  # Textual loads only when the app opens.

    make_app(project, theme=args.theme).run()
    return ExitCode.OK
