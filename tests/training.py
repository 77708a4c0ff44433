"""Helpers for tests that need real training of the sample project (child processes only)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from vocseg_tui.core.project import Project


@dataclass(frozen=True)
class TrainedRun:
    project: Project
    work_dir: Path
    log: str
    seconds: float


def convert_like_voc_aug(project: Project) -> None:
    """What mmseg's voc_aug.py does (SBD labels to SegmentationClassAug, aug.txt, trainaug.txt),
    done by this project's converter: the same pixels, in-process for the sample's few files."""
    from vocseg_tui.core.data import splits
    from vocseg_tui.core.data.convert import convert_all

    convert_all(project.sbd_root / "cls", project.voc_root / "SegmentationClassAug", jobs=1)
    splits.write(project.voc_root, splits.compute(project.voc_root, project.sbd_root))


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
