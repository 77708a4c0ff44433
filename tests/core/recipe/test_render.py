"""Rendering: round trips, the shipped configs, and writing that never clobbers a file."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vocseg_tui.core.recipe import (
    Recipe,
    RecipeFileError,
    read_recipe,
    recipe_from_text,
    render_config,
    write_config,
)
from vocseg_tui.core.sample.tiny_config import TINY_CONFIG, TINY_RECIPE

REPO = Path(__file__).resolve().parents[3]

recipes = st.builds(
    Recipe,
    name=st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
    gpus=st.integers(0, 8), batch_per_gpu=st.integers(1, 32),
    base_lr=st.floats(1e-5, 1.0), base_batch=st.integers(1, 64),
    max_epochs=st.integers(1, 300), val_interval=st.just(1), ckpt_interval=st.just(1),
    max_keep_ckpts=st.sampled_from([-1, 1, 3, 10]),
    crop=st.tuples(st.integers(32, 1024), st.integers(32, 1024)),
    arch=st.sampled_from(["r50", "tiny"]),
    pretrained=st.sampled_from([None, "open-mmlab://resnet50_v1c", "/models/r50 v1c.pth"]),
    num_workers=st.integers(0, 16), seed=st.integers(0, 2**31 - 1),
    dataset_size=st.integers(1, 20_000), log_interval=st.integers(1, 500),
)


@settings(max_examples=50, deadline=None)
@given(recipes)
def test_a_written_config_reads_back_as_the_same_recipe(recipe: Recipe) -> None:
    text = render_config(recipe)
    ast.parse(text)  # valid Python
    assert recipe_from_text(text) == recipe
    assert render_config(recipe) == text  # deterministic


@settings(max_examples=30, deadline=None)
@given(recipes)
def test_rendered_configs_are_epoch_based_by_construction(recipe: Recipe) -> None:
    text = render_config(recipe)
    for needle in ("type='EpochBasedTrainLoop'", "type='DefaultSampler', shuffle=True",
                   "convert_to_iter_based=True", "log_metric_by_epoch=True",
                   "log_processor = dict(by_epoch=True)", "save_best='mIoU'", "num_classes=21",
                   "'mmseg::_base_/models/upernet_r50.py'", "datasets=[voc_train, sbd_aug]"):
        assert needle in text
    assert "type='InfiniteSampler'" not in text
    assert ("backend='gloo'" in text) == (recipe.gpus == 0)
    assert ("type='SyncBN'" in text) == (recipe.gpus > 1)


def test_the_arithmetic_is_spelled_out_in_comments() -> None:
    text = render_config(Recipe())
    assert "# lr = base_lr x total_batch / base_batch = 0.01 x 8 / 16 = 0.005" in text
    assert "40,000 x 16 / 10,582 = 60.5 epochs" in text
    assert "10,582 images / 8 per iteration = 1,323 iterations per epoch" in text


@pytest.mark.parametrize(("name", "recipe"), [
    ("upernet_r50_voc12aug_epoch.py", Recipe()),
    ("sample_tiny.py", TINY_RECIPE),
])
def test_the_shipped_configs_are_exactly_what_the_renderer_writes(name: str, recipe: Recipe) -> None:
    shipped = (REPO / "configs" / name).read_text(encoding="utf-8")
    assert shipped == render_config(recipe), f"configs/{name} drifted: re-render it with `vocseg-tui recipe`"
    assert read_recipe(REPO / "configs" / name) == recipe


def test_the_shipped_r50_config_fixes_the_tutorials_defects() -> None:
    recipe = read_recipe(REPO / "configs" / "upernet_r50_voc12aug_epoch.py")
    assert recipe is not None
    assert (recipe.gpus, recipe.batch_per_gpu, recipe.backbone) == (2, 4, "ResNetV1c")
    assert recipe.pretrained == "open-mmlab://resnet50_v1c"
    assert recipe.max_epochs == 61  # ceil(60.5): the official 40k schedule, not 30 or 200
    assert render_config(TINY_RECIPE) == TINY_CONFIG


def test_writing_refuses_to_overwrite_without_the_flag(tmp_path: Path) -> None:
    target = tmp_path / "configs" / "mine.py"
    write_config(target, "a = 1\n")
    with pytest.raises(RecipeFileError, match="already exists"):
        write_config(target, "a = 2\n")
    assert target.read_text() == "a = 1\n"
    write_config(target, "a = 2\n", overwrite=True)
    assert target.read_text() == "a = 2\n"
    assert [p.name for p in target.parent.iterdir()] == ["mine.py"]  # no temp files left


def test_writing_refuses_odd_targets(tmp_path: Path) -> None:
    with pytest.raises(RecipeFileError, match=r"\.py"):
        write_config(tmp_path / "mine.txt", "a = 1\n")
    with pytest.raises(RecipeFileError, match="folder"):
        write_config(tmp_path, "a = 1\n")


def test_reading_a_broken_or_foreign_config_says_why(tmp_path: Path) -> None:
    assert recipe_from_text("model = dict(type='EncoderDecoder')\n") is None  # hand-written: no recipe
    with pytest.raises(RecipeFileError, match="line 1"):
        recipe_from_text("model = dict(\n")
    with pytest.raises(RecipeFileError, match="plain values"):
        recipe_from_text("vocseg_recipe = dict(gpus=os.cpu_count())\n")
    with pytest.raises(RecipeFileError, match="does not exist"):
        read_recipe(tmp_path / "nope.py")
