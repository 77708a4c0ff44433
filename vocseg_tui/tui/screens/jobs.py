"""The Jobs screen: every training job, live, with the keys to launch, stop and resume them.

Jobs run detached (their supervisor is not a child of this app), so this screen only reads the
shared registry and the work dirs: a periodic read (tui/periodic.py) every couple of seconds, in
a thread (SQLite plus one log tail per active job), paused while the screen is hidden. Launch,
stop and resume also run in thread workers and answer with messages.
The list holds the open project's jobs; `a` shows every project's (the registry is per user).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.backend import BACKENDS, backend_for
from vocseg_tui.core.jobs.errors import WorkDirHoldsRun
from vocseg_tui.core.jobs.launch import LaunchRequest, launch, resume, stop
from vocseg_tui.core.jobs.overview import JobListing, JobRow, Overview
from vocseg_tui.core.jobs.progress import stop_point
from vocseg_tui.core.jobs.queue import QueueRule
from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.jobs.states import JobState
from vocseg_tui.core.scope import ProjectScope
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.confirm import ConfirmScreen
from vocseg_tui.tui.widgets.job_detail import JobDetail
from vocseg_tui.tui.widgets.job_launch import BackendOffer, LaunchChoice, LaunchDialog
from vocseg_tui.tui.widgets.job_table import JobTable

REFRESH_S = 2.0


@dataclass
class JobActionDone(Message):
    text: str
    error: VocsegError | None = None


@dataclass
class NewRunAsked(Message):
    """The launch found another run in the work dir: ask before training beside it."""

    choice: LaunchChoice
    devices: DeviceChoice
    error: WorkDirHoldsRun


class JobsScreen(AreaScreen):
    MODE = "jobs"
    CSS_PATH = "jobs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "launch", "Launch"),
        Binding("s", "stop", "Stop"),
        Binding("e", "stop_after_epoch", "Stop after epoch"),
        Binding("r", "resume", "Resume"),
        Binding("l", "follow_log", "Log"),
        Binding("t", "attach_hint", "Console"),
        Binding("a", "toggle_projects", "All projects"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.overview = Overview()
        self.rows: list[JobRow] = []
        self.elsewhere = 0
        self.scope: ProjectScope | None = None
        """The projects listed: the open one, or (key a) every project."""
        self.job_reads = self.every(REFRESH_S, self._read, self._apply, self._read_failed,
                                    what="the job registry")
        self._last_error = ""

    def compose_body(self) -> ComposeResult:
        yield Static("", id="jobs-status")
        yield JobTable()
        yield JobDetail(id="job-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.watch(self.app, "device_choice", lambda _: self._show_status(), init=False)
        self.scope = ProjectScope.of(self.vocseg_app.project)
        try:
            # one quick read so the first frame is complete; Slurm is asked in the worker
            self._apply(self.overview.listing(self.scope, ask_remote=False))
        except VocsegError as error:
            self._apply(JobListing([], self.scope, 0))
            self._read_failed(error)
        self.job_reads.start()  # Slurm's answer at once, not a refresh period later

    # Reading ---------------------------------------------------------------------------------
    def refresh_jobs(self) -> None:
        self.job_reads.now()

    def _read(self) -> JobListing:
        scope = self.scope
        assert scope is not None  # set on mount, before the first read
        return self.overview.listing(scope)

    def _read_failed(self, error: VocsegError) -> None:
        text = f"{error.message}\n{error.hint}"
        if text != self._last_error:  # once, not every refresh while it lasts
            self._last_error = text
            self.notify(text, severity="error", title="Jobs")

    def _apply(self, listing: JobListing) -> None:
        if listing.scope != self.scope:
            self.job_reads.now()  # read before `a` changed the projects shown: read them instead
            return
        self._last_error = ""
        self.rows, self.elsewhere = listing.rows, listing.elsewhere
        self.query_one(JobTable).show(listing.rows, with_project=listing.scope.every_project)
        self._show_status()
        self._show_detail()

    def _show_status(self) -> None:
        device: DeviceChoice = self.vocseg_app.device_choice
        active = sum(1 for r in self.rows if r.job.state.is_active)
        every = self.scope is not None and self.scope.every_project
        where = "in every project (a: this one only)" if every else "in this project"
        others = f" · {self.elsewhere} more in other projects (a shows them)" if self.elsewhere else ""
        self.query_one("#jobs-status", Static).update(
            f"{len(self.rows)} job(s) {where}, {active} queued or running{others} · new jobs: "
            f"[b]{device.label()}[/b] (key 2 changes it) · jobs outlive the app")

    def action_toggle_projects(self) -> None:
        """Show every project's jobs, or the open project's again."""
        if self.scope is not None:
            self.scope = self.scope.toggled()
            self.refresh_jobs()  # a read under way for the other scope is dropped when it lands

    def _show_detail(self) -> None:
        self.query_one(JobDetail).show(self.highlighted)

    @property
    def highlighted(self) -> JobRow | None:
        job_id = self.query_one(JobTable).highlighted_id
        return next((r for r in self.rows if r.job.id == job_id), None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    # Acting ----------------------------------------------------------------------------------
    def _selected_or_warn(self) -> JobRow | None:
        row = self.highlighted
        if row is None:
            self.notify("No job selected: launch one with n", severity="warning")
        return row

    def action_launch(self) -> None:
        project = self.vocseg_app.project
        configs = project.configs()
        if not configs:
            self.notify(f"No configs in {project.configs_dir}", title="Launch", severity="error")
            return
        devices: DeviceChoice = self.vocseg_app.device_choice
        offers = [BackendOffer(name, backend.description, backend.unavailable_reason())
                  for name, backend in BACKENDS.items() if backend.offered_in_ui]
        dialog = LaunchDialog(configs, devices, offers)
        self.app.push_screen(dialog, self._launch_chosen)

    def _launch_chosen(self, choice: LaunchChoice | None) -> None:
        if choice is not None:
            self._launch_in_thread(choice, self.vocseg_app.device_choice)

    @work(thread=True, group="jobs-action", exit_on_error=False)
    def _launch_in_thread(self, choice: LaunchChoice, devices: DeviceChoice, new_run: bool = False) -> None:
        project = self.vocseg_app.project
        request = LaunchRequest(choice.config, project.root, devices=devices,
                                queue=QueueRule(gpus=devices.indices) if choice.queue else None,
                                backend=choice.backend, max_retries=choice.retries, force=choice.force,
                                new_run=new_run)

        def call() -> Job:
            try:
                return launch(request)
            except WorkDirHoldsRun as error:
                self.post_message(NewRunAsked(choice, devices, error))
                raise
        self._act(call, "launched")

    def on_new_run_asked(self, message: NewRunAsked) -> None:
        """Training into the folder would mix two runs: offer a folder of its own (the CLI's
        --new-run), or nothing."""
        error = message.error

        def answered(yes: bool | None) -> None:
            if yes:
                self._launch_in_thread(message.choice, message.devices, True)

        self.app.push_screen(ConfirmScreen(
            f"{error.message}.\n\nTrain the new run in {error.new_dir} instead? The old run's files "
            "stay as they are (to continue the old run, resume its job with r).",
            yes="New run beside it", no="Cancel", stake="warning"), answered)

    def _act(self, call: Callable[[], Job], verb: str) -> None:
        """Run one core call (in a worker thread) and report its result as a message."""
        try:
            job = call()
        except VocsegError as error:
            self.post_message(JobActionDone("", error))
            return
        text = f"job {job.id} {verb}"
        if job.state is JobState.QUEUED and job.waiting_for:
            text = f"job {job.id} queued: waiting for {job.waiting_for}"
        attach = backend_for(job, self.overview.registry).attach_command(job)
        if attach:
            text += f": {attach}"
        self.post_message(JobActionDone(text))

    def on_job_action_done(self, message: JobActionDone) -> None:
        if isinstance(message.error, WorkDirHoldsRun):
            self.refresh_jobs()  # asked instead (NewRunAsked)
            return
        if message.error is not None:
            self.notify(f"{message.error.message}\n{message.error.hint}", severity="error", title="Jobs")
        elif message.text:
            self.notify(message.text, title="Jobs")
        self.refresh_jobs()

    def action_stop(self) -> None:
        if (row := self._selected_or_warn()) is not None:
            verb = ("orphaned training stopped (SIGTERM, then SIGKILL)" if row.job.state is JobState.ORPHANED
                    else "stop requested (SIGINT, then SIGTERM, then SIGKILL)")
            self._control(row.job.id, verb, False)

    def action_stop_after_epoch(self) -> None:
        if (row := self._selected_or_warn()) is not None:
            point = stop_point(row.job)  # iteration-based runs: "at the next checkpoint"
            self._control(row.job.id, f"will stop {point}", True)

    @work(thread=True, group="jobs-action", exit_on_error=False)
    def _control(self, job_id: int, verb: str, after_epoch: bool) -> None:
        self._act(lambda: stop(job_id, self.overview.registry, after_epoch=after_epoch), verb)

    def action_resume(self) -> None:
        if (row := self._selected_or_warn()) is not None:
            self._resume_in_thread(row.job.id)

    @work(thread=True, group="jobs-action", exit_on_error=False)
    def _resume_in_thread(self, job_id: int) -> None:
        self._act(lambda: resume(job_id, self.overview.registry), f"launched, resuming job {job_id}")

    def action_follow_log(self) -> None:
        if (row := self._selected_or_warn()) is not None:
            self.vocseg_app.follow_job(row.job.id)

    def action_attach_hint(self) -> None:
        if (row := self._selected_or_warn()) is None:
            return
        if row.attach:
            self.notify(f"From a terminal on this machine:\n{row.attach}", title=f"job {row.job.id}",
                        timeout=15)
        else:
            self.notify(f"job {row.job.id} has no console to attach to; its log is {row.job.log_path}",
                        title="Console", severity="warning")
