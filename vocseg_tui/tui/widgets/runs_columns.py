"""The Runs table's column choice (`v`): a SelectionList of the table's columns in a modal.

Every tick applies at once (the screen behind redraws its table), so the user sees what a
column holds while choosing; escape closes it. The name column always stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static


class ColumnsScreen(ModalScreen[None]):
    """Calls `apply(columns)` with the ticked columns, in the table's order, on every change."""

    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; background: $background 60%; }
    ColumnsScreen #columns { width: 40; height: auto; max-height: 90%; border: thick $primary;
                             background: $surface; padding: 0 1; }
    ColumnsScreen SelectionList { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,v", "close", "Close")]

    def __init__(self, columns: list[tuple[str, str]], chosen: tuple[str, ...],
                 apply: Callable[[tuple[str, ...]], None]) -> None:
        super().__init__()
        self.columns = [(key, label) for key, label in columns if key != "name"]
        self.order = [key for key, _ in columns]
        self.chosen = chosen
        self.apply = apply

    def compose(self) -> ComposeResult:
        with Vertical(id="columns"):
            yield Static("Columns (space ticks, applies at once; escape closes)")
            yield SelectionList[str](*((label, key, key in self.chosen) for key, label in self.columns),
                                     id="columns-list")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        ticked = set(event.selection_list.selected)
        self.apply(tuple(key for key in self.order if key == "name" or key in ticked))

    def action_close(self) -> None:
        self.dismiss(None)
