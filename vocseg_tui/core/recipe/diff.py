"""A key-by-key diff of two resolved configs: what a recipe changes in mmseg's shipped one.

A text diff of two config files says little (ours inherits, theirs inherits differently);
comparing the resolved dicts as mmengine builds them shows exactly which settings differ,
e.g. `train_cfg.type: 'IterBasedTrainLoop' -> 'EpochBasedTrainLoop'`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vocseg_tui.core.recipe.files import RECIPE_VARIABLE

IGNORED = {RECIPE_VARIABLE, "_scope_", "filename"}
# What mmengine's Runner reads; other top-level names are helper variables of one file.
RUNNER_KEYS = {
    "model", "train_dataloader", "val_dataloader", "test_dataloader", "optim_wrapper",
    "param_scheduler", "train_cfg", "val_cfg", "test_cfg", "default_hooks", "custom_hooks",
    "log_processor", "env_cfg", "randomness", "work_dir", "load_from", "resume", "val_evaluator",
    "test_evaluator", "visualizer", "default_scope", "log_level", "launcher",
}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """`{'a': {'b': [1, {'c': 2}]}}` -> `{'a.b[0]': 1, 'a.b[1].c': 2}`."""
    flat: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in IGNORED:
                continue
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and value and any(isinstance(v, (Mapping, list)) for v in value):
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{prefix}[{index}]"))
    else:
        flat[prefix] = value
    return flat


def config_diff(base: Mapping[str, Any], ours: Mapping[str, Any]) -> list[str]:
    """Lines in unified-diff style: `- key = old` / `+ key = new`, sorted by key."""
    old = flatten({k: v for k, v in base.items() if k in RUNNER_KEYS})
    new = flatten({k: v for k, v in ours.items() if k in RUNNER_KEYS})
    lines: list[str] = []
    for key in sorted(set(old) | set(new)):
        if key in old and key in new and old[key] == new[key]:
            continue
        if key in old:
            lines.append(f"- {key} = {old[key]!r}")
        if key in new:
            lines.append(f"+ {key} = {new[key]!r}")
    return lines
