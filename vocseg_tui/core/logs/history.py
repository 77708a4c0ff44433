"""A run's history from its events: the curves, the validations, where it stands.

The Logs screen and `vocseg-tui logs --json` keep one History per job and feed it the events of
new lines only; everything it exposes is derived from what it has seen so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vocseg_tui.core.logs.events import Event, PlanEvent, ResumeEvent, TrainEvent, ValEvent
from vocseg_tui.core.logs.parser import short_eta

MAX_POINTS = 20_000
"""Train points kept for the curves; older ones are thinned (every other point dropped)."""


@dataclass
class Progress:
    """Where a run stands, for the one-line status: epoch k of N, iteration i of M, ETA."""

    epoch: int | None = None
    max_epochs: int | None = None
    iter: int | None = None
    iters: int | None = None
    step: int | None = None
    max_iters: int | None = None
    eta: str | None = None

    def describe(self, *, eta: bool = True) -> str:
        """`epoch 3/50 · iter 400/1323 · ETA 5:01:12`; `eta=False` for a run that has ended."""
        parts = []
        if self.epoch is not None:
            parts.append(f"epoch {self.epoch}/{self.max_epochs or '?'}")
            parts.append(f"iter {self.iter}/{self.iters}")
        elif self.step is not None:
            parts.append(f"iter {self.step}/{self.max_iters or self.iters or '?'}")
        if self.eta and eta:
            parts.append(f"ETA {short_eta(self.eta)}")
        return " · ".join(parts) or "no progress logged yet"


def epoch_complete(epoch: int | None, *, ended_epoch: int | None, succeeded: bool) -> bool:
    """Whether every iteration of `epoch` ran although its last ones logged no line (mmengine
    logs every `log_interval` iterations and skips an epoch's remainder): the run succeeded,
    or that epoch's checkpoint or validation (`ended_epoch`) followed its last line."""
    return epoch is not None and (succeeded or ended_epoch == epoch)


@dataclass
class History:
    train: list[TrainEvent] = field(default_factory=list)
    vals: list[ValEvent] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)
    resumes: list[ResumeEvent] = field(default_factory=list)
    version: int = 0
    """Bumped on every change, so views redraw only when something new arrived."""

    def add(self, events: list[Event]) -> None:
        for event in events:
            self._add(event)
        if events:
            self.version += 1

    def _add(self, event: Event) -> None:
        p = self.progress
        if isinstance(event, TrainEvent):
            if self.train and event.step <= self.train[-1].step:
                return  # seen already (the same run read from scalars.json and the text log)
            self.train.append(event)
            if len(self.train) > MAX_POINTS:
                self.train = self.train[::2]
            if event.epoch is None and event.eta is None:
                return  # a scalars.json point: no progress information in it
            p.epoch, p.iter, p.iters, p.step, p.eta = (
                event.epoch, event.iter, event.iters, event.step, event.eta)
            if event.epoch is None:
                p.max_iters = p.max_iters or event.iters
        elif isinstance(event, ValEvent):
            if event.kind == "val" and event.epoch is None and p.step is not None:
                event = replace(event, iter=p.step)
            same = [n for n, v in enumerate(self.vals)
                    if (v.kind, v.epoch, v.iter) == (event.kind, event.epoch, event.iter)]
            if same:  # the text log's copy adds the per-class table to the scalars' one
                old = self.vals[same[-1]]
                self.vals[same[-1]] = event if event.classes or not old.classes else old
                return
            self.vals.append(event)
        elif isinstance(event, PlanEvent):
            p.max_epochs = event.max_epochs or p.max_epochs
            p.max_iters = event.max_iters or p.max_iters
        else:
            # A resumed run logs again from the checkpoint on: drop what came after it.
            self.resumes.append(event)
            self.train = [t for t in self.train if t.step <= event.iter]
            self.vals = [v for v in self.vals if (v.epoch or 0) <= event.epoch
                         and (v.iter or 0) <= event.iter]

    def standing(self, *, succeeded: bool) -> Progress:
        """Where the run stands, with an epoch whose checkpoint or validation was logged (or a
        run that `succeeded`) counted whole: its last iterations log no line of their own."""
        p, latest = self.progress, self.latest_val
        if p.iters and epoch_complete(p.epoch, ended_epoch=latest.epoch if latest else None,
                                      succeeded=succeeded):
            return replace(p, iter=p.iters)
        return p

    @property
    def validations(self) -> list[ValEvent]:
        return [v for v in self.vals if v.kind == "val"]

    @property
    def latest_val(self) -> ValEvent | None:
        vals = self.validations
        return vals[-1] if vals else None

    @property
    def best_val(self) -> ValEvent | None:
        scored = [v for v in self.validations if v.miou is not None]
        return max(scored, key=lambda v: v.miou or 0.0) if scored else None

    def series(self, key: str) -> tuple[list[float], list[float]]:
        """(steps, values) of one logged train value, e.g. "loss", "lr", "decode.loss_ce"."""
        xs: list[float] = []
        ys: list[float] = []
        for event in self.train:
            value = event.lr if key == "lr" else event.values.get(key)
            if value is not None:
                xs.append(float(event.step))
                ys.append(value)
        return xs, ys

    def miou_series(self) -> tuple[list[float], list[float]]:
        """(epoch or iteration, mIoU) of every validation."""
        xs: list[float] = []
        ys: list[float] = []
        for n, val in enumerate(self.validations, start=1):
            if val.miou is not None:
                xs.append(float(val.epoch or val.iter or n))
                ys.append(val.miou)
        return xs, ys


def smooth(values: list[float], weight: float) -> list[float]:
    """TensorBoard's exponential moving average with debiasing (weight 0 = raw)."""
    if weight <= 0:
        return list(values)
    out: list[float] = []
    last = 0.0
    for n, value in enumerate(values, start=1):
        last = last * weight + (1 - weight) * value
        out.append(last / (1 - weight**n))
    return out
