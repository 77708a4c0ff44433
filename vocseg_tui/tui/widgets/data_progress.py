"""A labelled progress bar with rate and ETA, fed by the core's `Progress` events.

One widget that draws its title, bar and text as one line, rather than a row of Label,
ProgressBar (itself a bar, a percentage and an ETA widget) and Label: the Data screen is the
first one the app shows, and its three rows of five widgets each were a tenth of the time to
the first frame (bench/startup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from vocseg_tui.core.data.progress import Progress, describe

if TYPE_CHECKING:
    from textual.app import RenderResult

TITLE_WIDTH = 14
BAR_WIDTH = 22


def bar_text(fraction: float | None, width: int, done: Style, todo: Style) -> Text:
    """`━━━━━━╸━━━━━`: `fraction` of `width` cells lit, to the half cell. None (the size is not
    known yet) draws an unlit bar: a still bar rather than an animation that never ends."""
    if fraction is None:
        return Text("━" * width, style=todo, end="")
    halves = round(max(0.0, min(1.0, fraction)) * width * 2)
    full, half = divmod(halves, 2)
    text = Text("━" * full, style=done, end="")
    if half:
        text.append("╸", style=done)
    text.append("━" * (width - full - half), style=todo)
    return text


class ProgressRow(Widget):
    """`Download      ━━━━━━━━━━━━╸━━━━━━━━━  812 / 1,420 MB (57%), 48.2 MB/s, ETA 0:12`."""

    DEFAULT_CSS = """
    ProgressRow {
        height: 1;
        & > .progress--bar { color: $primary; background: $surface; }
        & > .progress--complete { color: $success; background: $surface; }
        & > .progress--info { color: $text-muted; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"progress--bar", "progress--complete", "progress--info"}

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(id=id)
        self.heading = title
        self.info = ""
        """The text after the bar: sizes, rate and ETA, or what is left to do."""
        self.fraction: float | None = 0.0
        """How much of the step is done; None while its size is unknown."""

    def render(self) -> RenderResult:
        complete = self.fraction is not None and self.fraction >= 1.0
        bar = self.get_component_rich_style("progress--complete" if complete else "progress--bar")
        line = Text(f"{self.heading:<{TITLE_WIDTH}}", no_wrap=True, overflow="ellipsis", end="")
        lit, unlit = Style.from_color(bar.color), Style.from_color(bar.bgcolor)
        line.append(bar_text(self.fraction, BAR_WIDTH, lit, unlit))
        line.append(f"  {self.info}", style=self.get_component_rich_style("progress--info"))
        return line

    def _set(self, fraction: float | None, info: str, title: str | None = None) -> None:
        self.fraction, self.info = fraction, info
        if title:
            self.heading = title
        self.refresh()

    def show(self, event: Progress, title: str | None = None) -> None:
        fraction = min(1.0, event.done / event.total) if event.total else None
        self._set(fraction, describe(event), title)

    def finish(self, info: str) -> None:
        self._set(1.0, info)

    def reset(self, title: str, info: str = "", done: bool = False) -> None:
        self._set(1.0 if done else 0.0, info, title)
