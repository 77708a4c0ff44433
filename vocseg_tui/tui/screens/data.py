"""The Data screen: what the data root holds, and one key to make it complete and verified.

The status is read when the screen opens (directory scans only, a few milliseconds even on the
full dataset) so the checklist is right at once. `r` runs whatever is missing in a thread worker
that calls the core's `prepare`; its progress events come back as messages and drive the bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from vocseg_tui.core.data.progress import CancelToken, Event, Progress, StepState
from vocseg_tui.core.data.status import DataStatus, read_status
from vocseg_tui.core.shown import shown
from vocseg_tui.core.voc import TRAINAUG_SIZE
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.data_progress import ProgressRow
from vocseg_tui.tui.widgets.data_steps import StepChecklist

if TYPE_CHECKING:
    from vocseg_tui.core.data.pipeline import PrepareResult

ROWS = {"download": "Download", "extract": "Extract", "convert": "Convert"}


@dataclass
class DataEvent(Message):
    """A progress event from the preparation worker."""

    event: Event


@dataclass
class PrepareDone(Message):
    """The worker finished: with a result, or with the error that stopped it."""

    result: PrepareResult | None
    error: str
    hint: str
    status: DataStatus
    cancelled: bool = False
    """Stopped by `c`: nothing failed, and `r` continues where it stopped."""


class DataScreen(AreaScreen):
    MODE = "data"
    CSS_PATH = "data.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run what is missing"),
        Binding("v", "verify_deep", "Deep verify"),
        Binding("c", "cancel", "Cancel"),
        Binding("s", "refresh", "Refresh status"),
    ]

    running: reactive[bool] = reactive(False)

    def __init__(self) -> None:
        super().__init__()
        self._cancel = CancelToken()
        self._steps: dict[str, tuple[str, str]] = {}

    def compose_body(self) -> ComposeResult:
        yield Static("", id="data-root")
        yield StepChecklist(id="steps")
        for key, title in ROWS.items():
            yield ProgressRow(title, id=f"row-{key}")
        yield Static("", id="counts")
        with VerticalScroll(id="errors-box"):
            yield Static("", id="errors")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_status(read_status(self.vocseg_app.project.data_root))

    def on_unmount(self) -> None:
        self._cancel.cancel()

    # --- status -----------------------------------------------------------------------------
    def _show_status(self, status: DataStatus) -> None:
        self._steps = dict(status.steps)
        self.query_one(StepChecklist).show(self._steps)
        root = self.query_one("#data-root", Static)
        state = ("[b green]Complete and verified[/]" if status.complete
                 else "[b]Incomplete[/]: r runs what is missing")
        root.update(f"{state}  ·  {escape(shown(status.data_root))}")
        if not self.running:
            self._show_rows()
        c = status.counts
        if c["train"] is None and not c["mats"]:
            self.query_one("#counts", Static).update(
                "No VOC 2012 or SBD data yet: r downloads 3.4 GB (resumable) and prepares it.")
            return
        parts = [f"{name} {c[name]:,}" for name in ("train", "val", "aug", "trainaug")
                 if c[name] is not None]
        parts.append(f"labels {c['converted']:,}/{c['mats']:,}")
        official = "  (official release)" if c["trainaug"] == TRAINAUG_SIZE else ""
        self.query_one("#counts", Static).update("[b]Counts[/b] " + " · ".join(parts) + official)

    def _show_rows(self) -> None:
        """Idle rows say what is left for their kind of step, with a full bar when nothing is."""
        for kind, title in ROWS.items():
            states = [state for step, (state, _) in self._steps.items() if step.partition("-")[0] == kind]
            todo = [state for state in states if state != "done"]
            info = "done" if not todo else ("partial: r resumes" if "partial" in todo else "to do")
            self.query_one(f"#row-{kind}", ProgressRow).reset(title, info, done=not todo)

    def action_refresh(self) -> None:
        if not self.running:
            self._show_status(read_status(self.vocseg_app.project.data_root))

    # --- running ----------------------------------------------------------------------------
    def action_run(self) -> None:
        self._start(deep=False)

    def action_verify_deep(self) -> None:
        self._start(deep=True)

    def action_cancel(self) -> None:
        if self.running:
            self._cancel.cancel()
            self.notify("Cancelling… downloaded bytes are kept; r resumes.")

    def _start(self, *, deep: bool) -> None:
        if self.running:
            self.notify("Preparation is already running (c cancels it).", severity="warning")
            return
        self.running = True
        self._cancel = CancelToken()
        self.query_one("#errors", Static).update("")
        self._prepare(deep, self._cancel)

    @work(thread=True, exclusive=True, group="data-prepare", exit_on_error=False)
    def _prepare(self, deep: bool, cancel: CancelToken) -> None:
        from vocseg_tui.core.data.archives import resolve
        from vocseg_tui.core.data.errors import Cancelled
        from vocseg_tui.core.data.pipeline import PrepareOptions, prepare
        from vocseg_tui.core.errors import VocsegError

        root = self.vocseg_app.project.data_root
        options = PrepareOptions(download=True, deep=deep, voc=resolve("voc"), sbd=resolve("sbd"))
        result, error, hint, cancelled = None, "", "", False
        try:
            result = prepare(root, options, emit=self._emit, cancel=cancel)
        except VocsegError as exc:
            error, hint, cancelled = exc.message, exc.hint, isinstance(exc, Cancelled)
        except Exception as exc:
            error, hint = f"unexpected error: {exc!r}", "please report it with the steps that led here"
        self.post_message(PrepareDone(result, error, hint, read_status(root), cancelled))

    def _emit(self, event: Event) -> None:
        """Called on the worker thread; `post_message` is thread-safe and never blocks it."""
        self.post_message(DataEvent(event))

    def on_data_event(self, message: DataEvent) -> None:
        event = message.event
        if isinstance(event, Progress):
            kind, _, archive = event.step.partition("-")
            if kind in ROWS:
                title = f"{ROWS[kind]} {archive.upper()}".strip()
                self.query_one(f"#row-{kind}", ProgressRow).show(event, title)
            return
        assert isinstance(event, StepState)
        self._steps[event.step] = (event.state, event.detail)
        self.query_one(StepChecklist).show(self._steps)
        kind = event.step.partition("-")[0]
        if event.state == "done" and kind in ROWS:
            self.query_one(f"#row-{kind}", ProgressRow).finish(event.detail)

    def on_prepare_done(self, message: PrepareDone) -> None:
        self.running = False
        failed = {step: value for step, value in self._steps.items() if value[0] == "failed"}
        self._show_status(message.status)
        if failed:  # the disk says "partial"; the run knows why
            self._steps.update(failed)
            self.query_one(StepChecklist).show(self._steps)
        lines = []
        if message.error:
            lines.append(f"[b red]{escape(message.error)}[/]")
            if message.hint:
                lines.append(f"  hint: {escape(message.hint)}")
        result = message.result
        if result is not None:
            found = [*result.convert.failed, *(result.verify.problems if result.verify else [])]
            lines += [f"[red]✗[/] {escape(f['file'])}: {escape(f['error'])}" for f in found]
        self.query_one("#errors", Static).update("\n".join(lines) or "[green]No errors.[/]")
        if message.cancelled:
            self.notify("Cancelled. Press r to resume.", severity="warning")
        elif message.error:
            self.notify(message.error, title="Data preparation failed", severity="error")
        elif result is not None and result.complete:
            self.notify(f"Data complete and verified: trainaug {result.counts['trainaug']:,}.")
        else:
            self.notify("Finished with problems: see the list.", severity="warning")
