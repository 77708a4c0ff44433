"""Child process of bench/startup.py: start an app headless, say READY at its first frame."""

from __future__ import annotations

import sys


async def _ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    print("READY", flush=True)
    pilot.app.exit()


def main() -> None:
    which = sys.argv[1]
    if which == "minimal":
        from textual.app import App, ComposeResult
        from textual.widgets import Footer, Header, Static

        class Minimal(App[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield Static("hello")
                yield Footer()

        Minimal().run(headless=True, size=(80, 24), auto_pilot=_ready)
    else:
        from vocseg_tui.cli import build_parser
        from vocseg_tui.core.project import Project
        from vocseg_tui.tui.app import make_app

        args = build_parser().parse_args(["--project", sys.argv[2]])
        make_app(Project.open(args.project)).run(headless=True, size=(80, 24), auto_pilot=_ready)


if __name__ == "__main__":
    main()
