"""Paths as a person reads them on screen: under the home folder, as `~/...`.

The screens say where things are. A path under the user's home reads shorter that way, and the
same on each of their machines (and in the README's captures). Only what is shown is shortened:
what is copied, the CLI's output and `--json` keep absolute paths, which work from any folder.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable


def _home() -> str:
    home = os.path.expanduser("~").rstrip("/")
    return "" if home in ("", "~") else home


def shown(path: str | os.PathLike[str]) -> str:
    """`path` with the home folder written `~` (a path elsewhere is returned as it is)."""
    text = os.fspath(path)
    home = _home()
    if not home:
        return text
    if text == home:
        return "~"
    if text.startswith(home + "/"):
        return "~" + text[len(home):]
    return text


def shown_command(argv: Iterable[str]) -> str:
    """A command line to read and to paste into a shell: `~/...` stays unquoted so it expands."""
    words = []
    for arg in argv:
        short = shown(arg)
        if short != arg and shlex.quote(short[1:]) == short[1:]:
            words.append(short)
        else:
            words.append(shlex.quote(arg))
    return " ".join(words)
