"""Opening the terminal app from the command line (no sub-command given)."""

from __future__ import annotations

import argparse

from vocseg_tui.cli.output import ExitCode
from vocseg_tui.core.project import Project


def open_app(args: argparse.Namespace) -> int:
    project = Project.open(args.project)
    from vocseg_tui.tui.app import make_app  # Textual loads only when the app opens.

    # Which pictures the terminal can draw can only be asked before Textual owns stdin; the
    # Demo screen then draws real pixels where the terminal can.
    from vocseg_tui.tui.graphics import probe

    probe()

    make_app(project, theme=args.theme).run()
    return ExitCode.OK
