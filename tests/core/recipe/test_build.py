"""The configs this tool writes load with mmengine and build the model and the training
dataloader on the sample project, on CPU, in a child process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe import Recipe, dataset_size_from_lists, derive, render_config, write_config
from vocseg_tui.core.recipe.loader import ConfigLoader
from vocseg_tui.core.sample.tiny_config import TINY_RECIPE

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_sample_config_builds_and_its_epoch_matches_the_derived_arithmetic(
    sample_project: Project, config_loader: ConfigLoader,
) -> None:
    convert_like_voc_aug(sample_project)
    size = dataset_size_from_lists(sample_project.voc_root)
    assert size == TINY_RECIPE.dataset_size  # the sample's split lists: 8 + 18 images
    recipe = TINY_RECIPE.with_changes(name="mine", batch_per_gpu=3, max_epochs=5)
    path = write_config(sample_project.configs_dir / "mine.py", render_config(recipe))
    built = config_loader.resolve(path, cwd=sample_project.root, build=True).build
    assert built is not None
    assert built["sampler"] == "DefaultSampler"
    assert built["dataset_size"] == size
    assert built["iters_per_epoch"] == derive(recipe).iters_per_epoch == 9  # ceil(26 / 3)
    assert built["batch_images"] == 3
    assert built["backbone"] == "ResNetV1c"


@pytest.mark.slow
def test_the_shipped_r50_config_builds_on_the_sample_data(sample_project: Project,
                                                         config_loader: ConfigLoader) -> None:
    """The full UPerNet-R50 (no weights are loaded by building) over the sample's lists."""
    convert_like_voc_aug(sample_project)
    built = config_loader.resolve(REPO / "configs" / "upernet_r50_voc12aug_epoch.py",
                                  cwd=sample_project.root, build=True).build
    assert built is not None
    assert built["backbone"] == "ResNetV1c"
    assert built["parameters"] > 60_000_000  # UPerNet-R50 with its aux head: ~66M
    # Built in one process it iterates all 26 images at 4 per batch; launched on 2 GPUs each
    # rank gets 13, so both views give the derived ceil(26 / 8) = 4 iterations per epoch.
    assert built["iters_per_epoch"] == 7
    assert derive(Recipe(dataset_size=26)).iters_per_epoch == -(-13 // 4) == 4
