"""The GPUs screen: a live view of a shared server, a free-GPU pick, and CPU when there are none.

A periodic read (tui/periodic.py) asks NVML about once a second in a thread worker (NVML calls
block), so the UI thread only redraws; it pauses while the screen is hidden. Confirming sets
`app.device_choice`, which the Recipe screen's scaled LR and the launch follow.

A MIG GPU cannot be selected (the notification says what to do instead), a GPU whose
processes cannot be read can, with a warning, like a colleague's; neither is auto-picked.

Where Slurm is installed and configured (a login node), a Slurm panel below shows the cluster's
partitions, nodes and free GPUs and the user's queue, read every SLURM_REFRESH_S by a second
periodic read; there the local "CPU only" notice shrinks to one line, since the GPUs that
matter are the cluster's. Without Slurm the screen is exactly the local view.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.markup import escape
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fit.check import current_need
from vocseg_tui.core.gpus import (
    DEFAULT_MIN_FREE_GIB,
    GpuHistory,
    GpuMonitor,
    Inventory,
    PickRules,
    auto_pick,
    blocking_users,
    to_device_choice,
    toggle,
)
from vocseg_tui.core.slurm.cluster import ClusterView, read_cluster
from vocseg_tui.core.slurm.cluster import absent as slurm_absent
from vocseg_tui.tui.periodic import Periodic
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.gpu_cells import show_markup
from vocseg_tui.tui.widgets.gpu_detail import GpuDetail
from vocseg_tui.tui.widgets.gpu_slurm import SlurmPanel
from vocseg_tui.tui.widgets.gpu_table import GpuTable

REFRESH_S = 1.0
SLURM_REFRESH_S = 5.0


class GPUsScreen(AreaScreen):
    MODE = "gpus"
    CSS_PATH = "gpus.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_gpu", "Toggle"),
        Binding("a", "auto_pick", "Auto-pick"),
        Binding("plus,equals_sign", "count(1)", "Auto-pick one more", key_display="+", show=False),
        Binding("minus", "count(-1)", "Auto-pick one fewer", key_display="-", show=False),
        Binding("right_square_bracket", "min_free(2)", "Need 2 GiB more free", key_display="]",
                show=False),
        Binding("left_square_bracket", "min_free(-2)", "Need 2 GiB less free", key_display="[",
                show=False),
        Binding("enter", "confirm", "Use selection", priority=True),
        Binding("c", "use_cpu", "Use CPU"),
        Binding("r", "refresh", "Refresh"),
        Binding("s", "toggle_slurm", "Slurm panel / GPU detail (where both exist)", show=False),
    ]

    selected: reactive[frozenset[int]] = reactive(frozenset, init=False)
    pick_count: reactive[int] = reactive(1, init=False)
    min_free_gib: reactive[float] = reactive(DEFAULT_MIN_FREE_GIB, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.monitor = GpuMonitor()
        self.history = GpuHistory()
        self.inventory: Inventory | None = None
        self._last_error = ""
        self.gpu_reads = self.every(REFRESH_S, self.monitor.refresh, self._show_inventory,
                                    self._show_error, what="the GPUs", hint="press r to try again")
        self.slurm: SlurmPanel | None = None
        """The Slurm panel, where Slurm is installed and configured (decided once, at start)."""
        self.slurm_reads: Periodic[ClusterView] | None = None

    @property
    def rules(self) -> PickRules:
        return PickRules(min_free_gib=self.min_free_gib)

    def compose_body(self) -> ComposeResult:
        yield Static("Looking at the GPUs…", id="gpu-status")
        yield GpuTable()
        yield Static("", id="gpu-choice")
        yield GpuDetail(id="gpu-detail")
        if slurm_absent() is None:
            self.slurm = SlurmPanel()
            self.slurm_reads = self.every(SLURM_REFRESH_S, read_cluster, self.slurm.show_view,
                                          self.slurm.show_error, what="Slurm",
                                          hint="press r to try again")
            yield self.slurm

    def on_mount(self) -> None:
        super().on_mount()
        choice = self.vocseg_app.device_choice
        self.set_reactive(GPUsScreen.selected, frozenset(choice.indices))
        self.set_reactive(GPUsScreen.pick_count, max(1, len(choice.indices)))
        self.watch(self.vocseg_app, "device_choice", lambda _: self._show_choice(), init=False)
        if self.slurm is not None:
            self.add_class("-slurm")
        for periodic in self.periodics:
            periodic.start()

    def on_unmount(self) -> None:
        self.monitor.close()

    # Refreshing -----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """`r`: the local GPUs now, and the cluster too where there is a Slurm panel."""
        for periodic in self.periodics:
            periodic.now()

    def _show_error(self, error: VocsegError) -> None:
        text = f"{error.message}\n{error.hint}"
        if text != self._last_error:  # once, not every second while it lasts
            self._last_error = text
            self.notify(text, severity="error", title="GPUs")
            show_markup(self.query_one("#gpu-status", Static), f"[red]{escape(text)}[/red]")

    def _show_inventory(self, inventory: Inventory) -> None:
        self._last_error = ""
        self.inventory = inventory
        self.history.add(inventory)
        if inventory.cpu_only and not self.vocseg_app.device_choice.is_cpu:
            self.vocseg_app.device_choice = DeviceChoice.cpu()
            self.notify("No GPUs are visible any more: training will run on CPU.", severity="warning")
        self._show_all()

    # Drawing ---------------------------------------------------------------------------------

    def _show_all(self) -> None:
        inventory = self.inventory
        if inventory is None:
            return
        status = self.query_one("#gpu-status", Static)
        table = self.query_one(GpuTable)
        detail = self.query_one(GpuDetail)
        cpu_only = inventory.cpu_only
        table.display = not cpu_only
        detail.display = not cpu_only and (self.slurm is None or not self.slurm.display)
        self.set_class(cpu_only, "-cpu-only")
        if cpu_only and self.slurm is not None:  # a login node: the cluster's GPUs are what matter
            show_markup(status, "[b]No local GPUs[/b]: runs here use the CPU; "
                                "`--backend slurm` uses the cluster's.")
        elif cpu_only:
            reason = inventory.cpu_only_reason or "CPU only: this machine has no GPUs"
            show_markup(status, f"[b]{escape(reason)}.[/b]\n"
                                "Training runs on CPU; everything else works as usual.\n"
                                "[dim]On a GPU server, nvidia-smi must work; "
                                "`vocseg-tui doctor` checks the driver.[/dim]")
        else:
            fake = "  [reverse] FAKE GPUs (VOCSEG_FAKE_GPUS) [/]" if inventory.source == "fake" else ""
            found = current_need(self.vocseg_app.project.configs())
            need = found[1] if found else None
            fits = (f"\n{escape(found[0].name)} needs about {found[1].peak_gib:.1f} GiB per GPU "
                    f"(vocseg-tui fit)" if found else "")
            show_markup(status, f"{len(inventory.gpus)} GPUs · driver {inventory.driver} · "
                          f"updated every {REFRESH_S:g} s{fake}{fits}")
            table.show(inventory, self.selected, self.history, self.rules, need)
            self._show_detail()
        self._show_choice()

    def _show_detail(self) -> None:
        if self.inventory is None:
            return
        index = self.query_one(GpuTable).highlighted_index
        gpu = None if index is None else self.inventory.by_index(index)
        self.query_one(GpuDetail).show(gpu, self.history, self.inventory.me)

    def _show_choice(self) -> None:
        current: DeviceChoice = self.vocseg_app.device_choice
        line = f"training on [b]{current.label()}[/b]"
        if self.inventory is not None and not self.inventory.cpu_only:
            picked = ",".join(map(str, sorted(self.selected))) or "none (CPU)"
            pending = "" if tuple(sorted(self.selected)) == current.indices else " (enter to use)"
            line = (f"Selected [b]{picked}[/b]{pending} · auto-pick [b]{self.pick_count}[/b] (+/-) "
                    f"with ≥ [b]{self.min_free_gib:g}[/b] GiB free (\\[ ]) · {line}")
        show_markup(self.query_one("#gpu-choice", Static), line)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "gpu-table":
            self._show_detail()

    def watch_selected(self) -> None:
        self._show_all()

    def watch_pick_count(self) -> None:
        self._show_choice()

    def watch_min_free_gib(self) -> None:
        self._show_all()

    # Actions ---------------------------------------------------------------------------------

    def _gpus_or_warn(self) -> Inventory | None:
        if self.inventory is None or self.inventory.cpu_only:
            self.notify("CPU only: there are no GPUs to choose.", severity="warning")
            return None
        return self.inventory

    def action_toggle_gpu(self) -> None:
        inventory = self._gpus_or_warn()
        index = self.query_one(GpuTable).highlighted_index
        if inventory is None or index is None:
            return
        try:
            self.selected = toggle(self.selected, inventory, index)
        except VocsegError as error:
            self.notify(f"{error.message}\n{error.hint}", severity="error")
            return
        gpu = inventory.by_index(index)
        if gpu is None or index not in self.selected:
            return
        others = blocking_users(gpu, inventory.me)
        if not gpu.processes_known:
            self.notify(f"GPU {index}'s processes are unknown ({gpu.processes_error}): "
                        "a colleague's job may be on it.", severity="warning")
        elif others:
            self.notify(f"GPU {index} is in use by {', '.join(others)}: your job may run out of "
                        "memory or slow theirs.", severity="warning")

    def action_auto_pick(self) -> None:
        inventory = self._gpus_or_warn()
        if inventory is None:
            return
        try:
            self.selected = frozenset(auto_pick(inventory, self.pick_count, self.rules))
        except VocsegError as error:
            self.notify(f"{error.message}\n{error.hint}", severity="warning", timeout=8)
            return
        self.notify(f"Picked GPU {','.join(map(str, sorted(self.selected)))}: enter to use them.")

    def action_count(self, step: int) -> None:
        limit = len(self.inventory.gpus) if self.inventory and self.inventory.gpus else 1
        self.pick_count = min(limit, max(1, self.pick_count + step))

    def action_min_free(self, step: float) -> None:
        self.min_free_gib = max(0.0, self.min_free_gib + step)

    def action_confirm(self) -> None:
        if self.inventory is None:
            return
        try:
            choice = to_device_choice(self.inventory, self.selected)
        except VocsegError as error:
            self.notify(f"{error.message}\n{error.hint}", severity="error")
            return
        self.vocseg_app.device_choice = choice
        if choice.is_cpu:
            self.notify("Training will run on CPU.")
        else:
            self.notify(f"Training will use {choice.label()} "
                        f"(CUDA_VISIBLE_DEVICES={choice.environment()['CUDA_VISIBLE_DEVICES']}).")

    def action_toggle_slurm(self) -> None:
        """Where there are local GPUs and Slurm, the panel and the GPU detail share the space."""
        if self.slurm is None:
            self.notify("No Slurm here: the panel needs sinfo and a slurm.conf.", severity="warning")
            return
        if self.inventory is None or self.inventory.cpu_only:
            return  # a login node has no GPU detail to show instead
        self.slurm.display = not self.slurm.display
        self._show_all()

    def action_use_cpu(self) -> None:
        self.selected = frozenset()
        self.vocseg_app.device_choice = DeviceChoice.cpu()
        self.notify("Training will run on CPU.")
