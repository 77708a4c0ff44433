"""The Logs screen: follow any run's log, see its curves and per-class IoU, and why it failed.

Reading happens in two periodic reads (tui/periodic.py: a thread each, one read in flight,
paused while the screen is hidden): the list of jobs every few seconds, and the log on show
twice a second. Each log read takes at most a bounded batch of new lines and hands it over in
one message, so a fast log never floods the message queue; a full batch reads again at once.
Every job keeps its own buffer, feed and scroll position, so switching jobs is instant.

Charts redraw at most once a second; a change that arrives sooner is drawn when that second
is up (a one-shot timer), never dropped: the log of a job just switched to usually arrives in
one batch right after the switch, and used to leave its curves blank.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.log_targets import all_targets
from vocseg_tui.core.logs import Batch, LogFeed, LogTarget, is_error_anchor
from vocseg_tui.core.shown import shown
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.log_charts import LogCharts
from vocseg_tui.tui.widgets.log_iou import IouTable
from vocseg_tui.tui.widgets.log_view import LogView

POLL_S = 0.5
TARGETS_S = 5.0
CHART_MIN_S = 1.0
MAX_BUFFER = 200_000
"""Lines kept per job in the pane; older ones are dropped (the CLI prints the whole file)."""
MAX_CACHED_JOBS = 8
"""Jobs whose buffers are kept for an instant switch back; the least recently shown go first."""
LEVEL_NAMES = {0: "all", 2: "WARNING+", 3: "ERROR"}
SMOOTHING = (0.0, 0.6, 0.9)


@dataclass
class JobCache:
    """What the screen keeps per job so that switching back shows it at once."""

    feed: LogFeed
    lines: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    scroll_y: float | None = None
    follow: bool = True
    drawn_version: int = -1


@dataclass(frozen=True)
class KeyedBatch:
    """A batch of new lines and the job (`key`) it was read for."""

    key: str
    batch: Batch


class LogsScreen(AreaScreen):
    MODE = "logs"
    CSS_PATH = "logs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "toggle_follow", "Follow on/off"),
        Binding("l", "cycle_level", "Level filter"),
        Binding("slash", "search", "Search", key_display="/"),
        Binding("n", "find_next", "Next match"),
        Binding("N", "find_previous", "Prev match", key_display="N"),
        Binding("right_square_bracket", "next_error", "Next error", key_display="]"),
        Binding("left_square_bracket", "previous_error", "Prev error", key_display="["),
        Binding("t", "cycle_tab", "Log/Curves/IoU"),
        Binding("s", "cycle_smoothing", "Smoothing"),
        Binding("r", "refresh_jobs", "Refresh jobs"),
        Binding("escape", "close_search", "Close search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[LogTarget] = []
        self.caches: dict[str, JobCache] = {}
        self.current: str | None = None
        self.query_text = ""
        self.smoothing = 0.6
        self.target_reads = self.every(TARGETS_S, self._read_targets, self._show_targets,
                                       self._read_failed, what="the jobs' logs")
        self.log_reads = self.every(POLL_S, self._read_batch, self._apply, self._read_failed,
                                    what="the log")
        self._last_error = ""
        self._last_chart = 0.0
        self._chart_timer: Timer | None = None
        self._selected_job: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="logs-diagnosis")
        yield Static("No run selected.", id="logs-status")
        with Horizontal(id="logs-main"):
            yield OptionList(id="logs-jobs")
            with TabbedContent(id="logs-tabs", initial="tab-log"):
                with TabPane("Log", id="tab-log"):
                    yield LogView(id="logs-view")
                with TabPane("Curves", id="tab-curves"):
                    yield LogCharts(id="logs-charts")
                with TabPane("Per-class IoU", id="tab-iou"):
                    yield IouTable(id="logs-iou")
        yield Input(placeholder="search the log (enter: find, n/N: next/previous)", id="logs-search")

    def on_mount(self) -> None:
        super().on_mount()
        self.watch(self.query_one(LogView), "follow", self._follow_changed, init=False)
        self.target_reads.start()
        self.log_reads.start(read_now=False)  # nothing is shown yet: a job's select reads it

    def _follow_changed(self, _follow: bool) -> None:
        self._refresh_panels()

    # --- jobs -------------------------------------------------------------------------
    def _read_targets(self) -> list[LogTarget]:
        return all_targets(self.vocseg_app.project.work_dirs)

    def _read_failed(self, error: VocsegError) -> None:
        text = f"{error.message}\n{error.hint}"
        if text != self._last_error:  # once, not every tick while it lasts
            self._last_error = text
            self.notify(text, severity="error", title="Logs")

    def _show_targets(self, targets: list[LogTarget]) -> None:
        old = [(t.key, t.title, t.state) for t in self.targets]
        self.targets = targets
        for target in targets:  # keep state/exit code fresh for the diagnosis
            if target.key in self.caches:
                self.caches[target.key].feed.target = target
        options = self.query_one("#logs-jobs", OptionList)
        if old != [(t.key, t.title, t.state) for t in targets]:
            highlighted = self.current
            options.clear_options()
            options.add_options([Option(self._label(t), id=t.key) for t in targets])
            if highlighted is not None and any(t.key == highlighted for t in targets):
                options.highlighted = next(i for i, t in enumerate(targets) if t.key == highlighted)
        wanted = self.vocseg_app.selected_job_id
        if wanted is not None and wanted != self._selected_job:
            self._selected_job = wanted
            key = f"job:{wanted}"
            if any(t.key == key for t in targets):
                self.select(key)
                return
        if self.current is None and targets:
            self.select(targets[0].key)
        elif not targets:
            self.query_one("#logs-status", Static).update(
                "No runs yet: launch one in Jobs (4), or open any log with `vocseg-tui logs PATH`.")

    @staticmethod
    def _label(target: LogTarget) -> str:
        state = f" [{target.state}]" if target.state else ""
        return f"{target.title}{state}"

    @on(OptionList.OptionSelected, "#logs-jobs")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.select(event.option.id)

    def select(self, key: str) -> None:
        """Show job `key` at once from its cache; its feed keeps reading in the background."""
        target = next((t for t in self.targets if t.key == key), None)
        if target is None:
            return
        view = self.query_one(LogView)
        if self.current in self.caches:
            old = self.caches[self.current]
            old.scroll_y, old.follow = view.scroll_offset.y, view.follow
        cache = self.caches.pop(key, None) or JobCache(LogFeed(target))
        self.caches[key] = cache  # most recently shown last
        while len(self.caches) > MAX_CACHED_JOBS:
            del self.caches[next(iter(self.caches))]
        self.current = key
        options = self.query_one("#logs-jobs", OptionList)
        index = next((i for i, t in enumerate(self.targets) if t.key == key), None)
        if index is not None and options.highlighted != index:
            options.highlighted = index
        view.follow = cache.follow
        view.show(cache.lines, cache.levels, cache.scroll_y)
        cache.drawn_version = -1
        self._refresh_panels(force=True)
        self.log_reads.now()

    # --- polling ----------------------------------------------------------------------
    def _read_batch(self) -> KeyedBatch | None:
        """One bounded batch of the shown job's new lines (on the reading thread)."""
        key = self.current
        cache = self.caches.get(key) if key is not None else None
        if key is None or cache is None:
            return None
        try:
            return KeyedBatch(key, cache.feed.poll(budget_s=0.05, max_bytes=4 * 1024 * 1024))
        except OSError:  # unreadable right now (permissions, NFS hiccup): the next tick tries again
            return KeyedBatch(key, Batch())

    def _apply(self, read: KeyedBatch | None) -> None:
        if read is None:
            return
        key, batch = read.key, read.batch
        if key != self.current:
            self.log_reads.now()  # the job switched while this read ran: read the one on show
        cache = self.caches.get(key)
        if cache is None:
            return
        view = self.query_one(LogView)
        shown = key == self.current
        if batch.reset:
            cache.lines.clear()
            cache.levels.clear()
            if shown:
                view.trimmed()
        start = len(cache.lines)
        cache.lines.extend(batch.lines)
        cache.levels.extend(batch.levels)
        if len(cache.lines) > MAX_BUFFER * 1.2:
            drop = len(cache.lines) - MAX_BUFFER
            del cache.lines[:drop]
            del cache.levels[:drop]
            if shown:
                view.trimmed()
                if view.follow:
                    view.to_end()
        elif shown and batch.lines:
            view.appended(start)
        if shown and (batch.changed or batch.reset or batch.lines):
            self._refresh_panels()
        if batch.more and shown:
            self.log_reads.now()  # more is waiting: read on without waiting for the tick

    def _refresh_panels(self, force: bool = False) -> None:
        """Status line, diagnosis, and (at most once a second) charts and the IoU table."""
        if self.current is None:
            return
        cache = self.caches[self.current]
        feed, history = cache.feed, cache.feed.history
        view = self.query_one(LogView)
        where = escape(shown(feed.path)) if feed.path else "waiting for the log to appear"
        state = f"{feed.target.state} · " if feed.target.state else ""
        standing = history.standing(succeeded=feed.target.succeeded)
        parts = [f"[b]{escape(feed.target.title)}[/b]",
                 f"{state}{standing.describe(eta=not feed.target.ended)}"]
        if history.train and history.train[-1].loss is not None:
            parts.append(f"loss {history.train[-1].loss:.4f}")
        if (best := history.best_val) is not None and best.miou is not None:
            parts.append(f"best mIoU {best.miou:.2f}")
        parts.append("following" if view.follow else "[reverse] paused [/reverse] (f follows)")
        if view.min_level:
            parts.append(f"showing {LEVEL_NAMES[view.min_level]}")
        self.query_one("#logs-status", Static).update(" · ".join(parts) + f"\n[dim]{where}[/dim]")
        diagnosis = feed.diagnosis()
        banner = self.query_one("#logs-diagnosis", Static)
        banner.display = diagnosis is not None
        if diagnosis is not None:
            banner.update(f"[b]Failed:[/b] {diagnosis.summary} — [b]fix:[/b] {diagnosis.fix}")
        self._draw_charts(force)

    def _draw_charts(self, force: bool = False) -> None:
        """Charts and the IoU table of the job on show, when a chart tab is open and its history
        changed: now if forced or a second has passed since the last draw, else in what is left
        of that second."""
        if self.current is None or self.current not in self.caches:
            return
        cache = self.caches[self.current]
        history = cache.feed.history
        if self.query_one("#logs-tabs", TabbedContent).active == "tab-log" or \
                history.version == cache.drawn_version:
            return
        wait = CHART_MIN_S - (time.monotonic() - self._last_chart)
        if not force and wait > 0:
            if self._chart_timer is None:
                self._chart_timer = self.set_timer(wait, self._chart_due)
            return
        self._last_chart = time.monotonic()
        cache.drawn_version = history.version
        self.query_one(LogCharts).draw(history, self.smoothing)
        self.query_one(IouTable).draw(history)

    def _chart_due(self) -> None:
        self._chart_timer = None
        self._draw_charts()

    # --- actions ----------------------------------------------------------------------
    def action_toggle_follow(self) -> None:
        view = self.query_one(LogView)
        view.follow = not view.follow
        if view.follow:
            view.mark = None
            view.to_end()

    def action_cycle_level(self) -> None:
        view = self.query_one(LogView)
        order = list(LEVEL_NAMES)
        view.set_min_level(order[(order.index(view.min_level) + 1) % len(order)])
        self._refresh_panels()

    def action_search(self) -> None:
        search = self.query_one("#logs-search", Input)
        search.display = True
        search.focus()

    def action_close_search(self) -> None:
        search = self.query_one("#logs-search", Input)
        search.display = False
        self.query_one(LogView).focus()

    @on(Input.Submitted, "#logs-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value
        self.action_close_search()
        self.query_one("#logs-tabs", TabbedContent).active = "tab-log"
        self.action_find_previous()

    def _find(self, forward: bool) -> None:
        if not self.query_text:
            self.notify("Press / to search first.", severity="warning")
            return
        needle = self.query_text.lower()
        if self.query_one(LogView).find(lambda line: needle in line.lower(), forward) is None:
            self.notify(f"No {'later' if forward else 'earlier'} line with {self.query_text!r}.")
        self._refresh_panels()

    def action_find_next(self) -> None:
        self._find(True)

    def action_find_previous(self) -> None:
        self._find(False)

    def _error(self, forward: bool) -> None:
        if self.query_one(LogView).find(is_error_anchor, forward) is None:
            self.notify(f"No {'later' if forward else 'earlier'} error or traceback.")
        self._refresh_panels()

    def action_next_error(self) -> None:
        self._error(True)

    def action_previous_error(self) -> None:
        self._error(False)

    def action_cycle_tab(self) -> None:
        tabs = self.query_one("#logs-tabs", TabbedContent)
        order = ["tab-log", "tab-curves", "tab-iou"]
        tabs.active = order[(order.index(tabs.active) + 1) % len(order)]
        if self.current is not None:
            self.caches[self.current].drawn_version = -1
            self._refresh_panels(force=True)

    def action_cycle_smoothing(self) -> None:
        self.smoothing = SMOOTHING[(SMOOTHING.index(self.smoothing) + 1) % len(SMOOTHING)]
        if self.current is not None:
            self.caches[self.current].drawn_version = -1
            self._refresh_panels(force=True)
        self.notify(f"Loss smoothing {self.smoothing:.1f}")

    def action_refresh_jobs(self) -> None:
        self.target_reads.now()

