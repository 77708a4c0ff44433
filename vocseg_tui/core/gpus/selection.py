"""Which GPUs to train on: the auto-pick rules, hand toggles, and the hand-over to the launch.

Auto-pick takes GPUs with at least `min_free_gib` free and utilisation at most `max_util`,
never one with another user's processes (an unknown owner counts as another user) nor one
that failed its query. Most free memory first, compared in whole GiB so a few MiB of driver
noise does not decide; ties go to the higher index, which keeps GPU 0 (the one every
`python train.py` without CUDA_VISIBLE_DEVICES lands on) free for colleagues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.gpus.model import GIB, GpuInfo, Inventory

DEFAULT_MIN_FREE_GIB = 8.0
DEFAULT_MAX_UTIL = 10


class SelectionError(VocsegError):
    """A pick or toggle that cannot be done as asked."""


@dataclass(frozen=True)
class PickRules:
    """What makes a GPU free enough to train on."""

    min_free_gib: float = DEFAULT_MIN_FREE_GIB
    max_util: int = DEFAULT_MAX_UTIL
    """Highest GPU utilisation (percent) that still counts as idle."""

    def __post_init__(self) -> None:
        if self.min_free_gib < 0:
            raise SelectionError(f"--min-free-gib must be 0 or more, not {self.min_free_gib:g}",
                                 "give the GiB of free GPU memory a job needs, e.g. 8")
        if not 0 <= self.max_util <= 100:
            raise SelectionError(f"--max-util must be between 0 and 100, not {self.max_util}",
                                 "give a percentage, e.g. 10")


def refusal(gpu: GpuInfo) -> str | None:
    """Why nothing can train on this GPU at all, whoever asks (None: it can). Unlike `blocker`,
    which says why auto-pick skips a GPU that is merely busy, this holds for an explicit choice
    too: the launch refuses such a GPU and toggling it on is refused."""
    if not gpu.ok:
        return "failed: " + (gpu.error or "?")
    return None


def blocker(gpu: GpuInfo, rules: PickRules, me: str) -> str | None:
    """Why auto-pick skips this GPU, in a few words; None when it is free to pick."""
    refused = refusal(gpu)
    if refused:
        return refused
    others = gpu.other_users(me)
    if others:
        return "in use by " + ", ".join(others)
    if gpu.memory_free < rules.min_free_gib * GIB:
        shown = math.floor(gpu.memory_free / GIB * 10) / 10  # never round up to the threshold
        return f"{shown:.1f} GiB free < {rules.min_free_gib:g}"
    if gpu.gpu_util is not None and gpu.gpu_util > rules.max_util:
        return f"busy {gpu.gpu_util}% > {rules.max_util}%"
    return None


def free_gpus(inventory: Inventory, rules: PickRules) -> list[GpuInfo]:
    """Every pickable GPU, best first (most free GiB, then the higher index)."""
    free = [g for g in inventory.gpus if blocker(g, rules, inventory.me) is None]
    return sorted(free, key=lambda g: (g.memory_free // GIB, g.index), reverse=True)


def auto_pick(inventory: Inventory, count: int, rules: PickRules) -> tuple[int, ...]:
    """The indices (ascending) of the `count` best free GPUs; raises when fewer are free."""
    if count < 1:
        raise SelectionError(f"cannot pick {count} GPUs", "pick 1 or more")
    if inventory.cpu_only:
        raise SelectionError(inventory.cpu_only_reason or "CPU only: no GPUs",
                             "train on CPU, or run this on the GPU server")
    free = free_gpus(inventory, rules)
    if len(free) < count:
        reasons = "; ".join(f"GPU {g.index}: {why}" for g in inventory.gpus
                            if (why := blocker(g, rules, inventory.me)))
        raise SelectionError(
            f"only {len(free)} of {len(inventory.gpus)} GPUs are free, {count} asked ({reasons})",
            "pick fewer, lower --min-free-gib / raise --max-util, or wait for GPUs to free up")
    return tuple(sorted(g.index for g in free[:count]))


def toggle(selected: frozenset[int], inventory: Inventory, index: int) -> frozenset[int]:
    """Add or remove one GPU by hand. A busy GPU may be chosen (you may know the colleague's
    job ends soon); a GPU that failed its query may only be removed."""
    if index in selected:
        return selected - {index}
    gpu = inventory.by_index(index)
    if gpu is None:
        raise SelectionError(f"there is no GPU {index}", "choose a GPU from the list")
    if not gpu.ok:
        raise SelectionError(f"GPU {index} failed its query: {gpu.error}",
                             "choose another GPU; check it with nvidia-smi")
    return selected | {index}


def to_device_choice(inventory: Inventory, selected: frozenset[int] | tuple[int, ...]) -> DeviceChoice:
    """The launch's device: CPU for an empty choice, else the indices with their UUIDs
    (recorded with the job, so a renumbered server cannot mislead a later look)."""
    indices = tuple(sorted(selected))
    if not indices:
        return DeviceChoice.cpu()
    uuids = []
    for index in indices:
        gpu = inventory.by_index(index)
        if gpu is None:
            raise SelectionError(f"GPU {index} is no longer there", "refresh and choose again")
        uuids.append(gpu.uuid)
    return DeviceChoice(indices=indices, uuids=tuple(uuids))
