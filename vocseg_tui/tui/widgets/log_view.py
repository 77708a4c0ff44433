"""A virtualised log pane: renders only the visible lines of a buffer that may hold 100k+.

Textual's `Log` keeps every line as a widget-side copy and cannot filter or mark lines; this
view draws straight from the per-job buffer (a list the screen owns), keeps a list of the line
numbers that pass the level filter, and marks errors, warnings and the current search hit.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from vocseg_tui.core.logs.controls import escape_controls

MAX_WIDTH = 400
"""Horizontal scroll range; longer lines are cut in the view (the CLI prints them whole)."""


class LogView(ScrollView, can_focus=True):
    """Shows `lines[i]` for every i in the filtered view, newest at the bottom."""

    follow: reactive[bool] = reactive(True, repaint=True)
    """Keep the last line in view as lines arrive (the screen's status line watches it)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--error", "log-view--warning", "log-view--match", "log-view--dim",
    }
    DEFAULT_CSS = """
    LogView { background: $surface; }
    LogView > .log-view--error { color: $error; }
    LogView > .log-view--warning { color: $warning; }
    LogView > .log-view--match { background: $accent 40%; text-style: bold; }
    LogView > .log-view--dim { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self.levels: list[int] = []
        self.min_level = 0
        self.view: list[int] = []
        self.mark: int | None = None
        """The buffer line of the current search hit or error (highlighted)."""
        self._width = 0

    def show(self, lines: list[str], levels: list[int], scroll_y: float | None = None) -> None:
        """Switch to another job's buffer (the lists are shared, not copied)."""
        self.lines, self.levels, self.mark = lines, levels, None
        self._rebuild()
        if scroll_y is None or self.follow:
            self.to_end()
        else:
            self.call_after_refresh(self.scroll_to, y=scroll_y, animate=False)

    def to_end(self) -> None:
        """Scroll to the last line, now and again after the next layout (the size may change)."""
        self.scroll_end(animate=False, immediate=True)
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True)

    def _rebuild(self) -> None:
        if self.min_level <= 0:
            self.view = list(range(len(self.lines)))
        else:
            self.view = [i for i, level in enumerate(self.levels) if level >= self.min_level]
        self._width = min(MAX_WIDTH, max((len(self.lines[i]) for i in self.view[-2000:]), default=0))
        self._resize()

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, len(self.view))
        self.refresh()

    def appended(self, start: int) -> None:
        """Lines from `start` on were added to the buffer: extend the view, follow if on."""
        new = range(start, len(self.lines))
        if self.min_level > 0:
            new = [i for i in new if self.levels[i] >= self.min_level]  # type: ignore[assignment]
        self.view.extend(new)
        for i in list(new)[-500:]:
            self._width = max(self._width, min(MAX_WIDTH, len(self.lines[i])))
        self._resize()
        if self.follow:
            self.to_end()

    def trimmed(self) -> None:
        """The buffer dropped lines at its start: line numbers changed, rebuild."""
        self.mark = None
        self._rebuild()

    def set_min_level(self, level: int) -> None:
        anchor = self.view[self._top()] if self.view else None
        self.min_level = level
        self._rebuild()
        if self.follow or anchor is None:
            self.to_end()
        else:
            self._scroll_to_line(anchor)

    def _top(self) -> int:
        return min(max(0, int(self.scroll_offset.y)), max(0, len(self.view) - 1))

    def _scroll_to_line(self, line: int) -> None:
        """Centre buffer line `line` (or the nearest shown one) in the pane."""
        import bisect

        row = min(bisect.bisect_left(self.view, line), max(0, len(self.view) - 1))
        self.scroll_to(y=max(0, row - self.size.height // 2), animate=False, immediate=True)
        self.refresh()

    def find(self, predicate: object, forward: bool) -> int | None:
        """Move the mark to the next/previous shown line for which predicate(text) is true."""
        assert callable(predicate)
        if not self.view:
            return None
        import bisect

        if self.mark is not None:
            row = bisect.bisect_left(self.view, self.mark)
        elif self.follow and not forward:
            row = len(self.view)
        elif forward:
            row = self._top() - 1
        else:  # from just below the last visible line
            row = min(len(self.view), self._top() + self.size.height)
        rows = range(row + 1, len(self.view)) if forward else range(row - 1, -1, -1)
        for r in rows:
            if predicate(self.lines[self.view[r]]):
                self.mark = self.view[r]
                self.follow = False
                self._scroll_to_line(self.mark)
                return self.mark
        return None

    def _render_top(self) -> int:
        """Following shows the last screenful whatever the scroll state (which catches up after
        the next layout); otherwise the scroll position decides."""
        if self.follow:
            return max(0, len(self.view) - self.scrollable_content_region.height)
        return int(self.scroll_offset.y)

    # Scrolling up by hand means "stop following": the user wants to read something.
    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.follow = False
        super()._on_mouse_scroll_up(event)

    def action_scroll_up(self) -> None:
        self.follow = False
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self.follow = False
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self.follow = False
        super().action_scroll_home()

    def render_line(self, y: int) -> Strip:
        row = self._render_top() + y
        width = self.size.width
        if row >= len(self.view):
            return Strip.blank(width, self.rich_style)
        index = self.view[row]
        text = self.lines[index]
        level = self.levels[index] if index < len(self.levels) else 1
        style = self.rich_style
        if index == self.mark:
            style = style + self.get_component_rich_style("log-view--match")
        elif level >= 3:
            style = style + self.get_component_rich_style("log-view--error")
        elif level == 2:
            style = style + self.get_component_rich_style("log-view--warning")
        elif level == 0:
            style = style + self.get_component_rich_style("log-view--dim")
        x = int(self.scroll_offset.x)
        visible = escape_controls(text[x: x + width].expandtabs(4))  # no control codes reach the terminal
        strip = Strip([Segment(visible, style)]).crop(0, width)
        return strip.extend_cell_length(width, Style.null() + self.rich_style)
