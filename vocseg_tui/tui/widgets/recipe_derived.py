"""The derived panel: what the recipe means in batches, LR, iterations and time."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from vocseg_tui.core.recipe.derive import Derived
from vocseg_tui.core.recipe.eta import Eta
from vocseg_tui.core.recipe.model import Recipe
from vocseg_tui.core.recipe.weights import WeightsStatus


class DerivedPanel(Static):
    """Recomputed on every valid change of the form; dimmed while the form has errors."""

    def show(self, recipe: Recipe, derived: Derived, eta: Eta | None, weights: WeightsStatus, *,
             measuring: bool = False, memory: str | None = None, target: str | None = None) -> None:
        """`eta` None: no run of this model in the work dir measured its speed (yet, while
        `measuring`: the runs there are being read). `memory`: the peak memory estimate of
        this exact config where one was made (`vocseg-tui fit`), else no row. `target`: the
        published mIoU of the official schedule this recipe matches, else no row."""
        self.remove_class("-stale")
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("total batch", f"{derived.total_batch} = {derived.processes}×{recipe.batch_per_gpu}")
        scaling = f"{recipe.base_lr:g}×{derived.total_batch}/{recipe.base_batch}"
        table.add_row("LR", f"{derived.lr:.6g} = {scaling}")
        table.add_row("iters/epoch", f"{derived.iters_per_epoch:,} ({recipe.dataset_size:,} img)")
        table.add_row("total iters", f"{derived.total_iters:,}")
        table.add_row("40k sched", f"{derived.epochs_equiv_40k:.1f} ep (20k {derived.epochs_equiv_20k:.1f})")
        if target is not None:
            table.add_row("target", target)
        if eta is not None:
            table.add_row("ETA", eta.label())
        else:
            table.add_row("ETA", Text("measuring…" if measuring else
                                      f"not measured for {recipe.arch} yet", "dim"))
        if memory is not None:
            table.add_row("memory", memory)
        style = {"download": "yellow", "missing": "red", "unknown": "yellow"}.get(weights.kind, "green")
        table.add_row("weights", Text(_short_weights(weights), style))
        self.update(table)

    def stale(self, count: int) -> None:
        self.add_class("-stale")
        self.update(Text(f"{count} field(s) to fix: derived values wait for valid input", "bold red"))


def _short_weights(status: WeightsStatus) -> str:
    if status.kind == "download":
        return "download at launch!"
    if status.kind == "cached":
        return "cached"
    if status.kind == "none":
        return "none (random init)"
    return status.message
