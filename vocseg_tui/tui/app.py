"""VocsegApp: the areas as Textual modes, the global keys, and the command palette entries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.project import Project
from vocseg_tui.core.shown import shown
from vocseg_tui.tui.periodic import PeriodicRead
from vocseg_tui.tui.screens import AREAS, AREAS_BY_MODE

if TYPE_CHECKING:
    from vocseg_tui.tui.job_alerts import JobWatch

THEMES = {"dark": "textual-dark", "light": "textual-light"}
JOB_WATCH_DELAY_S = 1.0


def _make_screen(mode: str) -> Screen[None]:
    return AREAS_BY_MODE[mode].load()()


class VocsegApp(App[None]):
    """The terminal app. Each area is a mode with its own screen stack, so switching areas
    keeps each screen's state (a half-edited recipe, a scrolled log) as it was."""

    CSS_PATH = "app.tcss"
    TITLE = "vocseg-tui"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[None]]]] = {
        area.mode: partial(_make_screen, area.mode) for area in AREAS
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(a.key, f"switch_mode('{a.mode}')", a.title, show=False) for a in AREAS),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    device_choice: reactive[DeviceChoice] = reactive(DeviceChoice.cpu)
    """What to train on. The GPUs screen sets it; the Recipe and Jobs screens watch it
    (`self.watch(self.app, "device_choice", ...)`)."""

    selected_job_id: int | None = None
    runs_columns: tuple[str, ...] | None = None
    """The Runs table's chosen columns (`v`), kept for the session; None: all of them."""
    """The job the Jobs screen asked the Logs screen to follow (`l` on a job, `follow_job`)."""

    def __init__(self, project: Project, *, theme: str | None = None,
                 start: str = "data") -> None:
        # The first area is the app's default mode, so Textual builds its screen directly
        # instead of a blank default screen first (a tenth of a second of cold start).
        self.DEFAULT_MODE = start  # type: ignore[misc]
        super().__init__()
        self.project = project
        self.theme = THEMES.get(theme or "dark", "textual-dark")

    job_watch: JobWatch | None = None
    """Announces this project's jobs as they end, whichever area is shown (started just after
    the first frame: it loads the job registry, which the first screen does not need)."""

    def on_mount(self) -> None:
        self.sub_title = shown(self.project.root)
        self.set_timer(JOB_WATCH_DELAY_S, self._watch_jobs)

    def _watch_jobs(self) -> None:
        from vocseg_tui.tui.job_alerts import JobWatch

        self.job_watch = JobWatch(self, self.project)
        self.job_watch.reads.start()

    def on_periodic_read(self, message: PeriodicRead) -> None:
        """The app's own periodic reads (the screens deliver theirs)."""
        message.periodic.deliver(message)

    def follow_job(self, job_id: int) -> None:
        """The hand-off from Jobs to Logs: open the Logs area on this job."""
        self.selected_job_id = job_id
        self.switch_mode("logs")

    def action_help(self) -> None:
        from vocseg_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for area in AREAS:
            yield SystemCommand(
                f"Go to {area.title}", f"({area.key}) {area.summary}",
                partial(self.switch_mode, area.mode),
            )
        yield SystemCommand("Help", "(?) keys and areas", self.action_help)
        yield from super().get_system_commands(screen)


def make_app(project: Project, *, theme: str | None = None, start: str = "data") -> VocsegApp:
    """The one factory used by the CLI, the tests and the benchmarks."""
    return VocsegApp(project, theme=theme, start=start)
