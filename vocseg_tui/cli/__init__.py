"""The headless command line: `vocseg-tui [--project DIR] [COMMAND ...]`.

With no command it opens the TUI. Each command lives in its own module beside this one and
registers a sub-parser; every command is thin over `vocseg_tui.core`. Output formats and exit
codes are an API (see `ExitCode` and README.md): scripts may rely on them.

Opening the app (no command) is the common case and must start as fast as a bare Textual app
(bench/startup.py): `opens_app` recognises it with a parser of the global options only, so the
command modules (some of which import half the core to list their choices) are not even
imported then. Anything else (a command, --help, --version, a bad option) gets the full parser,
which also words every error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from vocseg_tui import __version__
from vocseg_tui.cli.output import ExitCode, print_error, reader_left
from vocseg_tui.core.errors import VocsegError


def command_modules() -> list[ModuleType]:
    """Every module of this package with a `register(subparsers)` function, in ORDER.

    Discovery (rather than a hand-kept list) lets each area add its command in its own file.
    """
    import importlib
    import pkgutil

    modules = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))


class _NotTheApp(Exception):
    """The global-options parser met something only the full parser understands."""


class _GlobalOptionsParser(argparse.ArgumentParser):
    """Parses the global options alone; raises instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise _NotTheApp(message)


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """The options before any command (one home for the full parser and `opens_app`)."""
    parser.add_argument(
        "--project", metavar="DIR", default=None,
        help="project folder (default: the current directory)",
    )
    parser.add_argument(
        "--theme", choices=["dark", "light"], default=None,
        help="colour theme of the app (default: dark)",
    )


def opens_app(argv: Sequence[str] | None = None) -> argparse.Namespace | None:
    """The parsed global options when `argv` opens the app (no command, no --help/--version),
    else None. Builds no sub-parser, so no command module is imported."""
    probe = _GlobalOptionsParser(prog="vocseg-tui", add_help=False)
    add_global_options(probe)
    try:
        args, rest = probe.parse_known_args(argv)
    except _NotTheApp:
        return None
    if rest:
        return None
    args.command = None
    return args


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
    add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = opens_app(argv)
    if args is None:
        args = build_parser().parse_args(argv)
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
