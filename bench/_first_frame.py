"""Child process of bench/startup.py: start an app headless, say READY (and the CPU seconds
used so far) at its first frame.

`vocseg` starts exactly as the `vocseg-tui --project DIR` command does (`cli.main`, the same
argument parsing and imports); only `App.run` is wrapped, for both apps alike, to run headless
at 80x24 and report the first frame.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from textual.app import App


async def _ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    print("READY", time.process_time(), flush=True)  # CPU seconds so far, for cpu_ratio
    pilot.app.exit()


def _headless_run(run: Any) -> Any:
    def wrapped(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        return run(self, headless=True, size=(80, 24), auto_pilot=_ready)

    return wrapped


def main() -> None:
    which = sys.argv[1]
    App.run = _headless_run(App.run)  # type: ignore[method-assign]
    if which == "minimal":
        from textual.app import ComposeResult
        from textual.widgets import Footer, Header, Static

        class Minimal(App[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Static("hello")
                yield Footer()

        Minimal().run()
    else:
        from vocseg_tui.cli import main as vocseg_tui

        raise SystemExit(vocseg_tui(["--project", sys.argv[2]]))


if __name__ == "__main__":
    main()
