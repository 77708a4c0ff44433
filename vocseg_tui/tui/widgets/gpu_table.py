"""The list of GPUs: one row each, kept in place between refreshes so the cursor stays put."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from vocseg_tui.core.fit import FitEstimate
from vocseg_tui.core.gpus import GpuHistory, GpuInfo, Inventory, PickRules
from vocseg_tui.tui.widgets.gpu_cells import memory_cell, spark, state_cell, util_cell

# The state (free, whose, failed) comes before the history so it stays visible at 80 columns.
COLUMNS = (("gpu", "GPU"), ("name", "name"), ("memory", "memory GiB"), ("util", "util"),
           ("state", "state"), ("history", "history"), ("temp", "temp"), ("power", "power"))
HISTORY_WIDTH = 8


class GpuTable(DataTable[Text]):
    """Rows keyed by GPU index. `show` rewrites the cells; rows are rebuilt only when the set
    of GPUs changes, which keeps the highlighted row where the user left it."""

    def __init__(self) -> None:
        super().__init__(id="gpu-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def highlighted_index(self) -> int | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(row_key.value or 0)

    def show(self, inventory: Inventory, selected: frozenset[int], history: GpuHistory,
             rules: PickRules, need: FitEstimate | None = None) -> None:
        """`need`: the current recipe's memory estimate; a GPU with less free shows "won't fit"."""
        keys = [str(g.index) for g in inventory.gpus]
        if [str(k.value) for k in self.rows] != keys:
            cursor = self.cursor_row
            self.clear()
            for gpu in inventory.gpus:
                self.add_row(*self._cells(gpu, selected, history, rules, inventory.me, need),
                             key=str(gpu.index))
            if self.row_count:
                self.move_cursor(row=min(cursor, self.row_count - 1))
            return
        for gpu in inventory.gpus:
            cells = self._cells(gpu, selected, history, rules, inventory.me, need)
            for (column, _), value in zip(COLUMNS, cells, strict=True):
                if self.get_cell(str(gpu.index), column) != value:  # most cells stay the same
                    self.update_cell(str(gpu.index), column, value)

    @staticmethod
    def _cells(gpu: GpuInfo, selected: frozenset[int], history: GpuHistory, rules: PickRules,
               me: str, need: FitEstimate | None = None) -> list[Text]:
        mark = Text("●", style="bold magenta") if gpu.index in selected else Text(" ")
        number = mark + Text(f"{gpu.index:>3}")
        if not gpu.ok:
            blank = Text("")
            return [number, Text(gpu.short_name[:14]), blank, blank, state_cell(gpu, rules, me),
                    blank, blank, blank]
        temp = "" if gpu.temperature is None else f"{gpu.temperature}°C"
        power = "" if gpu.power is None else f"{gpu.power:.0f}W"
        state = state_cell(gpu, rules, me)
        if need is not None and not need.fits(gpu.memory_free):
            state.append(" won't fit", style="bold red")
        return [number, Text(gpu.short_name[:14]), memory_cell(gpu), util_cell(gpu), state,
                spark(history.util(gpu.uuid or str(gpu.index)), HISTORY_WIDTH),
                Text(temp.rjust(4)), Text(power.rjust(4))]
