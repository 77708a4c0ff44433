"""The result mmseg publishes for a recipe of ours: the zoo model and official schedule it
matches, and that model's published mIoU (read from the installed wheel's metafiles).

A recipe of ours trains UPerNet-R50 (arch `r50`) at 512x512; its official schedule is the one
of mmseg's two (20k and 40k iterations at batch 16) whose samples, counted in epochs of the
recipe's dataset, are nearest to its planned epochs. The tiny sample model has no target. The
Recipe area shows it as the run's target; the Runs area as "vs published".
"""

from __future__ import annotations

import functools

from vocseg_tui.core.recipe.derive import epochs_equivalent
from vocseg_tui.core.recipe.model import Recipe
from vocseg_tui.core.zoo.catalog import ZooError, list_models

OFFICIAL_ITERS = (20_000, 40_000)
_UPERNET_R50 = "upernet_r50_4xb4-{k}k_voc12aug-512x512"


def recipe_target(recipe: Recipe) -> str:
    """The zoo model our recipe's run matches ('' for none): UPerNet-R50 at the nearest schedule."""
    if recipe.arch != "r50" or tuple(recipe.crop) != (512, 512):
        return ""
    iters = min(OFFICIAL_ITERS,
                key=lambda i: abs(epochs_equivalent(i, recipe.dataset_size) - recipe.max_epochs))
    return _UPERNET_R50.format(k=iters // 1000)


@functools.lru_cache(maxsize=1)
def _published() -> dict[str, float | None]:
    try:
        return {m.name: m.miou for m in list_models()}
    except (ZooError, OSError):
        return {}  # no mmseg installed here, or its configs unreadable: no target, not an error


def published_miou(name: str) -> float | None:
    """The published single-scale mIoU of zoo model `name` (None: unknown or unpublished).
    The first call reads the metafiles (or their cache): call it off the UI thread."""
    return _published().get(name)
