"""The result mmseg publishes for a run's model and official schedule (core/zoo reads it from the
installed wheel's metafiles), for the "vs published" column: the run's best minus it.

A run written from the zoo (`recipe --from-zoo`) names its model in the config's `vocseg_zoo`
dict. A run of our own recipe trains UPerNet-R50 (arch `r50`): its official schedule is the one
of mmseg's two (20k and 40k iterations at batch 16) whose samples, counted in epochs of the
recipe's dataset, are nearest to its planned epochs. Other runs (the tiny sample model, a config
of unknown origin) have no published target.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import Any

from vocseg_tui.core.logs.parser import _inside_call
from vocseg_tui.core.recipe.derive import epochs_equivalent
from vocseg_tui.core.recipe.model import Recipe

ZOO_VARIABLE = "vocseg_zoo"
"""core/zoo/recipe.py's record of the zoo model a config was written from."""
OFFICIAL_ITERS = (20_000, 40_000)
_UPERNET_R50 = "upernet_r50_4xb4-{k}k_voc12aug-512x512"


def literal_dict(text: str, variable: str) -> dict[str, Any] | None:
    """`variable = dict(...)` (as mmengine dumps it) or `variable = {...}` of a config's text,
    read with `ast` (nothing is executed); None when absent or not plain values."""
    match = re.search(rf"^{variable} = (dict\(|\{{)", text, re.MULTILINE)
    if match is None:
        return None
    try:
        if match.group(1) == "{":
            value = ast.literal_eval(text[match.end() - 1:].split("\n", 1)[0])
            return value if isinstance(value, dict) else None
        call = ast.parse(f"dict({_inside_call(text, match.end())})", mode="eval").body
        if not isinstance(call, ast.Call):
            return None
        return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg}
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return None


def recipe_target(recipe: Recipe) -> str:
    """The zoo model our recipe's run matches ('' for none): UPerNet-R50 at the nearest schedule."""
    if recipe.arch != "r50" or tuple(recipe.crop) != (512, 512):
        return ""
    iters = min(OFFICIAL_ITERS,
                key=lambda i: abs(epochs_equivalent(i, recipe.dataset_size) - recipe.max_epochs))
    return _UPERNET_R50.format(k=iters // 1000)


def target_of(text: str, recipe: Recipe | None) -> tuple[str, float | None]:
    """(zoo model name, published mIoU) of the run whose config dump is `text`."""
    zoo = literal_dict(text, ZOO_VARIABLE)
    if zoo is not None and isinstance(zoo.get("name"), str):
        miou = zoo.get("target_miou")
        value = float(miou) if isinstance(miou, int | float) and not isinstance(miou, bool) else None
        return zoo["name"], value if value is not None else published_miou(zoo["name"])
    name = recipe_target(recipe) if recipe is not None else ""
    return name, published_miou(name) if name else None


@functools.lru_cache(maxsize=1)
def _published() -> dict[str, float | None]:
    from vocseg_tui.core.zoo import ZooError, list_models

    try:
        return {m.name: m.miou for m in list_models()}
    except (ZooError, OSError):
        return {}  # no mmseg installed here, or its configs unreadable: no target, not an error


def published_miou(name: str) -> float | None:
    return _published().get(name)
