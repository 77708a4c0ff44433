"""The headless command line: `vocseg-tui [--project DIR] [COMMAND ...]`.

With no command it opens the TUI. Each command lives in its own module beside this one and
registers a sub-parser; every command is thin over `vocseg_tui.core`. Output formats and exit
codes are an API (see `ExitCode` and README.md): scripts may rely on them.

Command modules import the core inside their handlers, not at module level: building the
parser then costs nothing, and opening the app (no command) stays as fast as a bare Textual
app (bench/startup.py).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from vocseg_tui import __version__
from vocseg_tui.cli.output import ExitCode, print_error, reader_left
from vocseg_tui.core.errors import VocsegError


def command_modules() -> list[ModuleType]:
    """Every module of this package with a `register(subparsers)` function, in ORDER.

    Discovery (rather than a hand-kept list) lets each area add its command in its own file.
    """
    modules = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vocseg-tui",
        description=(
            "Train UPerNet-R50 on PASCAL VOC 2012 + SBD with MMSegmentation from one SSH "
            "session. With no command, opens the terminal app."
        ),
        epilog=(
            "Exit codes: 0 success; 1 the command ran but the result is not what was asked "
            "(a failed check, an incomplete dataset); 2 bad input or an error with a hint; "
            "130 interrupted."
        ),
    )
    parser.add_argument("--version", action="version", version=f"vocseg-tui {__version__}")
    parser.add_argument(
        "--project", metavar="DIR", default=None,
        help="project folder (default: the current directory)",
    )
    parser.add_argument(
        "--theme", choices=["dark", "light"], default=None,
        help="colour theme of the app (default: dark)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from vocseg_tui.cli.tui import open_app

            return open_app(args)
        code = int(args.handler(args))
        sys.stdout.flush()  # inside the try: a reader that left shows here, not at exit
        return code
    except VocsegError as error:
        print_error(error)
        return ExitCode.BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `vocseg-tui jobs | head -3`: the reader left, which is no error
        reader_left()
        return ExitCode.OK
