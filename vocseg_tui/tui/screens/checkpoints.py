"""The Checkpoints screen: every run's checkpoints with their mIoU; demo, evaluate, resume,
delete and copy the path of the highlighted one.

The list refreshes every few seconds while the screen is shown (a periodic read scans the work
dirs in a thread; integrity results are cached by size and mtime, so a refresh costs a few
stats). Evaluate and resume run in thread workers and answer with a message. Damaged
files are marked and refused by every action but delete. Evaluation runs detached (tools/test.py
in its own session) and its per-class IoU table appears when its metrics file lands. The list
holds the open project's runs; `a` shows every project's (the job registry is per user).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from vocseg_tui.core.checkpoints import (
    Checkpoint,
    Run,
    RunListing,
    confirmation_prompts,
    delete_checkpoint,
    list_runs,
)
from vocseg_tui.core.checkpoints.evaluate import (
    EvalStatus,
    evaluation_statuses,
    project_root_of,
    start_evaluation,
)
from vocseg_tui.core.checkpoints.resume import check_resumable
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.shown import shown
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.ckpt_detail import CheckpointDetail, resume_refusal
from vocseg_tui.tui.widgets.ckpt_table import CheckpointTable
from vocseg_tui.tui.widgets.confirm import ConfirmScreen

REFRESH_S = 3.0


@dataclass(frozen=True)
class Scan:
    """One read of the runs shown and of their checkpoints' evaluations."""

    listing: RunListing
    statuses: dict[str, EvalStatus]


@dataclass
class CheckpointActionDone(Message):
    """An evaluation or resume started (what to tell the user), or the error that stopped it."""

    text: str
    error: VocsegError | None = None


class CheckpointsScreen(AreaScreen):
    MODE = "checkpoints"
    CSS_PATH = "checkpoints.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "demo", "Demo"),
        Binding("e", "evaluate", "Evaluate"),
        Binding("r", "resume", "Resume"),
        Binding("x,delete", "delete", "Delete"),
        Binding("c", "copy_path", "Copy path"),
        Binding("f5", "refresh", "Refresh", show=False),  # it refreshes itself; help lists it
        Binding("a", "toggle_projects", "All projects"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []
        self.eval_status: dict[str, EvalStatus] = {}
        self.all_projects = False
        """Key a: every project's runs, not only the open project's."""
        self.scans = self.every(REFRESH_S, self._scan, self._apply, self._scan_failed,
                                what="the work dirs")
        self._last_scan_error = ""

    def compose_body(self) -> ComposeResult:
        yield Static("Looking for runs…", id="ckpt-summary")
        yield CheckpointTable(id="ckpt-table")
        yield CheckpointDetail(id="ckpt-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.scans.start()

    # --- data -------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.scans.now()

    def action_toggle_projects(self) -> None:
        """Show every project's runs, or the open project's again."""
        self.all_projects = not self.all_projects
        self.action_refresh()

    def _scan(self) -> Scan:
        listing = list_runs(self.vocseg_app.project, all_projects=self.all_projects)
        return Scan(listing, evaluation_statuses(listing.runs))

    def _apply(self, scan: Scan) -> None:
        listing, statuses = scan.listing, scan.statuses
        if listing.scope.every_project != self.all_projects:
            self.scans.now()  # scanned before `a` changed the projects shown: scan them instead
            return
        self._last_scan_error = ""
        runs = listing.runs
        self.runs, self.eval_status = runs, statuses
        self.query_one(CheckpointTable).show_runs(runs, with_project=self.all_projects)
        count = sum(len(r.checkpoints) for r in runs)
        damaged = sum(1 for r in runs for c in r.checkpoints if not c.ok)
        where = " in every project (a: this one only)" if self.all_projects else ""
        summary = (f"{len(runs)} run(s), {count} checkpoint(s){where}" if runs else
                   f"No checkpoints yet under {shown(self.vocseg_app.project.work_dirs)}: "
                   "launch training in the Jobs area (4).")
        if listing.other_projects:
            summary += f" · {listing.other_projects} other project(s) have jobs (a shows their runs)"
        if damaged:
            summary += f"  [red]{damaged} damaged[/red]"
        self.query_one("#ckpt-summary", Static).update(summary)
        self._show_detail()

    def selected(self) -> tuple[Run, Checkpoint] | None:
        path = self.query_one(CheckpointTable).current_path()
        for run in self.runs:
            for ckpt in run.checkpoints:
                if str(ckpt.path) == path:
                    return run, ckpt
        return None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        chosen = self.selected()
        detail = self.query_one(CheckpointDetail)
        if chosen is None:
            detail.show(None, None, None)
            return
        run, ckpt = chosen
        detail.show(run, ckpt, self.eval_status.get(str(ckpt.path)))

    def _require(self, *, intact: bool = True) -> tuple[Run, Checkpoint] | None:
        chosen = self.selected()
        if chosen is None:
            self.notify("No checkpoint highlighted.", severity="warning")
            return None
        if intact and not chosen[1].ok:
            self.notify(f"{chosen[1].name} is damaged ({chosen[1].problem}); pick an intact one.",
                        severity="error")
            return None
        return chosen

    # --- actions ----------------------------------------------------------------------------

    async def action_demo(self) -> None:
        chosen = self._require()
        if chosen is None:
            return
        from vocseg_tui.tui.screens.demo import DemoScreen

        await self.app.switch_mode("demo")
        screen = self.app.screen
        if isinstance(screen, DemoScreen):
            screen.start(chosen[1].path)

    def action_evaluate(self) -> None:
        chosen = self._require()
        if chosen is not None:
            self._evaluate(*chosen)

    @work(thread=True, exclusive=True, group="ckpt-eval", exit_on_error=False)
    def _evaluate(self, run: Run, ckpt: Checkpoint) -> None:
        try:
            started = start_evaluation(run, ckpt, cwd=project_root_of(run, self.vocseg_app.project.root),
                                       devices=self.vocseg_app.device_choice)
        except VocsegError as error:
            self.post_message(CheckpointActionDone("", error))
            return
        where = started.placement.label()
        one = " (evaluation is one process: it uses the first GPU)" if started.placement.left_out else ""
        self.post_message(CheckpointActionDone(
            f"Evaluating {ckpt.name} on the val split on {where}{one} "
            f"(log: {shown(started.paths.log)}); it keeps running if you quit."))

    def action_resume(self) -> None:
        """Ask only a question whose yes can be kept: a file resume refuses (a weights-only
        best_*, a run without its config) is refused at once, with what to do instead."""
        chosen = self._require()
        if chosen is None:
            return
        run, ckpt = chosen
        try:
            check_resumable(run, ckpt)
        except VocsegError as error:
            if ckpt.kind == "best":
                self.notify(resume_refusal(run, ckpt), severity="warning", timeout=12, markup=False)
            else:
                self._error(error)
            return
        devices = self.vocseg_app.device_choice
        question = (f"Resume {run.name} from {ckpt.name} as a new job"
                    f"{' (on ' + devices.label() + ')' if not run.job_ids else ''}?")
        def answered(yes: bool | None) -> None:
            if yes:
                self._resume(run, ckpt)

        self.app.push_screen(ConfirmScreen(question, yes="Resume"), answered)

    @work(thread=True, exclusive=True, group="ckpt-resume", exit_on_error=False)
    def _resume(self, run: Run, ckpt: Checkpoint) -> None:
        from vocseg_tui.core.checkpoints.resume import resume_from_checkpoint

        try:
            job = resume_from_checkpoint(run, ckpt, devices=self.vocseg_app.device_choice)
        except VocsegError as error:
            self.post_message(CheckpointActionDone("", error))
            return
        self.post_message(CheckpointActionDone(f"Job {job.id} resumes {run.name} from {ckpt.name}; "
                                               "follow it in Jobs (4) and Logs (5)."))

    def on_checkpoint_action_done(self, message: CheckpointActionDone) -> None:
        if message.error is not None:
            self._error(message.error)
        else:
            self.notify(message.text)
        self.action_refresh()

    def action_delete(self) -> None:
        chosen = self._require(intact=False)
        if chosen is None:
            return
        _, ckpt = chosen
        prompts = confirmation_prompts(ckpt)

        def ask(step: int) -> None:
            if step == len(prompts):
                self._delete(ckpt, step)
                return
            self.app.push_screen(ConfirmScreen(prompts[step], yes="Delete", stake="error"),
                                 lambda yes: ask(step + 1) if yes else self.notify(f"Kept {ckpt.name}."))

        ask(0)

    def _delete(self, ckpt: Checkpoint, confirmations: int) -> None:
        try:
            new_last = delete_checkpoint(ckpt, confirmations=confirmations)
        except VocsegError as error:
            self._error(error)
            return
        moved = f"; last_checkpoint now names {new_last.name}" if new_last else ""
        self.notify(f"Deleted {ckpt.name}{moved}.")
        self.action_refresh()

    def action_copy_path(self) -> None:
        chosen = self._require(intact=False)
        if chosen is not None:
            self.app.copy_to_clipboard(str(chosen[1].path))
            self.notify(f"Copied {chosen[1].path}")

    def _scan_failed(self, error: VocsegError) -> None:
        text = f"{error.message}\n{error.hint}"
        if text != self._last_scan_error:  # once, not every refresh while it lasts
            self._last_scan_error = text
            self._error(error)

    def _error(self, error: VocsegError) -> None:
        self.notify(f"{error.message}\n{error.hint}", severity="error", timeout=8)
