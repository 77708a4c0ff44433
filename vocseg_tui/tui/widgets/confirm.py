"""The one yes/no question in a modal: overwriting a config, deleting checkpoints, a resume.

y answers yes, n or escape no, and the buttons do the same; the yes button's look says what is at
stake (`error` for what cannot be undone, `warning` for what replaces a file).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

Stake = Literal["primary", "warning", "error"]


class ConfirmScreen(ModalScreen[bool]):
    """Dismissed with True for yes."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; background: $background 60%; }
    ConfirmScreen #confirm { width: 70; height: auto; border: thick $primary; background: $surface;
                             padding: 1 2; }
    ConfirmScreen.-warning #confirm { border: thick $warning; }
    ConfirmScreen.-error #confirm { border: thick $error; }
    ConfirmScreen #confirm-question { margin-bottom: 1; }
    ConfirmScreen #confirm-buttons { height: auto; align-horizontal: right; }
    ConfirmScreen #confirm-buttons Button { margin-left: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No", stake: Stake = "primary") -> None:
        super().__init__(classes=f"-{stake}")
        self.question = question
        self.yes, self.no, self.stake = yes, no, stake

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", id="confirm-yes", variant=self.stake)
                yield Button(f"{self.no} (n)", id="confirm-no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
