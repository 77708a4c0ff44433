"""The structured events a training log yields: logged iterations, validations, set-up facts."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


def _finite(values: dict[str, float]) -> dict[str, float | None]:
    """JSON has no NaN: a diverged `loss: nan` is written as null."""
    return {k: (None if math.isnan(v) else v) for k, v in values.items()}


@dataclass(frozen=True)
class TrainEvent:
    """One `Epoch(train) [e][i/n]` or `Iter(train) [i/N]` line."""

    epoch: int | None
    """The epoch (1-based) for epoch-based logging, None for iteration-based."""
    iter: int
    """The iteration within the epoch (epoch-based) or overall (iteration-based)."""
    iters: int
    """Iterations per epoch (epoch-based) or in the whole run (iteration-based)."""
    values: dict[str, float] = field(default_factory=dict)
    eta: str | None = None

    @property
    def step(self) -> int:
        """The global iteration, comparable across epochs (the x axis of the loss curve)."""
        return (self.epoch - 1) * self.iters + self.iter if self.epoch else self.iter

    @property
    def loss(self) -> float | None:
        return self.values.get("loss")

    @property
    def lr(self) -> float | None:
        return self.values.get("lr", self.values.get("base_lr"))

    def to_json(self) -> dict[str, Any]:
        return {"type": "train", "epoch": self.epoch, "iter": self.iter, "iters": self.iters,
                "step": self.step, "eta": self.eta, **_finite(self.values)}


@dataclass(frozen=True)
class ClassScore:
    name: str
    iou: float | None
    acc: float | None


@dataclass(frozen=True)
class ValEvent:
    """One validation (or test) result: aAcc/mIoU/mAcc and mmseg's per-class table."""

    epoch: int | None
    iter: int | None
    metrics: dict[str, float] = field(default_factory=dict)
    classes: tuple[ClassScore, ...] = ()
    kind: str = "val"

    @property
    def miou(self) -> float | None:
        return self.metrics.get("mIoU")

    def to_json(self) -> dict[str, Any]:
        return {"type": self.kind, "epoch": self.epoch, "iter": self.iter, **_finite(self.metrics),
                "classes": [asdict(c) for c in self.classes]}


@dataclass(frozen=True)
class PlanEvent:
    """The run's length, from the config mmengine prints at start (`train_cfg = dict(...)`)."""

    max_epochs: int | None = None
    max_iters: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"type": "plan", "max_epochs": self.max_epochs, "max_iters": self.max_iters}


@dataclass(frozen=True)
class ResumeEvent:
    """`resumed epoch: E, iter: I`: the run continues a checkpoint."""

    epoch: int
    iter: int

    def to_json(self) -> dict[str, Any]:
        return {"type": "resume", "epoch": self.epoch, "iter": self.iter}


Event = TrainEvent | ValEvent | PlanEvent | ResumeEvent
