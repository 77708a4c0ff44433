"""The GPUs screen (placeholder until its issue lands: it says what will be here)."""

from __future__ import annotations

from vocseg_tui.tui.screens.base import PlannedScreen


class GPUsScreen(PlannedScreen):
    MODE = "gpus"
    PLANNED = (
        "every GPU's memory, utilisation, temperature and processes (with owners), live",
        'toggle GPUs or auto-pick N free ones; CPU when there are none',
        "the choice flows into the recipe's scaled LR and the launch",
    )
