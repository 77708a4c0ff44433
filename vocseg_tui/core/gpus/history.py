"""The last minute or so of each GPU's utilisation and memory, for the sparklines.

Kept per UUID (not per index) so a GPU that fails and comes back keeps its own past, and
bounded, so a screen left open for days uses constant memory.
"""

from __future__ import annotations

from collections import deque

from vocseg_tui.core.gpus.model import Inventory

HISTORY_LENGTH = 60


class GpuHistory:
    def __init__(self, length: int = HISTORY_LENGTH) -> None:
        self.length = length
        self._util: dict[str, deque[float]] = {}
        self._memory: dict[str, deque[float]] = {}

    def add(self, inventory: Inventory) -> None:
        for gpu in inventory.gpus:
            if not gpu.ok:
                continue
            key = gpu.uuid or str(gpu.index)
            self._util.setdefault(key, deque(maxlen=self.length)).append(float(gpu.gpu_util or 0))
            self._memory.setdefault(key, deque(maxlen=self.length)).append(gpu.memory_percent)

    def util(self, key: str) -> list[float]:
        """Utilisation in percent, oldest first."""
        return list(self._util.get(key, ()))

    def memory(self, key: str) -> list[float]:
        """Memory used in percent of the total, oldest first."""
        return list(self._memory.get(key, ()))
