"""The device choice that flows from the GPUs screen into the recipe and the launch.

A choice is either CPU or a set of GPU indices (NVML numbering, which equals CUDA numbering
only with `CUDA_DEVICE_ORDER=PCI_BUS_ID`, so the launch always sets both variables).
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

    def label(self) -> str:
        return "CPU" if self.is_cpu else "GPU " + ",".join(str(i) for i in self.indices)

    def environment(self) -> dict[str, str]:
        """The variables the training process gets: an empty list hides every GPU."""
        return {
            "CUDA_DEVICE_ORDER": "PCI_BUS_ID",
            "CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in self.indices),
        }
