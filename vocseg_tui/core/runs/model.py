"""One row of the Runs table: what `vocseg-tui runs --json` prints for each run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class DiskFacts:
    """What a work dir's files say about its run (the cached part of a row)."""

    best_miou: float | None = None
    best_epoch: int | None = None
    last_miou: float | None = None
    mAcc: float | None = None
    aAcc: float | None = None
    epochs_done: int = 0
    max_epochs: int | None = None
    total_batch: int | None = None
    gpus: int = 0
    lr: float | None = None
    model: str = ""
    started: float | None = None
    """The first attempt's start (its timestamped folder), seconds since the epoch."""
    wall_s: float = 0.0
    """Time the attempts' logs span, summed (what a run without a job took)."""
    iters_per_epoch: int | None = None
    """From the recipe (dataset size over total batch): puts the charts' train points on epochs."""
    published: str = ""
    """The zoo model (and official schedule) the run is measured against ('' for none)."""
    published_miou: float | None = None
    """What mmseg publishes for it (core/runs/published.py)."""
    problems: tuple[str, ...] = ()
    """What could not be read (a damaged scalars line, no config dump), said in the row."""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems"] = list(self.problems)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DiskFacts:
        values = dict(data)
        values["problems"] = tuple(values.get("problems", ()))
        return cls(**values)


@dataclass(frozen=True)
class RunRow:
    """A run as the table lists it: disk facts, its jobs' state and times, tags and note."""

    name: str
    path: str
    state: str
    """The newest attempt's job state; for a run without a job: 'done', 'incomplete',
    'no validation' or 'missing' (its work dir vanished)."""
    jobs: tuple[int, ...]
    """Its jobs' ids, newest first."""
    facts: DiskFacts
    wall_s: float
    started: float | None
    tags: tuple[str, ...] = ()
    note: str = ""
    project: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def vs_published(self) -> float | None:
        """The run's best mIoU minus the published one (None where either is unknown)."""
        best, target = self.facts.best_miou, self.facts.published_miou
        return round(best - target, 2) if best is not None and target is not None else None

    @property
    def gpu_hours(self) -> float:
        return round(self.wall_s * self.facts.gpus / 3600.0, 4)

    def value(self, column: str) -> Any:
        """The value of a column by its JSON name (for sorting and filtering)."""
        return self.to_json().get(column)

    def to_json(self) -> dict[str, Any]:
        """The `runs --json` object (an API: add keys, never rename them)."""
        f = self.facts
        return {
            "name": self.name, "path": self.path, "state": self.state, "jobs": list(self.jobs),
            "best_miou": f.best_miou, "best_epoch": f.best_epoch, "vs_published": self.vs_published,
            "published_miou": f.published_miou, "published": f.published, "last_miou": f.last_miou,
            "mAcc": f.mAcc, "aAcc": f.aAcc, "epochs_done": f.epochs_done, "max_epochs": f.max_epochs,
            "total_batch": f.total_batch, "gpus": f.gpus, "lr": f.lr, "model": f.model,
            "tags": list(self.tags), "note": self.note, "wall_s": round(self.wall_s, 1),
            "gpu_hours": self.gpu_hours, "started": self.started, "project": self.project,
            "problems": list(f.problems),
        }


COLUMNS = ("name", "state", "model", "total_batch", "lr", "epochs_done", "max_epochs", "best_miou",
           "best_epoch", "vs_published", "last_miou", "mAcc", "aAcc", "wall_s", "gpu_hours", "started",
           "tags", "note")
"""The table's columns, as their JSON names, in the order a table shows them."""
