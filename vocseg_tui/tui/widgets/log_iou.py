"""Per-class IoU of the latest and the best validation, side by side."""

from __future__ import annotations

from textual.widgets import DataTable

from vocseg_tui.core.logs import History, ValEvent


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _label(val: ValEvent | None) -> str:
    if val is None:
        return "—"
    where = f"epoch {val.epoch}" if val.epoch is not None else f"iter {val.iter}"
    return f"{where}, mIoU {_cell(val.miou)}"


class IouTable(DataTable[str]):
    """Class · latest IoU · latest Acc · best IoU · best Acc (absent classes show —)."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True

    def draw(self, history: History) -> None:
        latest, best = history.latest_val, history.best_val
        self.clear(columns=True)
        self.add_column("Class", key="class")
        self.add_column(f"IoU · latest ({_label(latest)})", key="latest_iou")
        self.add_column("Acc", key="latest_acc")
        self.add_column(f"IoU · best ({_label(best)})", key="best_iou")
        self.add_column("Acc ", key="best_acc")
        latest_by = {c.name: c for c in latest.classes} if latest else {}
        best_by = {c.name: c for c in best.classes} if best else {}
        names = list(latest_by) or list(best_by)
        for name in names:
            lc, bc = latest_by.get(name), best_by.get(name)
            self.add_row(name, _cell(lc.iou if lc else None), _cell(lc.acc if lc else None),
                         _cell(bc.iou if bc else None), _cell(bc.acc if bc else None), key=name)
        if not names:
            self.add_row("no per-class table logged yet", "", "", "", "")
