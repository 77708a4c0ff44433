"""Exit codes and output helpers shared by every command."""

from __future__ import annotations

import enum
import json
import os
import sys
from typing import Any

from vocseg_tui.core.errors import VocsegError


class ExitCode(enum.IntEnum):
    """The process exit codes of `vocseg-tui`; part of the CLI's API."""

    OK = 0
    """The command did what was asked."""
    FAILED = 1
    """It ran, but the result is not what was asked (a failed check, incomplete data)."""
    BAD_INPUT = 2
    """Bad arguments or an error with a hint (printed to stderr); nothing was changed."""
    INTERRUPTED = 130
    """Ctrl-C."""


def print_error(error: VocsegError) -> None:
    """`error: ...` and `hint: ...` on stderr, the format scripts and users see everywhere.

    Both may quote a log line or a file name, so control characters are escaped: an error
    message must not retitle the terminal or set its clipboard."""
    from vocseg_tui.core.logs.controls import escape_controls

    print(f"error: {escape_controls(error.message)}", file=sys.stderr)
    if error.hint:
        print(f"hint: {escape_controls(error.hint)}", file=sys.stderr)


def reader_left() -> None:
    """stdout's reader went away (`vocseg-tui jobs | head -3`): stop writing, quietly.

    stdout is pointed at /dev/null, so what is still buffered, and Python's own flush at exit,
    go nowhere instead of raising BrokenPipeError again ("Exception ignored ...")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout already closed or not a real file: nothing to flush
        pass


def print_json(value: Any) -> None:
    """One JSON document on stdout, keys in a stable order."""
    try:
        print(json.dumps(value, indent=None, sort_keys=True, default=str), flush=True)
    except BrokenPipeError:  # `vocseg-tui jobs --json | head`: the reader left, not an error
        reader_left()
