"""The launch dialog: which config, on the devices chosen in the GPUs area, how to run it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from vocseg_tui.core.devices import DeviceChoice


@dataclass(frozen=True)
class BackendOffer:
    """A launch back end as the dialog offers it (`reason`: why it cannot be used here)."""

    name: str
    description: str
    reason: str | None = None


@dataclass(frozen=True)
class LaunchChoice:
    config: Path
    backend: str
    queue: bool
    retries: int
    force: bool = False


class LaunchDialog(ModalScreen[LaunchChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, configs: list[Path], devices: DeviceChoice, backends: list[BackendOffer]) -> None:
        super().__init__()
        self.configs = configs
        self.devices = devices
        self.backends = backends

    def compose(self) -> ComposeResult:
        with Vertical(id="launch-dialog"):
            yield Static("[b]Launch training[/b]", id="launch-title")
            yield Label("Config")
            yield Select([(p.name, p) for p in self.configs], allow_blank=not self.configs,
                         value=self.configs[0] if self.configs else Select.BLANK, id="launch-config")
            yield Static(f"Devices: [b]{self.devices.label()}[/b]  (change them in the GPUs area, key 2)",
                         id="launch-devices")
            usable = [b for b in self.backends if b.reason is None]
            yield Label("Runs")
            yield Select([(f"{b.name}: {b.description}", b.name) for b in usable], allow_blank=not usable,
                         value=usable[0].name if usable else Select.BLANK, id="launch-backend")
            for offer in self.backends:
                if offer.reason:
                    yield Static(f"[dim]{offer.name}: {offer.reason}[/dim]")
            yield Checkbox("Queue: wait until these devices are free", id="launch-queue")
            yield Checkbox("Train on GPUs another user is on (otherwise refused)", id="launch-force")
            with Horizontal(id="launch-retries-row"):
                yield Label("Retries after a crash worth retrying ")
                yield Input("0", type="integer", id="launch-retries", max_length=2)
            with Horizontal(id="launch-buttons"):
                yield Button("Launch", variant="primary", id="launch-go")
                yield Button("Cancel", id="launch-cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "launch-cancel":
            self.dismiss(None)
            return
        self._launch()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the last field launches, like the Launch button."""
        self._launch()

    def _launch(self) -> None:
        config = self.query_one("#launch-config", Select).value
        if not isinstance(config, Path):
            self.notify("Pick a config first (the project's configs/ folder is empty?)", severity="error")
            return
        backend = self.query_one("#launch-backend", Select).value
        if not isinstance(backend, str):
            self.notify("No back end can be used here", severity="error")
            return
        retries_text = self.query_one("#launch-retries", Input).value or "0"
        self.dismiss(LaunchChoice(config, backend, self.query_one("#launch-queue", Checkbox).value,
                                  int(retries_text), self.query_one("#launch-force", Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
