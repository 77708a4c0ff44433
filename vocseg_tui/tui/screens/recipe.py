"""The Recipe screen (placeholder until its issue lands: it says what will be here)."""

from __future__ import annotations

from vocseg_tui.tui.screens.base import PlannedScreen


class RecipeScreen(PlannedScreen):
    MODE = "recipe"
    PLANNED = (
        'a form for the recipe: GPUs, images per GPU, base LR, epochs, intervals, crop',
        'derived values live: total batch, scaled LR, iterations per epoch, 20k/40k equivalents',
        'a validator that explains known config traps; a preview and writing of the config',
    )
