"""Opening the terminal app from the command line (no sub-command given)."""

from __future__ import annotations

import argparse
import sys

from vocseg_tui.cli.output import ExitCode
from vocseg_tui.core.project import Project


def open_app(args: argparse.Namespace) -> int:
    project = Project.open(args.project)
    from vocseg_tui.tui.app import make_app  # Textual loads only when the app opens.

    if sys.stdout.isatty():
        # textual-image asks the terminal which graphics it supports; that works only before
        # Textual owns stdin. The Demo screen then draws real pixels where the terminal can.
        import textual_image.renderable  # noqa: F401

    make_app(project, theme=args.theme).run()
    return ExitCode.OK
