"""A zoo model turned into a checked, epoch-based config of a project: the one path that
`vocseg-tui recipe --from-zoo` and the Recipe area's zoo picker both take.

Resolving the zoo config and checking the result run mmengine in a child process (a few
seconds): callers in the app run this in a worker thread.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe import dataset_size_from_lists, write_config
from vocseg_tui.core.recipe.loader import resolve_config
from vocseg_tui.core.recipe.validate import Finding, validate
from vocseg_tui.core.zoo.catalog import find_model
from vocseg_tui.core.zoo.model import ZooModel
from vocseg_tui.core.zoo.recipe import ZooRecipe, zoo_recipe


@dataclass(frozen=True)
class ZooConfig:
    """What was built from the zoo: the model, the recipe, the validator's findings on the
    config as mmengine reads it, and where it was written (None: not written)."""

    model: ZooModel
    recipe: ZooRecipe
    findings: list[Finding]
    written: Path | None


def build_from_zoo(project: Project, name: str, *, gpus: int | None = None,
                   batch_per_gpu: int | None = None, run_name: str | None = None,
                   pretrained: str | None = None, write_to: Path | None = None,
                   overwrite: bool = False) -> ZooConfig:
    """The epoch-based config of zoo model `name` for this project's data on `gpus` x
    `batch_per_gpu` (default: the official launch), checked by the validator; written to
    `write_to` (relative to the project) when given, an existing file kept unless `overwrite`.
    Raises ZooError for an unknown name (with the closest ones), RecipeFileError for the file."""
    model = find_model(name)
    gpus = model.gpus if gpus is None else gpus
    batch_per_gpu = model.batch_per_gpu if batch_per_gpu is None else batch_per_gpu
    official = resolve_config(model.mmseg_config, cwd=project.root).config
    recipe = zoo_recipe(model, official, gpus=gpus, batch_per_gpu=batch_per_gpu,
                        dataset_size=dataset_size_from_lists(project.voc_root), name=run_name,
                        pretrained=pretrained)
    written = None
    if write_to is not None:
        target = write_to if write_to.is_absolute() else project.root / write_to
        written = write_config(target, recipe.text, overwrite=overwrite)
        checked = resolve_config(written, cwd=project.root).config
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{recipe.model}.py"
            path.write_text(recipe.text, encoding="utf-8")
            checked = resolve_config(path, cwd=project.root).config
    source = str(write_to) if write_to is not None else "CONFIG"
    findings = validate(checked, processes=max(1, gpus), base=project.root, source=source)
    return ZooConfig(model, recipe, findings, written)


def config_name(recipe: ZooRecipe) -> str:
    """The file the picker writes in the project's configs/: the recipe's run name."""
    return f"{recipe.name}.py"
