"""The device choice that flows from the GPUs screen (or `--gpus`) into the recipe and the launch.

A choice is either CPU or a set of GPUs: their NVML indices (what nvidia-smi and the GPUs screen
show) and, when known, their UUIDs. `environment()` is the one place that turns a choice into
the variables a training process gets:

- GPUs whose UUIDs are all known are pinned by UUID (`CUDA_VISIBLE_DEVICES=GPU-...,GPU-...`):
  NVML's index need not match CUDA's, and may change between reboots, but a UUID names the
  board. `CUDA_DEVICE_ORDER=PCI_BUS_ID` is set too, so the order inside the process is the bus
  order nvidia-smi shows;
- otherwise by index, with `CUDA_DEVICE_ORDER=PCI_BUS_ID` (CUDA's default order is fastest
  first, where index 6 need not be nvidia-smi's GPU 6);
- CPU hides every GPU (`CUDA_VISIBLE_DEVICES=""`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceChoice:
    """CPU (no indices) or the GPUs to train on, with their UUIDs when known."""

    indices: tuple[int, ...] = ()
    uuids: tuple[str, ...] = ()

    @classmethod
    def cpu(cls) -> DeviceChoice:
        return cls()

    @property
    def is_cpu(self) -> bool:
        return not self.indices

    @property
    def processes(self) -> int:
        """How many training processes the choice means (one per GPU; one on CPU)."""
        return max(1, len(self.indices))

    @property
    def pinned_by_uuid(self) -> bool:
        """True when every chosen GPU's UUID is known (and so the board, not a number, is pinned)."""
        return bool(self.indices) and len(self.uuids) == len(self.indices) and all(self.uuids)

    def label(self) -> str:
        return "CPU" if self.is_cpu else "GPU " + ",".join(str(i) for i in self.indices)

    def environment(self) -> dict[str, str]:
        """The variables the training process gets (the one place that builds them)."""
        if self.is_cpu:
            return {"CUDA_VISIBLE_DEVICES": ""}
        visible = self.uuids if self.pinned_by_uuid else tuple(str(i) for i in self.indices)
        return {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": ",".join(visible)}
