"""Asking before a config file is overwritten."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmOverwrite(ModalScreen[bool]):
    """y overwrites, n or escape keeps the file as it is."""

    DEFAULT_CSS = """
    ConfirmOverwrite { align: center middle; }
    #confirm-box { width: 50; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    #confirm-buttons { height: auto; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Overwrite"),
        Binding("n,escape", "answer(False)", "Keep"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(f"{self.path.name} already exists.\nOverwrite it? (y / n)", id="confirm-text")
            with Horizontal(id="confirm-buttons"):
                yield Button("Overwrite (y)", variant="warning", id="confirm-yes")
                yield Button("Keep (n)", id="confirm-no")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")
