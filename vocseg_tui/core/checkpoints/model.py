"""What the Checkpoints screen and `vocseg-tui ckpts` show: runs and their checkpoints."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_STEP = re.compile(r"^(epoch|iter)_(\d+)\.pth$")
_BEST = re.compile(r"^best_(.+?)_(epoch|iter)_(\d+)\.pth$")


@dataclass(frozen=True)
class Checkpoint:
    """One `.pth` file of a run."""

    path: Path
    run: str
    kind: str
    """'epoch', 'iter', 'best' (best_<metric>_<epoch|iter>_N.pth) or 'other'."""
    unit: str
    """'epoch' or 'iter': what `step` counts ('' when the name says nothing)."""
    step: int | None
    size: int
    mtime: float
    miou: float | None = None
    """Validation mIoU logged at this step (scalars.json), None when not validated."""
    best: bool = False
    last: bool = False
    """Named by the run's `last_checkpoint` marker: what mmengine resumes from by default."""
    ok: bool = True
    problem: str = ""
    """Why the file must not be used (truncated, damaged); '' when ok."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def label(self) -> str:
        """'epoch 3', 'iter 4000', 'best (epoch 3)' or the file name."""
        if self.kind == "best" and self.step is not None:
            return f"best ({self.unit} {self.step})"
        if self.step is not None:
            return f"{self.unit} {self.step}"
        return self.name

    def to_json(self) -> dict[str, Any]:
        """The `vocseg-tui ckpts --json` object (an API: add keys, never rename them)."""
        return {
            "path": str(self.path), "run": self.run, "kind": self.kind,
            "epoch": self.step if self.unit == "epoch" else None,
            "iter": self.step if self.unit == "iter" else None,
            "mIoU": self.miou, "best": self.best, "last": self.last, "ok": self.ok,
            "problem": self.problem, "size": self.size, "mtime": self.mtime,
        }


@dataclass(frozen=True)
class Run:
    """A work dir: its config dump, checkpoints (newest step first) and registry jobs."""

    name: str
    work_dir: Path
    config_dump: Path | None
    checkpoints: tuple[Checkpoint, ...]
    job_ids: tuple[int, ...] = field(default=())
    """Registry jobs that trained into this work dir, newest first."""
    project: Path | None = None
    """The project the run belongs to (see core.scope); None for a folder given by hand."""

    @property
    def best(self) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.best), None)

    @property
    def last(self) -> Checkpoint | None:
        return next((c for c in self.checkpoints if c.last), None)

    @property
    def usable(self) -> list[Checkpoint]:
        """Checkpoints resume and the demo may pick: intact ones only."""
        return [c for c in self.checkpoints if c.ok]

    def checkpoints_json(self) -> list[dict[str, Any]]:
        """The `vocseg-tui ckpts --json` objects of this run: each checkpoint and its project."""
        project = str(self.project) if self.project is not None else None
        return [{**c.to_json(), "project": project} for c in self.checkpoints]


def parse_name(name: str) -> tuple[str, str, int | None]:
    """(kind, unit, step) from a checkpoint's file name."""
    if match := _STEP.match(name):
        return match.group(1), match.group(1), int(match.group(2))
    if match := _BEST.match(name):
        return "best", match.group(2), int(match.group(3))
    return "other", "", None
