"""The Demo screen (placeholder until its issue lands: it says what will be here)."""

from __future__ import annotations

from vocseg_tui.tui.screens.base import PlannedScreen


class DemoScreen(PlannedScreen):
    MODE = "demo"
    PLANNED = (
        'one key: the highlighted checkpoint segments the demo image',
        'an overlay with the VOC palette and a legend, saved under outputs/',
    )
