"""The result mmseg publishes for a run's model and official schedule, for the "vs published"
column: the run's best minus it.

A run written from the zoo (`recipe --from-zoo`) names its model in the config's `vocseg_zoo`
dict; a run of our own recipe is matched by core/zoo/target.py. Other runs (a config of unknown
origin) have no published target.
"""

from __future__ import annotations

from vocseg_tui.core.recipe.files import ZOO_VARIABLE, literal_dict
from vocseg_tui.core.recipe.model import Recipe
from vocseg_tui.core.zoo.target import published_miou, recipe_target


def target_of(text: str, recipe: Recipe | None) -> tuple[str, float | None]:
    """(zoo model name, published mIoU) of the run whose config dump is `text`."""
    zoo = literal_dict(text, ZOO_VARIABLE)
    if zoo is not None and isinstance(zoo.get("name"), str):
        miou = zoo.get("target_miou")
        value = float(miou) if isinstance(miou, int | float) and not isinstance(miou, bool) else None
        return zoo["name"], value if value is not None else published_miou(zoo["name"])
    name = recipe_target(recipe) if recipe is not None else ""
    return name, published_miou(name) if name else None
