"""Which picture protocol the terminal speaks, asked once before Textual owns the terminal.

A terminal answers such questions on stdin, which Textual reads from the moment it starts, so
the Demo screen cannot ask later. textual-image asks when its renderables are imported, and
importing them loads numpy and Pillow: a fifth of a second before the first frame for a picture
only the Demo screen shows. So the launcher asks the same two questions here, with
textual-image's stdlib-only terminal helpers, and the Demo screen imports the image widgets
when it first needs one.
"""

from __future__ import annotations

import contextlib
import random
import sys
from typing import Literal

Protocol = Literal["sixel", "tgp", "halfcell"]

ANSWER_TIMEOUT_S = 0.1
"""How long a terminal may take to answer one question (a terminal that ignores it costs this)."""

detected: Protocol | None = None
"""What `probe()` found; None when it has not run (not a terminal, or not launched by the CLI)."""


def _sixel() -> bool:
    """Primary device attributes (`ESC [ c`): Sixel terminals list attribute 4."""
    from textual_image._terminal import TerminalError, capture_terminal_response

    out = sys.__stdout__
    assert out is not None
    try:
        with capture_terminal_response("\x1b[?", "c", timeout=ANSWER_TIMEOUT_S) as response:
            out.write("\x1b[c")
            out.flush()
    except (TerminalError, TimeoutError, OSError):
        return False
    answer: str = response.sequence
    return "4" in answer[len("\x1b[?"):-1].split(";")


def _tgp() -> bool:
    """A query of the terminal graphics protocol (Kitty's): a supporting terminal says OK."""
    from textual_image._terminal import TerminalError, capture_terminal_response

    out = sys.__stdout__
    assert out is not None
    query = f"\x1b_Gi={random.randint(1, 2**31)},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
    try:
        with capture_terminal_response("\x1b_G", "\x1b\\", timeout=ANSWER_TIMEOUT_S) as response:
            out.write(query)
            out.flush()
    except (TerminalError, TimeoutError, OSError):
        return False
    answer: str = response.sequence
    return answer[len("\x1b_G"):-len("\x1b\\")].rpartition(";")[2] == "OK"


def probe() -> Protocol | None:
    """Ask the terminal what it can draw (and the pixel size of a cell, which textual-image
    keeps); remember and return it. Only call it before Textual starts. Sixel is asked first
    and the graphics protocol second, the order textual-image uses."""
    global detected
    if not (sys.__stdout__ and sys.__stdout__.isatty() and sys.__stdin__ and sys.__stdin__.isatty()):
        return None
    from textual_image._terminal import TerminalError, get_cell_size

    detected = "sixel" if _sixel() else "tgp" if _tgp() else "halfcell"
    # A terminal that reports no size (0 columns) makes textual-image divide by zero.
    with contextlib.suppress(TerminalError, OSError, ArithmeticError):
        get_cell_size()
    return detected
