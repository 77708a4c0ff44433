"""The NaN guard's failure and early stopping, at the config and diagnosis level (no training)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vocseg_tui.cli.jobs import _nan_guard_option
from vocseg_tui.core.jobs.failure import summarize, worth_retrying
from vocseg_tui.core.recipe import Recipe, render_config
from vocseg_tui.core.recipe.model import RecipeFieldError, recipe_from_strings

GUARD_LOG = ("12/03 09:10:13 - mmengine - INFO - Epoch(train) [1][ 2/13] lr: 1e+06 loss: nan\n"
             "12/03 09:10:13 - mmengine - ERROR - loss became NaN at epoch 1, iteration 3 (lr 1e+06): "
             "stopped without saving these weights; the last checkpoint is the last good one\n")


def test_the_guard_line_is_the_diverged_diagnosis_with_its_hint(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text(GUARD_LOG)
    kind, summary = summarize(log, 1)
    assert kind == "diverged"
    assert summary.startswith("loss became NaN at epoch 1, iteration 3 (lr 1e+06) — lower the LR")
    assert "clip" in summary and "loss scale" in summary
    assert not worth_retrying(kind, None), "a retry would diverge the same way"


def test_patience_renders_mmengine_early_stopping_on_miou() -> None:
    text = render_config(Recipe(patience=4))
    assert ("dict(type='EarlyStoppingHook', monitor='mIoU', rule='greater', min_delta=0.01, "
            "patience=4)") in text
    assert "EarlyStoppingHook" not in render_config(Recipe())
    assert "nan_guard = True" in render_config(Recipe())
    assert "nan_guard = False" in render_config(Recipe(nan_guard=False))


def test_patience_is_validated_per_field() -> None:
    with pytest.raises(RecipeFieldError) as caught:
        Recipe(max_epochs=5, patience=5)
    assert caught.value.field == "patience" and "never stops the run early" in caught.value.message
    recipe, errors = recipe_from_strings(Recipe(), {"patience": "-1"})
    assert recipe is None and "at least 0" in errors["patience"]
    recipe, errors = recipe_from_strings(Recipe(), {"patience": "3", "nan_guard": "off"})
    assert recipe is not None and (recipe.patience, recipe.nan_guard) == (3, False)


def test_train_nan_guard_off_becomes_the_config_key() -> None:
    assert _nan_guard_option("off") == ["nan_guard=False"]
    assert _nan_guard_option(None) == []
