"""The widget that shows the overlay in the terminal, via textual-image.

textual-image picks terminal graphics (Kitty's protocol, Sixel) by asking the terminal at
import time, which only works before Textual owns stdin. If the app's launcher imported
`textual_image.renderable` before starting Textual, its choice is used. Otherwise this module
imports textual-image with the query switched off (stdout presented as not-a-tty, so nothing is
written to the terminal or read from stdin behind Textual's back) and uses Kitty's protocol in
Kitty and Unicode half-blocks everywhere else.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any


def image_widget_class() -> type[Any]:
    """The textual-image widget class to use in this terminal."""
    if "textual_image.renderable" in sys.modules:
        from textual_image.widget import Image

        return Image  # type: ignore[no-any-return]
    saved = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc,assignment]
    try:
        import textual_image.widget as widgets
    finally:
        sys.__stdout__ = saved  # type: ignore[misc]
    if os.environ.get("KITTY_WINDOW_ID") or os.environ.get("TERM") == "xterm-kitty":
        return widgets.TGPImage  # type: ignore[no-any-return]
    return widgets.HalfcellImage  # type: ignore[no-any-return]
