"""Where a one-process child (an evaluation, the demo's inference worker) runs.

Training spreads over every chosen GPU; evaluation and the demo are one process, so they run
on the choice's first GPU only, pinned through `DeviceChoice.environment()` (the one place that
builds CUDA_VISIBLE_DEVICES / CUDA_DEVICE_ORDER) and therefore seen by the child as `cuda:0`.
CPU hides every GPU (an inherited CUDA_VISIBLE_DEVICES never leaks through), so "CPU" is
really CPU. The child must be *started* with that environment: CUDA reads CUDA_VISIBLE_DEVICES
once, when it initialises, so a change of device means a new process.

The command-line spellings (`--device cpu|cuda|cuda:N`, `--gpus cpu|N[,M]`) name GPUs by their
NVML index, the number `vocseg-tui gpus` and the GPUs area show; they are checked against the
inventory here, so a GPU that does not exist is refused before any process starts.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.gpus.model import Inventory

_DEVICE = re.compile(r"^(cpu|cuda(?::(\d+))?)$")


class PlacementError(VocsegError):
    """A device that cannot be used: unknown spelling, no such GPU, a GPU that cannot run."""


@dataclass(frozen=True)
class Placement:
    """CPU, or exactly one GPU, for a process that uses one device."""

    choice: DeviceChoice = field(default_factory=DeviceChoice.cpu)
    """CPU or a single GPU: what `environment()` pins."""
    left_out: tuple[int, ...] = ()
    """GPUs of the original choice this one-process child does not use."""

    @classmethod
    def cpu(cls) -> Placement:
        return cls()

    @property
    def is_cpu(self) -> bool:
        return self.choice.is_cpu

    @property
    def device(self) -> str:
        """The torch device inside the child: the one pinned GPU is always its `cuda:0`."""
        return "cpu" if self.is_cpu else "cuda:0"

    @property
    def kind(self) -> str:
        """`cpu` or `cuda`: what tools/test.py's `--device` is told."""
        return "cpu" if self.is_cpu else "cuda"

    def environment(self) -> dict[str, str]:
        return self.choice.environment()

    @property
    def visible_devices(self) -> str:
        return self.environment()["CUDA_VISIBLE_DEVICES"]

    def label(self) -> str:
        """`CPU`, `GPU 2`, or `GPU 2 (first of 2,3)`."""
        if not self.left_out:
            return self.choice.label()
        everything = sorted((*self.choice.indices, *self.left_out))
        return f"{self.choice.label()} (first of {','.join(map(str, everything))})"


def one_process(choice: DeviceChoice) -> Placement:
    """The placement of a one-process child for a device choice: its first GPU, or CPU."""
    if choice.is_cpu:
        return Placement.cpu()
    first = dataclasses.replace(choice, indices=choice.indices[:1], uuids=choice.uuids[:1])
    return Placement(first, left_out=choice.indices[1:])


def resolve_gpus(indices: tuple[int, ...], inventory: Inventory) -> DeviceChoice:
    """The choice of these NVML indices with their UUIDs (selection.choose's checks: each GPU
    exists and can run at all; a busy one is the user's call)."""
    from vocseg_tui.core.gpus.selection import SelectionError, choose

    try:
        return choose(inventory, indices)
    except SelectionError as error:
        raise PlacementError(error.message, error.hint) from error


def parse_device(text: str, inventory: Callable[[], Inventory] | None = None) -> Placement:
    """`cpu`, `cuda` (GPU 0 in NVML order) or `cuda:N` (NVML index N, as `vocseg-tui gpus`
    numbers them), pinned; the inventory is only taken for a GPU."""
    match = _DEVICE.match(text.strip().lower())
    if match is None:
        raise PlacementError(f"unknown device {text!r}",
                             "use cpu, cuda (GPU 0) or cuda:N (N as `vocseg-tui gpus` numbers them)")
    if match.group(1) == "cpu":
        return Placement.cpu()
    index = int(match.group(2) or 0)
    return one_process(resolve_gpus((index,), _take(inventory)))


def parse_gpus(text: str, inventory: Callable[[], Inventory] | None = None) -> DeviceChoice:
    """`--gpus cpu` or `--gpus N[,M...]` (NVML indices), checked and with their UUIDs; a
    one-process child then takes the first (`one_process`)."""
    if text.strip().lower() == "cpu":
        return DeviceChoice.cpu()
    try:
        indices = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        indices = ()
    if not indices or min(indices) < 0:
        raise PlacementError(f"--gpus {text!r} is not a list of GPU indices", "e.g. --gpus 0 or --gpus cpu")
    return resolve_gpus(indices, _take(inventory))


def _take(inventory: Callable[[], Inventory] | None) -> Inventory:
    if inventory is not None:
        return inventory()
    from vocseg_tui.core.gpus.monitor import take_inventory

    return take_inventory()
