"""Queue rules: what a queued job waits for, checked by its supervisor until it may start.

A job waits for (a) the GPUs it was given (found by UUID where recorded, so a renumbered server
cannot hand it another board), or (b) any N GPUs with at least X GiB free, or, on CPU, nothing
but (c) the other vocseg jobs: CPU jobs of ours run one at a time. A GPU is free by the GPUs
area's own rules (`selection.refusal` and `blocker` with PickRules(min_free_gib=X,
max_util=100)) and when no other running job of ours holds it. When the GPUs cannot be read
(NVML trouble, a broken fake) no GPU is free: the job waits, saying why, rather than starting
on a colleague's GPU. GPUs must stay free for a short stable window (`stable_s`), so a
colleague's job that is between two steps does not look free for one poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vocseg_tui.core.gpus import GpuInfo, Inventory, PickRules, blocker, free_gpus, take_inventory
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
    uuids: tuple[str, ...] = ()
    """The UUIDs of `gpus` where known (the board a resumed attempt must get again)."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueueRule:
        return cls(tuple(data.get("gpus", ())), int(data.get("count", 0)),
                   float(data.get("min_free_gib", 0.0)), float(data.get("stable_s", DEFAULT_STABLE_S)),
                   tuple(data.get("uuids", ())))

    def to_json(self) -> dict[str, Any]:
        return {"gpus": list(self.gpus), "count": self.count, "min_free_gib": self.min_free_gib,
                "stable_s": self.stable_s, "uuids": list(self.uuids)}

    @property
    def wants_gpus(self) -> bool:
        return bool(self.gpus or self.count)

    def describe(self) -> str:
        if self.count:
            return f"any {self.count} GPU(s) with >= {self.min_free_gib:g} GiB free"
        if self.gpus:
            return "GPU " + ",".join(map(str, self.gpus))
        return "the CPU (another job of ours is training on it; CPU jobs run one at a time)"


@dataclass(frozen=True)
class Decision:
    ready: bool
    gpus: tuple[int, ...]
    waiting_for: str
    uuids: tuple[str, ...] = ()


def busy_devices(registry: Registry, me: int) -> dict[int, int]:
    """Devices used by our other running (or orphaned: still training) jobs -> the job using
    it (CPU jobs occupy `CPU`)."""
    busy: dict[int, int] = {}
    for job in registry.all_jobs(states=(JobState.RUNNING.value, JobState.ORPHANED.value)):
        if job.id != me:
            for device in job.gpus or [CPU]:
                busy.setdefault(device, job.id)
    return busy


def decide(rule: QueueRule, job: Job, registry: Registry,
           read: Callable[[], Inventory] = take_inventory) -> Decision:
    """Whether `job` may start now, and on which GPUs."""
    busy = busy_devices(registry, job.id)
    if not rule.wants_gpus:
        ready = CPU not in busy
        return Decision(ready, (), "" if ready else rule.describe())
    try:
        inventory = read()
    except Exception as error:  # NVML trouble must not kill the waiting supervisor, nor free a GPU
        return Decision(False, (), f"{rule.describe()} (the GPUs cannot be read: {error})")
    if inventory.cpu_only:
        reason = inventory.cpu_only_reason or "no GPU found"
        return Decision(False, (), f"{rule.describe()} (the GPUs cannot be read: {reason})")
    rules = PickRules(min_free_gib=rule.min_free_gib, max_util=100)

    def why_not(gpu: GpuInfo) -> str | None:
        if gpu.index in busy:
            return f"our job {busy[gpu.index]}"
        return blocker(gpu, rules, inventory.me)

    if rule.gpus:
        return _given(rule, inventory, why_not)
    free = [g for g in free_gpus(inventory, rules) if g.index not in busy][: rule.count]
    if len(free) >= rule.count:
        chosen = sorted(free, key=lambda g: g.index)
        return Decision(True, tuple(g.index for g in chosen), "", tuple(g.uuid for g in chosen))
    return Decision(False, (), f"{rule.describe()} ({len(free)} free now)")


def _given(rule: QueueRule, inventory: Inventory, why_not: Callable[[GpuInfo], str | None]) -> Decision:
    found: list[GpuInfo] = []
    blocked: list[str] = []
    for position, index in enumerate(rule.gpus):
        uuid = rule.uuids[position] if position < len(rule.uuids) else ""
        gpu = next((g for g in inventory.gpus if g.uuid == uuid), None) if uuid else inventory.by_index(index)
        if gpu is None:
            blocked.append(f"GPU {index}: {'board ' + uuid if uuid else 'it'} is not there")
            continue
        reason = why_not(gpu)
        if reason:
            blocked.append(f"GPU {gpu.index}: {reason}")
        found.append(gpu)
    if blocked:
        return Decision(False, rule.gpus, f"{rule.describe()} (busy: {'; '.join(blocked)})")
    return Decision(True, tuple(g.index for g in found), "", tuple(g.uuid for g in found))


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
