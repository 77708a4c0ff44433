"""The recipe form: one row per field (label, input, error line), reporting raw text upward.

The form does not parse anything: it posts `RecipeForm.Changed` with the text of every field
and shows the per-field errors the screen hands back, so all rules live in the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

from vocseg_tui.core.recipe.model import ARCHS, BACKBONES, Recipe


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "input"  # "input" | "select" | "switch"
    options: tuple[str, ...] = ()
    placeholder: str = ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "name", placeholder="config file name"),
    FieldSpec("gpus", "GPUs", placeholder="N, or cpu"),
    FieldSpec("batch_per_gpu", "images/GPU"),
    FieldSpec("base_lr", "base LR", placeholder="0.01"),
    FieldSpec("base_batch", "…at batch", placeholder="16"),
    FieldSpec("max_epochs", "epochs"),
    FieldSpec("val_interval", "val every"),
    FieldSpec("ckpt_interval", "ckpt every"),
    FieldSpec("max_keep_ckpts", "keep ckpts", placeholder="-1 = all"),
    FieldSpec("crop", "crop", placeholder="512x512"),
    FieldSpec("arch", "model", "select", ARCHS),
    FieldSpec("backbone", "backbone", "select", BACKBONES),
    FieldSpec("pretrained", "weights", placeholder="empty = none; URL or .pth"),
    FieldSpec("amp", "AMP", "switch"),
    FieldSpec("nan_guard", "NaN guard", "switch"),
    FieldSpec("patience", "patience", placeholder="validations without gain; 0 = off"),
    FieldSpec("num_workers", "workers"),
    FieldSpec("seed", "seed"),
    FieldSpec("work_dir", "work dir"),
    FieldSpec("dataset_size", "images", placeholder="from split lists"),
)


def field_text(recipe: Recipe, name: str) -> str:
    value = getattr(recipe, name)
    if name == "gpus":
        return "cpu" if value == 0 else str(value)
    if name == "crop":
        return f"{value[0]}x{value[1]}"
    if value is None:
        return ""
    return str(value)


class RecipeForm(VerticalScroll):
    """Inputs for every recipe field; errors shown under the field they belong to."""

    @dataclass
    class Changed(Message):
        values: dict[str, str]
        """The raw text of every field (switches as "true"/"false")."""

    def __init__(self, recipe: Recipe, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._recipe = recipe
        self._quiet = False

    def compose(self) -> ComposeResult:
        for spec in FIELDS:
            with Horizontal(classes="recipe-row", id=f"row-{spec.name}"):
                yield Label(spec.label, classes="recipe-label")
                yield self._widget(spec)
            yield Static("", classes="recipe-error", id=f"error-{spec.name}")

    def _widget(self, spec: FieldSpec) -> Widget:
        wid = f"field-{spec.name}"
        if spec.kind == "select":
            return Select([(o, o) for o in spec.options], value=getattr(self._recipe, spec.name),
                          allow_blank=False, id=wid, compact=True)
        if spec.kind == "switch":
            return Switch(value=bool(getattr(self._recipe, spec.name)), id=wid)
        return Input(field_text(self._recipe, spec.name), placeholder=spec.placeholder, id=wid,
                     compact=True, select_on_focus=False)

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for spec in FIELDS:
            widget = self.query_one(f"#field-{spec.name}")
            if isinstance(widget, Input):
                out[spec.name] = widget.value
            elif isinstance(widget, Select):
                out[spec.name] = str(widget.value)
            elif isinstance(widget, Switch):
                out[spec.name] = "true" if widget.value else "false"
        return out

    def set_field(self, name: str, text: str) -> None:
        """Set one field as if typed (posts Changed)."""
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, (Input, Select)):
            widget.value = text
        elif isinstance(widget, Switch):
            widget.value = text == "true"

    def load(self, recipe: Recipe) -> None:
        for spec in FIELDS:
            text = field_text(recipe, spec.name)
            if spec.kind == "switch":
                text = "true" if getattr(recipe, spec.name) else "false"
            self.set_field(spec.name, text)

    def show_errors(self, errors: dict[str, str]) -> None:
        for spec in FIELDS:
            message = errors.get(spec.name, "")
            self.query_one(f"#error-{spec.name}", Static).update(message)
            self.query_one(f"#error-{spec.name}").set_class(bool(message), "-shown")
            self.query_one(f"#field-{spec.name}").set_class(bool(message), "-invalid")

    def _changed(self) -> None:
        self.post_message(self.Changed(self.values()))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._changed()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        event.stop()
        self._changed()
