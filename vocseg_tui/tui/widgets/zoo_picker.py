"""The zoo picker of the Recipe area: every VOC-aug model of the installed mmseg, filtered as
you type; Enter picks one, Escape closes.

The list comes from the wheel's metafiles (core/zoo), read in a thread: the first read parses
the YAML files (later ones hit a cache), and the dialog opens at once with "reading…".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.zoo import ZooModel, list_models


@dataclass
class ZooListed(Message):
    """The zoo was read (or could not be: `error`)."""

    models: list[ZooModel]
    error: str = ""


def _number(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def model_line(model: ZooModel) -> Text:
    """One row: name, backbone, crop, official schedule, published mIoU and memory."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{model.name:<46} ", style="bold")
    line.append(f"{model.backbone:<10} {model.crop[0]}x{model.crop[1]:<4} "
                f"{model.iters // 1000}k×{model.batch:<3} ")
    line.append(f"mIoU {_number(model.miou):<6} ", style="green")
    line.append(f"mem {_number(model.memory_gb, ' GB')}", style="dim")
    return line


def matches(model: ZooModel, words: list[str]) -> bool:
    """Every word of the filter is in the model's name, family, method or backbone."""
    text = f"{model.name} {model.family} {model.collection} {model.backbone}".lower()
    return all(word in text for word in words)


class ZooPicker(ModalScreen[str | None]):
    """Dismissed with the chosen model's name, or None."""

    DEFAULT_CSS = """
    ZooPicker { align: center middle; }
    #zoo-dialog {
        width: 96%; max-width: 110; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    #zoo-title { height: 2; }
    #zoo-list { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, launch: str) -> None:
        super().__init__()
        self.launch = launch
        """The launch the config is written for ("2 GPUs x 4"), said in the title."""
        self.models: list[ZooModel] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="zoo-dialog"):
            yield Static(f"[b]From the model zoo[/b]: an epoch-based config for {self.launch}, "
                         "written to configs/\n[dim]type to filter · ↑↓ · Enter writes it · Esc closes[/]",
                         id="zoo-title")
            yield Input(placeholder="filter: deeplabv3plus r101, hrnet, 40k …", id="zoo-filter")
            yield OptionList(Option("reading the zoo of the installed mmseg…", disabled=True),
                             id="zoo-list")

    def on_mount(self) -> None:
        self._read()

    @work(thread=True, exit_on_error=False)
    def _read(self) -> None:
        try:
            self.post_message(ZooListed(list_models()))
        except VocsegError as error:
            said = f"{error.message} ({error.hint})" if error.hint else error.message
            self.post_message(ZooListed([], said))

    def on_zoo_listed(self, message: ZooListed) -> None:
        self.models = message.models
        if message.error:
            options = self.query_one(OptionList)
            options.clear_options()
            options.add_option(Option(Text(message.error, style="red"), disabled=True))
            return
        self._show(self.query_one(Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.models:
            self._show(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        index = options.highlighted if options.highlighted is not None else 0
        if options.option_count and not options.get_option_at_index(index).disabled:
            self.dismiss(options.get_option_at_index(index).id)

    def _show(self, text: str) -> None:
        words = text.lower().split()
        shown = [m for m in self.models if matches(m, words)]
        options = self.query_one(OptionList)
        options.clear_options()
        if not shown:
            options.add_option(Option(f"no zoo model matches {text!r}", disabled=True))
            return
        options.add_options(Option(model_line(m), id=m.name) for m in shown)
        options.highlighted = 0

    def on_key(self, event: events.Key) -> None:
        """↑ and ↓ move in the list while the filter keeps the focus."""
        if event.key in ("up", "down"):
            options = self.query_one(OptionList)
            (options.action_cursor_up if event.key == "up" else options.action_cursor_down)()
            event.stop()
            event.prevent_default()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
