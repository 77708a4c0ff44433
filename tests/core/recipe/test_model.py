"""The recipe's arithmetic and its refusal of bad input (property tests)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vocseg_tui.core.recipe import (
    Recipe,
    RecipeFieldError,
    dataset_size_from_lists,
    derive,
    recipe_from_strings,
)
from vocseg_tui.core.recipe.derive import epochs_equivalent


def test_the_official_schedule_is_counted_at_batch_16_not_at_the_users_batch() -> None:
    derived = derive(Recipe(gpus=2, batch_per_gpu=4))
    # The tutorial's slip: 40k iterations "at batch 8" would be 30 epochs; the official
    # schedule sees 40,000 x 16 samples, 60.5 epochs of the 10,582 images.
    assert derived.epochs_equiv_40k == pytest.approx(40_000 * 16 / 10_582)
    assert round(derived.epochs_equiv_40k, 1) == 60.5
    assert round(derived.epochs_equiv_20k, 1) == 30.2
    assert derived.total_batch == 8
    assert derived.lr == pytest.approx(0.005)
    assert derived.iters_per_epoch == 1323
    assert derived.iters_equiv_40k == 80_000


@settings(max_examples=100, deadline=None)
@given(gpus=st.integers(0, 64), batch=st.integers(1, 256), base_lr=st.floats(1e-6, 10),
       base_batch=st.integers(1, 4096), epochs=st.integers(1, 10_000), size=st.integers(1, 10_000_000))
def test_derived_values_follow_the_linear_scaling_rule(
    gpus: int, batch: int, base_lr: float, base_batch: int, epochs: int, size: int,
) -> None:
    recipe = Recipe(gpus=gpus, batch_per_gpu=batch, base_lr=base_lr, base_batch=base_batch,
                    max_epochs=epochs, dataset_size=size, val_interval=1, ckpt_interval=1)
    d = derive(recipe)
    assert d.total_batch == max(1, gpus) * batch
    assert d.lr == pytest.approx(base_lr * d.total_batch / base_batch)
    # every image is seen once per epoch; the last batch may be short
    assert (d.iters_per_epoch - 1) * d.total_batch < size <= d.iters_per_epoch * d.total_batch
    assert d.total_iters == d.iters_per_epoch * epochs
    assert d.samples_seen >= size * epochs
    assert d.epochs_equiv_40k == pytest.approx(2 * d.epochs_equiv_20k)
    # equal samples seen: the 40k equivalent in iterations at this batch sees 640k samples
    assert d.iters_equiv_40k * d.total_batch >= 640_000 > (d.iters_equiv_40k - 1) * d.total_batch


@settings(max_examples=100, deadline=None)
@given(field=st.sampled_from(["gpus", "batch_per_gpu", "base_lr", "base_batch", "max_epochs",
                              "val_interval", "num_workers", "dataset_size", "crop"]),
       text=st.one_of(st.just(""), st.just("   "), st.just("abc"), st.just("-3"), st.just("0"),
                      st.just("1e99"), st.just("nan"), st.just("inf"), st.text(max_size=8)))
def test_bad_text_in_a_field_gives_an_error_for_that_field_not_an_exception(field: str, text: str) -> None:
    recipe, errors = recipe_from_strings(Recipe(), {field: text})
    if recipe is None:
        assert set(errors) == {field}
        assert errors[field]
    else:  # some text is valid (e.g. "0" GPUs = CPU, "7" workers): then it was applied
        assert not errors


@pytest.mark.parametrize(("field", "text", "words"), [
    ("batch_per_gpu", "", "empty"),
    ("batch_per_gpu", "four", "not a valid"),
    ("batch_per_gpu", "0", "at least 1"),
    ("batch_per_gpu", "-4", "at least 1"),
    ("batch_per_gpu", "4000", "absurd"),
    ("base_lr", "0", "positive"),
    ("base_lr", "-0.01", "positive"),
    ("base_lr", "100", "absurd"),
    ("max_epochs", "1e3", "not a valid"),
    ("val_interval", "100", "never"),
    ("crop", "16x16", "at least 32"),
    ("crop", "512x512x3", "not a valid"),
    ("gpus", "65", "absurd"),
    ("name", "../x", "file name"),
])
def test_field_errors_say_what_is_wrong(field: str, text: str, words: str) -> None:
    recipe, errors = recipe_from_strings(Recipe(), {field: text})
    assert recipe is None
    assert words in errors[field]


def test_mismatched_weights_are_refused_with_the_one_key_fix() -> None:
    with pytest.raises(RecipeFieldError) as caught:
        Recipe(backbone="ResNetV1c", pretrained="torchvision://resnet50")
    assert caught.value.field == "pretrained"
    assert "open-mmlab://resnet50_v1c" in caught.value.hint
    with pytest.raises(RecipeFieldError):
        Recipe(backbone="ResNet", pretrained="open-mmlab://resnet50_v1c")
    assert Recipe(backbone="ResNet", pretrained="torchvision://resnet50").pretrained == "torchvision://resnet50"
    assert Recipe(pretrained="/models/r50.pth").pretrained == "/models/r50.pth"  # local files allowed


def test_amp_on_cpu_is_refused() -> None:
    recipe, errors = recipe_from_strings(Recipe(), {"gpus": "cpu", "amp": "true"})
    assert recipe is None and "GPUs" in errors["amp"]


def test_renaming_moves_the_default_work_dir_but_keeps_a_custom_one() -> None:
    recipe, _ = recipe_from_strings(Recipe(), {"name": "mine"})
    assert recipe is not None and recipe.work_dir == "work_dirs/mine"
    custom = Recipe(work_dir="/scratch/runs/a")
    recipe, _ = recipe_from_strings(custom, {"name": "mine"})
    assert recipe is not None and recipe.work_dir == "/scratch/runs/a"


def test_dataset_size_comes_from_the_prepared_split_lists(tmp_path: Path) -> None:
    voc = tmp_path / "VOC2012"
    assert dataset_size_from_lists(voc) == 10_582  # not prepared yet: the real VOC-aug size
    lists = voc / "ImageSets" / "Segmentation"
    lists.mkdir(parents=True)
    (lists / "train.txt").write_text("a\nb\nc\n")
    assert dataset_size_from_lists(voc) == 10_582  # aug.txt missing: conversion not done
    (lists / "aug.txt").write_text("d\ne\n\n")
    assert dataset_size_from_lists(voc) == 5


def test_epochs_equivalent_scales_with_the_dataset() -> None:
    assert epochs_equivalent(40_000, 1464) == pytest.approx(437.2, abs=0.1)
    assert math.isclose(epochs_equivalent(20_000, 10_582) * 2, epochs_equivalent(40_000, 10_582))
