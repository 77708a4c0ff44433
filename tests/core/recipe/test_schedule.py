"""A run shortened (or lengthened) with --cfg-options keeps a schedule that ends with the run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe.schedule import carry_max_epochs, options_keys

TRAIN = Path(__file__).resolve().parents[3] / "tools" / "train.py"


def config(end: int = 30, epochs: int = 30) -> dict[str, object]:
    return {"train_cfg": {"type": "EpochBasedTrainLoop", "max_epochs": epochs},
            "param_scheduler": [{"type": "LinearLR", "by_epoch": True, "begin": 0, "end": 1},
                                {"type": "PolyLR", "by_epoch": True, "begin": 0, "end": end}]}


def test_only_schedulers_that_ended_with_the_run_move() -> None:
    cfg = config()
    cfg["train_cfg"]["max_epochs"] = 5  # type: ignore[index]
    messages = carry_max_epochs(cfg, 30, options_keys(["train_cfg.max_epochs=5"]))
    assert [s["end"] for s in cfg["param_scheduler"]] == [1, 5]  # type: ignore[index, union-attr]
    assert messages == ["train_cfg.max_epochs=5: PolyLR now ends at epoch 5 "
                        "(the config's schedule ended at 30)"]


@pytest.mark.parametrize("options", [["optim_wrapper.optimizer.lr=0.1"],  # the run length unchanged
                                     ["train_cfg.max_epochs=5", "param_scheduler.1.end=3"]])  # by hand
def test_a_schedule_the_user_set_or_did_not_stretch_is_left_alone(options: list[str]) -> None:
    cfg = config()
    cfg["train_cfg"]["max_epochs"] = 5  # type: ignore[index]
    assert carry_max_epochs(cfg, 30, options_keys(options)) == []
    assert [s["end"] for s in cfg["param_scheduler"]] == [1, 30]  # type: ignore[index, union-attr]


@pytest.mark.slow
def test_training_two_of_three_epochs_decays_the_lr_to_the_end(sample_project: Project) -> None:
    """Real tools/train.py on CPU: the log says the schedule moved, the LR really decays by the
    new end, and no pkg_resources warning opens the log any more."""
    convert_like_voc_aug(sample_project)
    done = subprocess.run(
        [sys.executable, str(TRAIN), "configs/sample_tiny.py", "--work-dir", "work_dirs/short",
         "--cfg-options", "train_cfg.max_epochs=2"],
        cwd=sample_project.root, capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert "pkg_resources" not in log
    assert "train_cfg.max_epochs=2: PolyLR now ends at epoch 2 (the config's schedule ended at 3)" in log
    rates = [float(m) for m in re.findall(r"Epoch\(train\) +\[2\]\[10/13\].*? lr: ([0-9.e-]+)", log)]
    assert rates, log[-3000:]
    # PolyLR(0.05 -> 1e-4, power 0.9) at iteration 23: ~0.007 when it ends at 26 iterations
    # (2 epochs of 13); ~0.022 had it kept the config's 39.
    assert 1e-4 < rates[-1] < 0.012
