"""The frame every area screen shares: header, area tabs, the area's body, footer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.tui.periodic import Periodic, PeriodicRead
from vocseg_tui.tui.screens import AREAS_BY_MODE
from vocseg_tui.tui.widgets.navbar import NavBar

if TYPE_CHECKING:
    from vocseg_tui.tui.app import VocsegApp

T = TypeVar("T")


class AreaScreen(Screen[None]):
    """Base class of the area screens. Subclasses set MODE and implement `compose_body`.

    It also holds what every area needs: the typed app (`vocseg_app`, for the project and the
    device choice) and the periodic reads, paused while the screen is hidden.
    """

    MODE: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self.periodics: list[Periodic[object]] = []

    @property
    def vocseg_app(self) -> VocsegApp:
        return cast("VocsegApp", self.app)

    def every(self, seconds: float, read: Callable[[], T], show: Callable[[T], None],
              failed: Callable[[VocsegError], None], *, what: str,
              hint: str = "it is read again every few seconds") -> Periodic[T]:
        """A periodic read owned by this screen; `start()` it on mount."""
        periodic = Periodic(self, seconds, read, show, failed, what=what, hint=hint)
        self.periodics.append(cast("Periodic[object]", periodic))
        return periodic

    def on_periodic_read(self, message: PeriodicRead) -> None:
        message.stop()
        message.periodic.deliver(message)

    def on_screen_suspend(self) -> None:
        for periodic in self.periodics:
            periodic.pause()

    def on_screen_resume(self) -> None:
        for periodic in self.periodics:
            periodic.resume()

    def compose(self) -> ComposeResult:
        yield Header(icon="▦")
        yield NavBar(self.MODE)
        with Vertical(id="body"):
            yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield Static("")

    def on_mount(self) -> None:
        area = AREAS_BY_MODE[self.MODE]
        self.title = f"vocseg-tui · {area.title}"
