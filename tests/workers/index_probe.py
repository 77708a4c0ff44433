"""Loaded into a training child by `custom_imports`: records what each iteration trains on.

`RecordIndicesHook` appends "rank iteration path,path" per iteration to $VOCSEG_PROBE_SEEN;
`RecordLoad` (last transform of the train pipeline) appends one line per sample the loader
really loaded and augmented to $VOCSEG_PROBE_LOADS (worker processes included)."""

from __future__ import annotations

import os
from typing import Any

from mmcv.transforms import BaseTransform
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmseg.registry import HOOKS, TRANSFORMS


def _append(variable: str, line: str) -> None:
    with open(os.environ[variable], "a", encoding="utf-8") as out:  # O_APPEND: one line at a time
        out.write(line + "\n")


@HOOKS.register_module(force=True)
class RecordIndicesHook(Hook):
    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        paths = [os.path.basename(s.metainfo["img_path"]) for s in data_batch["data_samples"]]
        _append("VOCSEG_PROBE_SEEN", f"{get_rank()} {runner.iter} {','.join(paths)}")


@TRANSFORMS.register_module(force=True)
class RecordLoad(BaseTransform):
    def transform(self, results: dict[str, Any]) -> dict[str, Any]:
        _append("VOCSEG_PROBE_LOADS", os.path.basename(results["img_path"]))
        return results
