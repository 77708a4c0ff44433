"""The Checkpoints screen (placeholder until its issue lands: it says what will be here)."""

from __future__ import annotations

from vocseg_tui.tui.screens.base import PlannedScreen


class CheckpointsScreen(PlannedScreen):
    MODE = "checkpoints"
    PLANNED = (
        'runs and their checkpoints with the mIoU of each epoch, the best marked',
        'resume from, evaluate, or delete a checkpoint; integrity checked',
    )
