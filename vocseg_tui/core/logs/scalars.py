"""mmengine's `vis_data/scalars.json`: one JSON object per line, read incrementally.

It holds the same numbers as the text log at full precision (`lr`, `loss`, ... with `epoch`,
`iter`, `step`; validations as `aAcc`/`mIoU`/`mAcc` with `step` = epoch), so charts can be
drawn from it without parsing a huge text log. A line that is not (yet) valid JSON, such as one
half-written or damaged, is skipped. The Checkpoints area reads each checkpoint's mIoU here too
(`validation_miou`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from vocseg_tui.core.logs.events import Event, TrainEvent, ValEvent
from vocseg_tui.core.logs.reader import TailReader
from vocseg_tui.core.logs.sources import scalars_files

_META = ("epoch", "iter", "step")


def parse_scalar_line(line: str, by_epoch: bool = True) -> Event | None:
    """One scalars.json line as an event, or None if it is not a scalars record.

    Train records carry the global `iter` (their `step`); a validation's `step` is the epoch
    in an epoch-based run and the iteration in an iteration-based one (`by_epoch`).
    """
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("step"), int):
        return None
    step: int = record["step"]
    values = {k: float(v) for k, v in record.items()
              if isinstance(v, int | float) and not isinstance(v, bool) and k not in _META
              and not math.isinf(float(v))}
    if "mIoU" in values or "aAcc" in values:
        metrics = {k: v for k, v in values.items() if k not in ("time", "data_time")}
        return ValEvent(step, None, metrics) if by_epoch else ValEvent(None, step, metrics)
    it = record.get("iter")
    step = it if isinstance(it, int) else step
    return TrainEvent(None, step, step, values)


@dataclass
class ScalarsReader:
    """Follows one scalars.json; `read()` returns the events of the lines added since."""

    path: Path
    _by_epoch: bool = False
    _reader: TailReader = field(init=False)

    def __post_init__(self) -> None:
        self._reader = TailReader(self.path)

    def read(self) -> tuple[list[Event], bool]:
        """(events, reset): `reset` says the file started over (earlier events are void)."""
        result = self._reader.read()
        events = []
        for line in result.lines:
            self._by_epoch = self._by_epoch or '"epoch":' in line
            if (event := parse_scalar_line(line, self._by_epoch)) is not None:
                events.append(event)
        return events, result.reset


def validation_miou(work_dir: Path) -> dict[int, float]:
    """{step: mIoU} of every validation a run logged, which is the N of its `epoch_N.pth` /
    `iter_N.pth` (a validation's `step` is the epoch or the iteration). Every launch or resume
    writes a new run folder; they are read oldest first, so a resumed run's re-validated step
    overrides the earlier one. Damaged lines are skipped."""
    found: dict[int, float] = {}
    for path in scalars_files(work_dir):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            # Read as epoch-based, the `step` lands in `epoch` whatever it counts.
            event = parse_scalar_line(line) if '"mIoU"' in line else None
            if isinstance(event, ValEvent) and event.miou is not None and event.epoch is not None:
                found[event.epoch] = event.miou
    return found
