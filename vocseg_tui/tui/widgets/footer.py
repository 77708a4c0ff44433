"""The footer of every area screen: Textual's, rebuilt only when the keys it shows change.

Textual's `Footer` rebuilds all its keys on every bindings signal of its screen: opening a
screen sends several (mount, the first focus, resume) and every focus move sends one more,
though the keys shown rarely change. Each rebuild mounts and styles every key again; on the
Data screen that was over half of the style work before the first frame (bench/startup.py).
This footer queues at most one rebuild at a time and skips a signal whose keys are the ones
already shown. Its keys are also born with the footer's `compact` value: Textual's start
compact and are switched back once mounted, two restyles of each key for nothing (the
palette's key is left as Textual makes it). The keys,
their look and their clicks are Textual's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen

Shown = tuple[tuple["Binding", bool, str], ...]


def keys_shown(screen: Screen[object]) -> Shown:
    """What a footer on `screen` shows: each shown binding (and the palette's), whether it is
    enabled, its tooltip. Hidden ones (scroll keys of the focused widget, ...) do not count."""
    palette = screen.app.COMMAND_PALETTE_BINDING
    return tuple((binding, enabled, tooltip)
                 for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
                 if binding.show or key == palette)


class KeysFooter(Footer):
    """`Footer` that rebuilds once per change of its keys instead of once per signal."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: Shown | None = None
        self._rebuild_queued = False

    def compose(self) -> ComposeResult:
        self._shown = keys_shown(self.screen) if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # Textual binds these to our `compact` after mounting (not the palette's key)
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._rebuild_queued:
            return  # the queued rebuild reads the bindings as they are when it runs
        if self._shown is not None and screen is self.screen and keys_shown(screen) == self._shown:
            return
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._rebuild_queued = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        await self.recompose()
