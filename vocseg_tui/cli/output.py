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
    """`error: ...` and `hint: ...` on stderr, the format scripts and users see everywhere."""
    print(f"error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"hint: {error.hint}", file=sys.stderr)


def print_json(value: Any) -> None:
    """One JSON document on stdout, keys in a stable order."""
    try:
        print(json.dumps(value, indent=None, sort_keys=True, default=str), flush=True)
    except BrokenPipeError:  # `vocseg-tui jobs --json | head`: the reader left, not an error
        # Point stdout at /dev/null so Python's flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
