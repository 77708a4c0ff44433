"""The training recipe: model, derived values, config rendering, reading back, validation."""

from __future__ import annotations

from vocseg_tui.core.recipe.derive import Derived, dataset_size_from_lists, derive
from vocseg_tui.core.recipe.files import (
    RecipeFileError,
    read_recipe,
    recipe_from_config,
    recipe_from_text,
    starting_recipe,
    write_config,
)
from vocseg_tui.core.recipe.model import Recipe, RecipeFieldError, recipe_from_strings
from vocseg_tui.core.recipe.render import render_config

__all__ = [
    "Derived",
    "Recipe",
    "RecipeFieldError",
    "RecipeFileError",
    "dataset_size_from_lists",
    "derive",
    "read_recipe",
    "recipe_from_config",
    "recipe_from_strings",
    "recipe_from_text",
    "render_config",
    "starting_recipe",
    "write_config",
]
