"""Helpers for tests that need real training of the sample project (child processes only)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.io
from PIL import Image

from vocseg_tui.core.project import Project


@dataclass(frozen=True)
class TrainedRun:
    project: Project
    work_dir: Path
    log: str
    seconds: float


def convert_like_voc_aug(project: Project) -> None:
    """What mmseg's voc_aug.py does to the SBD labels, kept minimal for tests."""
    out = project.voc_root / "SegmentationClassAug"
    out.mkdir(exist_ok=True)
    for mat in (project.sbd_root / "cls").glob("*.mat"):
        seg = scipy.io.loadmat(mat)["GTcls"][0]["Segmentation"][0].astype(np.uint8)
        Image.fromarray(seg).save(out / f"{mat.stem}.png")
    lists = project.voc_root / "ImageSets/Segmentation"
    voc = set((lists / "train.txt").read_text().split()) | set((lists / "val.txt").read_text().split())
    sbd = {p.stem for p in (project.sbd_root / "cls").glob("*.mat")}
    (lists / "aug.txt").write_text("".join(f"{n}\n" for n in sorted(sbd - voc)))


def mmseg_tool(name: str) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", "import mmseg, os; print(os.path.dirname(mmseg.__file__))"],
        capture_output=True, text=True, check=True)
    return Path(done.stdout.strip()) / ".mim" / "tools" / name


def train_sample(project: Project, config: str = "configs/sample_tiny.py") -> TrainedRun:
    """Train the sample config to the end on CPU with mmseg's own tools/train.py."""
    convert_like_voc_aug(project)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(mmseg_tool("train.py")), config],
        cwd=project.root, capture_output=True, text=True, check=False, timeout=240,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    seconds = time.monotonic() - started
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise AssertionError(f"sample training failed:\n{log[-4000:]}")
    return TrainedRun(project, project.work_dirs / Path(config).stem, log, seconds)
