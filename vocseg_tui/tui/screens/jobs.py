"""The Jobs screen (placeholder until its issue lands: it says what will be here)."""

from __future__ import annotations

from vocseg_tui.tui.screens.base import PlannedScreen


class JobsScreen(PlannedScreen):
    MODE = "jobs"
    PLANNED = (
        'every job with state, progress, ETA, latest loss and mIoU',
        'launch detached training that outlives the app and the SSH session',
        'stop, stop after this epoch, resume, queue for GPUs',
    )
