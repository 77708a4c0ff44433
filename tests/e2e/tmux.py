"""Drive the real `vocseg-tui` in tmux as a person would: type keys, read the screen.

Every wait names the step it belongs to, and a failure shows the captured screen, so a broken
end-to-end run says where it broke and what the user would have seen.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class StepFailed(AssertionError):
    pass


@dataclass
class TmuxTerminal:
    """One tmux server (own socket) running one program in a fixed-size window."""

    socket: Path
    session: str = "vocseg"
    width: int = 120
    height: int = 36
    history: list[tuple[str, str]] = field(default_factory=list)

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-S", str(self.socket), *args], capture_output=True,
                              text=True, check=check, timeout=30)

    def start(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS/LINES inherited from the test runner would pin the app to their size.
        command = f"cd {shlex.quote(str(cwd))} && env -u COLUMNS -u LINES {exports} {shlex.join(argv)}"
        self._tmux("new-session", "-d", "-s", self.session, "-x", str(self.width),
                   "-y", str(self.height), command)
        self._tmux("set-option", "-t", self.session, "remain-on-exit", "on")

    def keys(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", self.session, key)
            # A key right after Escape would be read as Alt+key (an escape sequence).
            time.sleep(max(pause, 0.6) if key == "Escape" else pause)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.session, "-l", text)
        time.sleep(0.15)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session, check=False).stdout

    def wait_for(self, step: str, pattern: str | Callable[[str], bool],
                 timeout: float = 30.0) -> str:
        """Wait until the screen matches; on time-out fail naming `step`, showing the screen."""
        test = (lambda s: re.search(pattern, s) is not None) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if test(text):
                self.history.append((step, text))
                return text
            time.sleep(0.25)
        raise StepFailed(f"step '{step}': screen never showed {pattern!r} within {timeout:.0f}s;"
                         f" the screen was:\n{text}")

    def kill_server(self) -> None:
        self._tmux("kill-server", check=False)
