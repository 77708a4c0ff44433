"""The widget that shows the overlay in the terminal, via textual-image.

Terminal graphics (Sixel, Kitty's graphics protocol) are found by asking the terminal, which
only works before Textual owns stdin: the app's launcher asks (`vocseg_tui.tui.graphics`) and
the widget for its answer is used here. textual-image itself asks again when its modules are
first imported; here they are imported with that question switched off (stdout presented as
not-a-tty, so nothing is written to the terminal or read from stdin behind Textual's back).
Without an answer (the app not started from a terminal) it is Kitty's protocol in Kitty and
Unicode half-blocks everywhere else.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any

from vocseg_tui.tui import graphics


def image_widget_class() -> type[Any]:
    """The textual-image widget class to use in this terminal."""
    saved = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]
    try:
        import textual_image.widget as widgets
    finally:
        sys.__stdout__ = saved  # type: ignore[misc]
    if graphics.detected == "sixel":
        return widgets.SixelImage  # type: ignore[no-any-return]
    if graphics.detected == "tgp":
        return widgets.TGPImage  # type: ignore[no-any-return]
    if graphics.detected == "halfcell":
        return widgets.HalfcellImage  # type: ignore[no-any-return]
    if os.environ.get("KITTY_WINDOW_ID") or os.environ.get("TERM") == "xterm-kitty":
        return widgets.TGPImage  # type: ignore[no-any-return]
    return widgets.HalfcellImage  # type: ignore[no-any-return]
