"""The periodic read every area uses: off the UI thread, one at a time, on after a failure,
stopped while its screen is hidden."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from tests.tui.waiting import until
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.tui.screens.base import AreaScreen


class Source:
    """A slow source that fails on its second read (a locked registry, a driver hiccup)."""

    def __init__(self) -> None:
        self.reads = 0
        self.threads: set[threading.Thread] = set()
        self.release = threading.Event()
        self.running = 0
        self.most_at_once = 0

    def read(self) -> int:
        self.reads += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.threads.add(threading.current_thread())
        try:
            self.release.wait(10)
            if self.reads == 2:
                raise OSError("database is locked")
            return self.reads
        finally:
            self.running -= 1


class ReadingScreen(AreaScreen):
    MODE = "data"

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.shown: list[int] = []
        self.errors: list[VocsegError] = []
        self.reads = self.every(0.01, source.read, self.shown.append, self.errors.append,
                                what="the source")

    def compose_body(self) -> ComposeResult:
        yield Static("reading")

    def on_mount(self) -> None:
        super().on_mount()
        self.reads.start()


class ReadingApp(App[None]):
    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def on_mount(self) -> None:
        self.push_screen(ReadingScreen(self.source))


async def test_reads_run_off_the_ui_thread_one_at_a_time_and_go_on_after_a_failure() -> None:
    source = Source()
    app = ReadingApp(source)
    async with app.run_test() as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReadingScreen) and source.reads == 1,
                    what="the first read")
        screen = app.screen
        assert isinstance(screen, ReadingScreen)
        # the timer fires every 10 ms while the first read is held: none may start beside it
        await until(pilot, lambda: screen.reads.skipped >= 5, what="ticks during the held read")
        assert source.reads == 1 and source.most_at_once == 1
        source.release.set()
        await until(pilot, lambda: len(screen.shown) >= 2 and screen.errors, what="reads past the failure")
        assert screen.shown[:2] == [1, 3]
        assert "reading the source failed: database is locked" in screen.errors[0].message
        assert threading.main_thread() not in source.threads


async def test_a_hidden_screen_stops_reading_and_reads_at_once_when_shown_again() -> None:
    source = Source()
    source.release.set()
    app = ReadingApp(source)
    async with app.run_test() as pilot:
        await until(pilot, lambda: isinstance(app.screen, ReadingScreen) and source.reads > 2,
                    what="reads every 10 ms")
        screen = app.screen
        assert isinstance(screen, ReadingScreen)
        app.push_screen(Screen())  # another area in front of it
        await until(pilot, lambda: not screen.reads.ticking, what="the hidden screen's timer stopping")
        await until(pilot, lambda: not screen.reads.in_flight, what="the last read landing")
        hidden_at = source.reads
        ticks = [0]
        clock = app.set_interval(0.01, lambda: ticks.__setitem__(0, ticks[0] + 1))
        await until(pilot, lambda: ticks[0] >= 10, what="ten of the reads' periods passing")
        clock.stop()
        assert source.reads == hidden_at
        app.pop_screen()
        await until(pilot, lambda: screen.reads.ticking and source.reads > hidden_at,
                    what="a read as soon as it shows again")
