"""The launcher asks a real terminal (here a pseudo-terminal answered as Sixel, Kitty or plain
terminals answer) which pictures it draws, without loading numpy or Pillow before the app."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable

import pytest

CHILD = """
import sys
from vocseg_tui.tui.graphics import probe
found = probe()
heavy = sorted(m for m in ("numpy", "PIL") if m in sys.modules)
print(f"RESULT {found} heavy={heavy}", flush=True)
"""

Terminal = Callable[[bytes], bytes]
"""What a terminal answers to the bytes it was sent so far (b"" for nothing yet)."""


def sixel_terminal(sent: bytes) -> bytes:
    return b"\x1b[?62;4;22c" if sent.endswith(b"\x1b[c") else b""


def kitty_terminal(sent: bytes) -> bytes:
    if sent.endswith(b"\x1b[c"):
        return b"\x1b[?62;22c"
    query = re.search(rb"\x1b_Gi=(\d+),[^;]*;AAAA\x1b\\$", sent)
    return b"\x1b_Gi=" + query.group(1) + b";OK\x1b\\" if query else b""


def plain_terminal(sent: bytes) -> bytes:
    return b"\x1b[?1;2c" if sent.endswith(b"\x1b[c") else b""  # and silence to the rest


def run_on(terminal: Terminal, size: tuple[int, int, int, int] = (24, 80, 800, 480)) -> str:
    """The probe's result in a child whose terminal is `terminal`, of `size` (rows, columns,
    and pixels across and down, as the kernel keeps them)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *size))
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=slave, stdout=slave,
                             stderr=subprocess.PIPE, close_fds=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    try:
        while b"RESULT" not in seen or not seen.endswith(b"\n"):
            assert time.monotonic() < deadline, f"no answer from the probe: {seen!r}"
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            seen += chunk
            answer = terminal(seen)
            if answer:
                os.write(master, answer)
    finally:
        child.wait(timeout=30)
        os.close(master)
    assert child.returncode == 0, child.stderr.read().decode() if child.stderr else ""
    line = seen[seen.index(b"RESULT"):].decode().strip()
    return line.removeprefix("RESULT ")


@pytest.mark.parametrize(("terminal", "protocol"), [
    (sixel_terminal, "sixel"), (kitty_terminal, "tgp"), (plain_terminal, "halfcell"),
], ids=["sixel", "kitty", "plain"])
def test_the_terminal_is_asked_what_it_draws(terminal: Terminal, protocol: str) -> None:
    assert run_on(terminal) == f"{protocol} heavy=[]"


def test_a_terminal_that_reports_no_size_still_opens() -> None:
    assert run_on(plain_terminal, size=(0, 0, 0, 0)) == "halfcell heavy=[]"


def test_without_a_terminal_nothing_is_asked() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=True, timeout=60)
    assert done.stdout.strip() == "RESULT None heavy=[]"
