"""A zoo model trains from the config `recipe --from-zoo` writes: HRNet-18s, epoch-based on
CPU, shrunk to the sample's size with `--cfg-options` (crop 64, no pretrained download)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.training import convert_like_voc_aug, mmseg_tool
from vocseg_tui.cli import main
from vocseg_tui.core.project import Project

ZOO = "fcn_hr18s_4xb4-20k_voc12aug-512x512"
DATASETS = "train_dataloader.dataset.datasets"
SHRINK = [
    "train_cfg.max_epochs=2", "model.pretrained=None", "model.data_preprocessor.size=(64,64)",
    *(f"{DATASETS}.{i}.pipeline.{step}" for i in (0, 1)
      for step in ("2.scale=(128,96)", "3.crop_size=(64,64)", "6.size=(64,64)")),
    "val_dataloader.dataset.pipeline.1.scale=(128,96)", "default_hooks.logger.interval=1",
    "train_dataloader.num_workers=0", "train_dataloader.persistent_workers=False",
    "val_dataloader.num_workers=0", "val_dataloader.persistent_workers=False",
]


@pytest.mark.slow
def test_a_zoo_model_trains_epoch_based_on_cpu(sample_project: Project,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    convert_like_voc_aug(sample_project)
    code = main(["--project", str(sample_project.root), "recipe", "--from-zoo", ZOO, "--gpus", "cpu",
                 "--batch", "2", "--write", "configs/zoo_hr18s.py", "--json"])
    assert code == 0
    written = json.loads(capsys.readouterr().out)
    assert written["lr"] == pytest.approx(0.01 * 2 / 16)
    done = subprocess.run(
        [sys.executable, "-W", "ignore", str(mmseg_tool("train.py")), "configs/zoo_hr18s.py",
         "--cfg-options", *SHRINK],
        cwd=sample_project.root, capture_output=True, text=True, check=False, timeout=240,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    first = next(line for line in log.splitlines() if "Epoch(train) [1][" in line)
    assert "lr: 1.2500e-03" in first  # the linearly scaled LR, then the model's own poly decay
    assert "Epoch(train) [2][" in log and "mIoU:" in log
    work_dir = sample_project.root / "work_dirs" / f"fcn_hr18s_cpux2_{written['max_epochs']}e_voc12aug"
    assert (work_dir / "epoch_2.pth").is_file()
    assert list(work_dir.glob("best_mIoU_epoch_*.pth"))
