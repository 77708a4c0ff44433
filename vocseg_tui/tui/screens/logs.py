"""The Logs screen (placeholder until its issue lands: it says what will be here)."""

from __future__ import annotations

from vocseg_tui.tui.screens.base import PlannedScreen


class LogsScreen(PlannedScreen):
    MODE = "logs"
    PLANNED = (
        "the selected job's log, followed live, with filter and search",
        'curves of loss, LR and mIoU; per-class IoU',
        'a one-line diagnosis of why a run failed, with the fix',
    )
