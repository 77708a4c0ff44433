"""The sample project's tiny UPerNet config: the real recipe, shrunk to train on a CPU.

It is rendered by the recipe renderer like any user config (so the sample exercises the same
code path, and the shipped `configs/sample_tiny.py` cannot drift from it): mmseg's shipped
bases through package-scoped paths, and overrides that make it tiny: a narrow ResNetV1c-18,
narrow heads, 64x64 crops, plain BN (one process), no pretrained download, 3 epochs.
"""

from __future__ import annotations

from vocseg_tui.core.recipe.model import MODEL_LR, Recipe
from vocseg_tui.core.recipe.render import render_config

SAMPLE_CONFIG_NAME = "sample_tiny.py"

# 8 VOC train images + 18 SBD images outside VOC train/val (see core/sample/__init__.py).
SAMPLE_DATASET_SIZE = 26

TINY_RECIPE = Recipe(
    name="sample_tiny", gpus=0, batch_per_gpu=2,
    base_lr=MODEL_LR["tiny"][0], base_batch=MODEL_LR["tiny"][1],  # why so high: see MODEL_LR
    max_epochs=3, val_interval=1, ckpt_interval=1, max_keep_ckpts=3,
    crop=(64, 64), arch="tiny", backbone="ResNetV1c", pretrained=None,
    num_workers=0, seed=0, work_dir="work_dirs/sample_tiny",
    dataset_size=SAMPLE_DATASET_SIZE, log_interval=5,
)

TINY_CONFIG = render_config(TINY_RECIPE)
