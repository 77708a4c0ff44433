"""The curves of the compare view's charts: each run's val mIoU, train loss and LR, with two
x values per point, epochs and samples seen.

Iterations are not comparable between runs of different total batch, so every point carries
its epoch (a train point's iteration over the run's iterations per epoch) and the samples it
had seen (iteration x total batch; a validation at epoch e: e x the dataset, which is e x
iterations per epoch x total batch). The numbers come from scalars.json through
core/logs/scalars.py and core/logs/history.py (resumes and the lines they repeat are handled
there), never from a second reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vocseg_tui.core.logs.history import History
from vocseg_tui.core.logs.scalars import ScalarsReader
from vocseg_tui.core.logs.sources import scalars_files
from vocseg_tui.core.runs.model import RunRow

MAX_POINTS = 1_000
"""Train points kept per curve (every n-th point): a chart is at most a terminal wide."""


@dataclass(frozen=True)
class Curve:
    """One metric of one run: the value at each point, and the point's epoch and samples seen
    (None where the run's total batch is unknown)."""

    epochs: list[float] = field(default_factory=list)
    samples: list[float | None] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def xs(self, axis: str) -> list[float]:
        """The x values for `axis` ("epochs" or "samples"); points without one are dropped."""
        if axis == "epochs":
            return list(self.epochs)
        return [s for s in self.samples if s is not None]

    def ys(self, axis: str) -> list[float]:
        if axis == "epochs":
            return list(self.values)
        return [v for s, v in zip(self.samples, self.values, strict=True) if s is not None]


@dataclass(frozen=True)
class RunSeries:
    """A run's three curves and the published mIoU it is measured against (None: none)."""

    name: str
    path: str
    miou: Curve
    loss: Curve
    lr: Curve
    published_miou: float | None = None
    published: str = ""


def run_series(row: RunRow) -> RunSeries:
    """The curves of one run as its scalars.json files (every attempt, oldest first) hold them."""
    history = History()
    for path in scalars_files(Path(row.path)):
        events, _ = ScalarsReader(path).read()
        history.add(events)
    batch = row.facts.total_batch
    per_epoch = _per_epoch(history, row.facts.iters_per_epoch, row.facts.epochs_done)
    return RunSeries(row.name, row.path, _miou(history, per_epoch, batch),
                     _train(history, "loss", per_epoch, batch), _train(history, "lr", per_epoch, batch),
                     row.facts.published_miou, row.facts.published)


def compare_series(rows: list[RunRow]) -> list[RunSeries]:
    """The curves of the compared runs, in the order given."""
    return [run_series(row) for row in rows]


def _per_epoch(history: History, planned: int | None, epochs_done: int) -> int | None:
    """The recipe's iterations per epoch where the log agrees with it (its last iteration lies
    within an epoch of `epochs_done` epochs), else the last logged iteration over the epochs
    done (a run without a recipe, or one whose dataset size the recipe does not know)."""
    if not history.train or epochs_done <= 0:
        return planned
    last = history.train[-1].step
    if planned and (epochs_done - 1) * planned <= last <= (epochs_done + 1) * planned:
        return planned
    return max(1, round(last / epochs_done))


def _train(history: History, key: str, per_epoch: int | None, batch: int | None) -> Curve:
    steps, values = history.series(key)
    stride = max(1, len(steps) // MAX_POINTS)
    steps, values = steps[::stride], values[::stride]
    epochs = [s / per_epoch if per_epoch else s for s in steps]
    samples: list[float | None] = [s * batch if batch else None for s in steps]
    return Curve(epochs, samples, values)


def _miou(history: History, per_epoch: int | None, batch: int | None) -> Curve:
    epochs: list[float] = []
    samples: list[float | None] = []
    values: list[float] = []
    for val in history.validations:
        if val.miou is None:
            continue
        if val.epoch is not None:
            epoch = float(val.epoch)
            iters = epoch * per_epoch if per_epoch else None
        else:
            iters = float(val.iter or 0)
            epoch = iters / per_epoch if per_epoch else iters
        epochs.append(epoch)
        samples.append(iters * batch if iters is not None and batch else None)
        values.append(val.miou)
    return Curve(epochs, samples, values)
