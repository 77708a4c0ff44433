"""Queue rules: what a queued job waits for, checked by its supervisor until it may start.

A job waits for (a) the GPUs it was given, or (b) any N GPUs with at least X GiB free, or, on
CPU, nothing but (c) the other vocseg jobs: a device another running job of ours uses is busy.
GPUs must stay free for a short stable window (`stable_s`), so a colleague's job that is
between two steps does not look free for one poll. GPU readings come from
`vocseg_tui.core.gpus` when it is installed; without it only our own jobs are considered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import JobState

CPU = -1
"""The "device" of CPU jobs in the busy set: two queued CPU jobs run one after the other."""
DEFAULT_STABLE_S = 10.0


@dataclass(frozen=True)
class QueueRule:
    gpus: tuple[int, ...] = ()
    count: int = 0
    min_free_gib: float = 0.0
    stable_s: float = DEFAULT_STABLE_S

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueRule:
        return cls(tuple(data.get("gpus", ())), int(data.get("count", 0)),
                   float(data.get("min_free_gib", 0.0)), float(data.get("stable_s", DEFAULT_STABLE_S)))

    def to_json(self) -> dict[str, Any]:
        return {"gpus": list(self.gpus), "count": self.count, "min_free_gib": self.min_free_gib,
                "stable_s": self.stable_s}

    def describe(self) -> str:
        if self.count:
            return f"any {self.count} GPU(s) with >= {self.min_free_gib:g} GiB free"
        if self.gpus:
            return "GPU " + ",".join(map(str, self.gpus))
        return "the CPU (another job of ours is training on it)"


@dataclass(frozen=True)
class Decision:
    ready: bool
    gpus: tuple[int, ...]
    waiting_for: str


def busy_devices(registry: Registry, me: int) -> set[int]:
    """Devices used by our other running jobs (CPU jobs occupy `CPU`)."""
    busy: set[int] = set()
    for job in registry.all_jobs(states=(JobState.RUNNING.value,)):
        if job.id != me:
            busy.update(job.gpus or [CPU])
    return busy


def _inventory() -> Any:
    try:
        from vocseg_tui.core.gpus import take_inventory
    except ImportError:
        return None
    try:
        return take_inventory()
    except Exception:  # NVML trouble must not kill the waiting supervisor
        return None


def decide(rule: QueueRule, job: Job, registry: Registry) -> Decision:
    """Whether `job` may start now, and on which GPUs."""
    busy = busy_devices(registry, job.id)
    if not rule.gpus and not rule.count:
        ready = CPU not in busy
        return Decision(ready, (), "" if ready else rule.describe())
    inventory = _inventory()
    need = rule.min_free_gib * 2**30

    def free(index: int) -> bool:
        if index in busy:
            return False
        if inventory is None:
            return True
        gpu = inventory.by_index(index)
        if gpu is None or not gpu.ok or gpu.other_users(inventory.me):
            return False
        return bool(gpu.memory_free >= need)

    if rule.gpus:
        blocked = [i for i in rule.gpus if not free(i)]
        ready = not blocked
        return Decision(ready, rule.gpus, "" if ready else f"{rule.describe()} (busy: {blocked})")
    candidates = [g.index for g in (inventory.gpus if inventory else ()) if free(g.index)]
    if len(candidates) >= rule.count:
        return Decision(True, tuple(sorted(candidates[: rule.count])), "")
    return Decision(False, (), f"{rule.describe()} ({len(candidates)} free now)")


@dataclass
class StableWindow:
    """True once the same decision stayed ready for `seconds` in a row."""

    seconds: float
    since: float | None = None
    gpus: tuple[int, ...] = field(default_factory=tuple)

    def update(self, decision: Decision, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if not decision.ready or decision.gpus != self.gpus:
            self.since = now if decision.ready else None
            self.gpus = decision.gpus
            return decision.ready and self.seconds <= 0
        if self.since is None:
            self.since = now
        return now - self.since >= self.seconds
