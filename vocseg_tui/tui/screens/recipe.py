"""The Recipe screen: a form whose derived values update as you type, the validator's
findings inline, a preview of the config, a diff against mmseg's shipped one, a raw editor.

Parsing, arithmetic, rendering and validation all live in `vocseg_tui.core.recipe`; the
screen wires them up. Validation resolves the config with mmengine in a child process, so it
runs in a thread worker, debounced, and never blocks typing; the measured speed behind the ETA
is read from the work dir's runs in a thread worker too, once per work dir and model.

Switching the model resets what belongs to it (base LR at its base batch, weights; see
`model_defaults`) and the ETA follows: a speed measured for the other model is not shown.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane, TextArea

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fit import cached_estimate
from vocseg_tui.core.recipe import (
    Recipe,
    dataset_size_from_lists,
    derive,
    recipe_from_strings,
    recipe_from_text,
    render_config,
    starting_recipe,
    write_config,
)
from vocseg_tui.core.recipe.check import check_text, diff_against_shipped
from vocseg_tui.core.recipe.eta import Eta, seconds_per_iter
from vocseg_tui.core.recipe.loader import ConfigLoader
from vocseg_tui.core.recipe.model import ARCHS, MATCHING_WEIGHTS, model_defaults
from vocseg_tui.core.recipe.validate import Finding, has_errors
from vocseg_tui.core.recipe.weights import weights_status
from vocseg_tui.core.zoo.build import ZooConfig, build_from_zoo, config_name
from vocseg_tui.core.zoo.model import SCHEDULE_RE
from vocseg_tui.core.zoo.target import published_miou, recipe_target
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.confirm import ConfirmScreen
from vocseg_tui.tui.widgets.recipe_derived import DerivedPanel
from vocseg_tui.tui.widgets.recipe_findings import FindingsPanel
from vocseg_tui.tui.widgets.recipe_form import RecipeForm
from vocseg_tui.tui.widgets.zoo_picker import ZooPicker

DEBOUNCE_S = 0.4


@dataclass
class Checked(Message):
    """A validation finished (for the text it was started with)."""

    text: str
    findings: list[Finding] | None
    error: str = ""
    save_to: Path | None = None


@dataclass
class Measured(Message):
    """The training speed measured in a work dir for a model (None: no run of it there)."""

    key: tuple[str, str]
    speed: tuple[float, Path] | None


@dataclass
class PublishedRead(Message):
    """The published mIoU of zoo model `name` (None: not published, or no zoo here)."""

    name: str
    miou: float | None


@dataclass
class ZooWritten(Message):
    """A zoo model's config was written (or not: `error`, with its hint)."""

    config: ZooConfig | None
    error: VocsegError | None = None


@dataclass
class Diffed(Message):
    lines: list[str] | None
    error: str = ""


class RecipeScreen(AreaScreen):
    MODE = "recipe"
    CSS_PATH = "recipe.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save config"),
        Binding("ctrl+f", "fix_weights", "Fix weights"),
        Binding("ctrl+o", "from_zoo", "From zoo"),
        Binding("f2", "show_tab('form')", "Form"),
        Binding("f3", "show_tab('preview')", "Preview"),
        Binding("f4", "show_tab('diff')", "Diff"),
        Binding("f5", "show_tab('editor')", "Raw editor"),
        Binding("escape", "leave_field", "Leave field", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.recipe = Recipe()
        self.errors: dict[str, str] = {}
        self.findings: list[Finding] | None = None
        self._checked_text = ""
        self._debounce: Timer | None = None
        self._editor_loaded_for: str | None = None
        self._form_arch = ""
        """The model the form showed last: a Changed naming another one is a model switch."""
        self._speeds: dict[tuple[str, str], tuple[float, Path] | None] = {}
        """Seconds per iteration (and the scalars file) by (work dir, model), read by a worker."""
        self._measuring: set[tuple[str, str]] = set()
        self.loader = ConfigLoader()
        self._published: dict[str, float | None] = {}
        """Published mIoU by zoo model, read from the metafiles by a worker once per model."""
        self._reading_published: set[str] = set()
        """One long-lived mmengine child for all checks of this screen (closed on unmount)."""

    # Building ---------------------------------------------------------------------------------

    def _initial_recipe(self) -> Recipe:
        project = self.vocseg_app.project
        choice: DeviceChoice = self.vocseg_app.device_choice
        size = dataset_size_from_lists(project.voc_root)
        base = starting_recipe(project.configs_dir, project.configs()) or Recipe()
        return base.with_changes(gpus=0 if choice.is_cpu else len(choice.indices), dataset_size=size,
                                 amp=base.amp and not choice.is_cpu)

    def compose_body(self) -> ComposeResult:
        self.recipe = self._initial_recipe()
        self._form_arch = self.recipe.arch
        with TabbedContent(initial="form", id="recipe-tabs"):
            with TabPane("Form", id="form"), Horizontal(id="recipe-main"):
                yield RecipeForm(self.recipe, id="recipe-form")
                with VerticalScroll(id="recipe-side"):
                    yield DerivedPanel(id="recipe-derived")
                    yield FindingsPanel(id="recipe-findings")
            with TabPane("Preview", id="preview"):
                yield TextArea(render_config(self.recipe), language="python", read_only=True,
                               id="recipe-preview", show_line_numbers=True)
            with TabPane("Diff", id="diff"), VerticalScroll():
                yield Static("the diff against mmseg's shipped UPerNet-R50 VOC config appears here",
                             id="recipe-diff")
            with TabPane("Editor", id="editor"), Vertical():
                yield Static("", id="recipe-editor-status")
                yield TextArea("", language="python", id="recipe-editor", show_line_numbers=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.watch(self.app, "device_choice", self._device_changed, init=False)
        self._refresh_derived()
        self._schedule_check()

    def on_unmount(self) -> None:
        self.loader.close()

    def on_screen_suspend(self) -> None:
        """A hidden screen keeps no mmengine child (~200 MB) alive; it restarts on return."""
        if self._debounce is not None:
            self._debounce.pause()
        self.loader.release()

    def on_screen_resume(self) -> None:
        if self._debounce is not None:
            self._debounce.resume()
        elif self.is_mounted and self.findings is None:
            self._schedule_check()
        key = (self.recipe.work_dir, self.recipe.arch)
        if key in self._speeds and key not in self._measuring:  # a run may have measured it since
            self._measuring.add(key)
            self._measure(key)

    @property
    def check_pending(self) -> bool:
        """A validation waits for its debounce (typing stopped less than DEBOUNCE_S ago)."""
        return self._debounce is not None

    @property
    def form(self) -> RecipeForm:
        return self.query_one(RecipeForm)

    @property
    def config_path(self) -> Path:
        return self.app.project.configs_dir / f"{self.recipe.name}.py"  # type: ignore[attr-defined,no-any-return]

    # Form -> recipe -----------------------------------------------------------------------------

    def _device_changed(self, choice: DeviceChoice) -> None:
        self.form.set_field("gpus", "cpu" if choice.is_cpu else str(len(choice.indices)))
        if choice.is_cpu:
            self.form.set_field("amp", "false")

    def _follow_model(self, values: dict[str, str]) -> dict[str, str]:
        """On a switch of the model field, reset the fields that belong to the model."""
        arch = values.get("arch", self._form_arch)
        if arch == self._form_arch or arch not in ARCHS:
            return values
        self._form_arch = arch
        reset = {name: "" if value is None else str(value)
                 for name, value in model_defaults(arch, values.get("backbone", "")).items()}
        changed = {name: text for name, text in reset.items() if values.get(name) != text}
        for name, text in changed.items():
            self.form.set_field(name, text)
        if changed:
            self.notify(f"model {arch}: base LR {reset['base_lr']} at batch {reset['base_batch']}, "
                        f"weights {reset['pretrained'] or 'none (from scratch)'}", title="Recipe")
        return {**values, **reset}

    def on_recipe_form_changed(self, message: RecipeForm.Changed) -> None:
        recipe, errors = recipe_from_strings(self.recipe, self._follow_model(message.values))
        was_invalid, self.errors = bool(self.errors), errors
        self.form.show_errors(errors)
        if recipe is None:
            self.query_one(DerivedPanel).stale(len(errors))
            if self._debounce is not None:  # a check of a half-typed value is of no use
                self._debounce.stop()
                self._debounce = None
            self.query_one(FindingsPanel).waiting()
            return
        if recipe.work_dir != message.values.get("work_dir", recipe.work_dir):
            self.form.set_field("work_dir", recipe.work_dir)  # the default work dir follows the name
        if recipe != self.recipe:
            self.recipe = recipe
            self._refresh_derived()
            self._schedule_check()
        elif was_invalid:  # back to the recipe in force: its findings still hold
            self._refresh_derived()
            if self.findings is not None and self._checked_text == render_config(recipe):
                self.query_one(FindingsPanel).show(self.findings)
            else:
                self._schedule_check()

    def _refresh_derived(self) -> None:
        project = self.vocseg_app.project
        derived = derive(self.recipe)
        key = (self.recipe.work_dir, self.recipe.arch)
        measuring = key not in self._speeds
        if measuring and key not in self._measuring:
            self._measuring.add(key)
            self._measure(key)
        speed = self._speeds.get(key)
        eta = Eta(speed[0], speed[0] * derived.total_iters, speed[1]) if speed else None
        estimate = cached_estimate(render_config(self.recipe).encode())  # no child: only a cached one
        memory = f"about {estimate.peak_gib:.2g} GiB per GPU" if estimate else None
        self.query_one(DerivedPanel).show(self.recipe, derived, eta,
                                          weights_status(self.recipe.pretrained, project.root),
                                          measuring=measuring, memory=memory, target=self._target())
        if self._active_tab() == "preview":
            self._load_preview()

    def _target(self) -> str | None:
        """"75.92 mIoU (mmseg, 40k)" for a recipe that matches a published schedule; the first
        time for a model its figure is read by a worker and the panel redrawn."""
        name = recipe_target(self.recipe)
        if not name:
            return None
        if name not in self._published:
            if name not in self._reading_published:
                self._reading_published.add(name)
                self._read_published(name)
            return "reading mmseg's metafiles…"
        miou = self._published[name]
        found = SCHEDULE_RE.search(name)  # upernet_r50_4xb4-40k_voc12aug-512x512: 40k
        schedule = f"{found.group(3)}k" if found else "official"
        return f"{miou} mIoU (mmseg, {schedule})" if miou is not None else f"unpublished ({schedule})"

    @work(thread=True, group="recipe-target", exit_on_error=False)
    def _read_published(self, name: str) -> None:
        self.post_message(PublishedRead(name, published_miou(name)))

    def on_published_read(self, message: PublishedRead) -> None:
        self._published[message.name] = message.miou
        self._reading_published.discard(message.name)
        if not self.errors:
            self._refresh_derived()

    @work(thread=True, group="recipe-eta", exit_on_error=False)
    def _measure(self, key: tuple[str, str]) -> None:
        """Read the speed runs of this model measured in the work dir (off the UI thread);
        always answers, so the panel never stays at "measuring…"."""
        work_dir, arch = key
        speed = None
        try:
            speed = seconds_per_iter(self.vocseg_app.project.root / work_dir, arch)
        finally:
            self.post_message(Measured(key, speed))

    def on_measured(self, message: Measured) -> None:
        self._measuring.discard(message.key)
        self._speeds[message.key] = message.speed
        if message.key == (self.recipe.work_dir, self.recipe.arch) and not self.errors:
            self._refresh_derived()

    def _load_preview(self) -> None:
        """Re-highlighting the whole file costs more than a keystroke should: only when shown."""
        preview = self.query_one("#recipe-preview", TextArea)
        text = render_config(self.recipe)
        if preview.text != text:
            preview.load_text(text)

    def action_fix_weights(self) -> None:
        """The one-key fix for weights that do not fit the backbone."""
        backbone = self.form.values()["backbone"]
        self.form.set_field("pretrained", MATCHING_WEIGHTS.get(backbone, ""))
        self.notify(f"weights set to {MATCHING_WEIGHTS.get(backbone)} for {backbone}", title="Recipe")

    # Validation -------------------------------------------------------------------------------

    def _schedule_check(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, self._start_check)

    def _start_check(self) -> None:
        self._debounce = None
        self.query_one(FindingsPanel).checking()
        self._check(render_config(self.recipe))

    @work(thread=True, exclusive=True, group="recipe-check", exit_on_error=False)
    def _check(self, text: str) -> None:
        self._run_check(text, None)

    @work(thread=True, exclusive=True, group="recipe-save", exit_on_error=False)
    def _check_then_save(self, text: str, save_to: Path) -> None:
        self._run_check(text, save_to)

    def _run_check(self, text: str, save_to: Path | None) -> None:
        project = self.vocseg_app.project
        try:
            findings = check_text(text, project.configs_dir, processes=self.recipe.processes,
                                  project_root=project.root, loader=self.loader)
            self.post_message(Checked(text, findings, save_to=save_to))
        except VocsegError as error:
            self.post_message(Checked(text, None, error.message, save_to=save_to))

    def on_checked(self, message: Checked) -> None:
        if message.save_to is None and (self.errors or message.text != render_config(self.recipe)):
            return  # a newer check is on its way, or the form waits for valid input
        panel = self.query_one(FindingsPanel)
        if message.findings is None:
            panel.failed(message.error)
        else:
            panel.show(message.findings)
        self.findings, self._checked_text = message.findings, message.text
        if message.save_to is None:
            return
        # A save waited for this check: refuse on errors, else write (asking before overwriting).
        if message.findings is None or has_errors(message.findings):
            self._editor_status(Text("not saved: fix the errors shown on the Form tab first", "bold red"))
            self.notify("not saved: the validator found errors (see the Form tab)", severity="error",
                        title="Recipe")
            return
        self._write(message.save_to, message.text)

    # Saving -----------------------------------------------------------------------------------

    def _active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def action_leave_field(self) -> None:
        """Out of an input, the global keys (1-7, q, ?) work again instead of being typed."""
        self.set_focus(None)

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_save(self) -> None:
        if self._active_tab() == "editor":
            text = self.query_one("#recipe-editor", TextArea).text
            self._editor_status(Text("checking before saving…", "dim"))
        else:
            if self.errors:
                self.notify("fix the fields in red first", severity="error", title="Recipe")
                return
            text = render_config(self.recipe)
        if self._debounce is not None:  # the save's own check supersedes a pending one
            self._debounce.stop()
            self._debounce = None
        self.query_one(FindingsPanel).checking()
        self._check_then_save(text, self.config_path)

    def _write(self, path: Path, text: str) -> None:
        if path.exists():
            try:
                same = path.read_text(encoding="utf-8") == text
            except OSError:
                same = False
            if same:
                self.notify(f"{path.name} is already up to date", title="Recipe")
                return

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._write_now(path, text, overwrite=True)

            self.app.push_screen(ConfirmScreen(f"{path.name} already exists. Overwrite it?", yes="Overwrite",
                                               no="Keep", stake="warning"), confirmed)
            return
        self._write_now(path, text, overwrite=False)

    def _write_now(self, path: Path, text: str, *, overwrite: bool) -> None:
        try:
            write_config(path, text, overwrite=overwrite)
        except VocsegError as error:
            self.notify(f"{error.message}\n{error.hint}", severity="error", title="Recipe")
            return
        self._editor_loaded_for = None
        self._editor_status(Text(f"saved {path}", "green"))
        self.notify(f"saved {path}", title="Recipe")
        stored = None
        with contextlib.suppress(VocsegError):
            stored = recipe_from_text(text)
        if stored is not None and stored != self.recipe:
            self._form_arch = stored.arch  # the file's own model and LR: not a switch to reset
            self.form.load(stored)

    # Tabs: diff and raw editor ------------------------------------------------------------------

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id
        if tab == "preview":
            self._load_preview()
        elif tab == "diff":
            self.query_one("#recipe-diff", Static).update(Text("resolving both configs with mmengine…",
                                                               "dim"))
            self._diff(render_config(self.recipe))
        elif tab == "editor":
            self._load_editor()

    def _load_editor(self) -> None:
        path = self.config_path
        if self._editor_loaded_for == str(path):
            return
        self._editor_loaded_for = str(path)
        try:
            text = path.read_text(encoding="utf-8") if path.is_file() else render_config(self.recipe)
            origin = f"editing {path}" if path.is_file() else f"new file {path} (from the form)"
        except OSError as error:
            text, origin = render_config(self.recipe), f"cannot read {path}: {error.strerror}"
        self.query_one("#recipe-editor", TextArea).load_text(text)
        self._editor_status(Text(f"{origin} — ctrl+s validates, then saves", "dim"))

    def _editor_status(self, text: Text) -> None:
        self.query_one("#recipe-editor-status", Static).update(text)

    @work(thread=True, exclusive=True, group="recipe-diff", exit_on_error=False)
    def _diff(self, text: str) -> None:
        project = self.vocseg_app.project
        try:
            self.post_message(Diffed(diff_against_shipped(text, project.configs_dir, project.root,
                                                          self.loader)))
        except VocsegError as error:
            self.post_message(Diffed(None, error.message))

    def on_diffed(self, message: Diffed) -> None:
        target = self.query_one("#recipe-diff", Static)
        if message.lines is None:
            target.update(Text(message.error, "bold red"))
            return
        header = "# vs mmseg::upernet/upernet_r50_4xb4-40k_voc12aug-512x512.py (resolved)\n"
        target.update(Syntax(header + "\n".join(message.lines), "diff", theme="ansi_dark",
                             word_wrap=True, background_color="default"))

    # The model zoo ----------------------------------------------------------------------------
    def action_from_zoo(self) -> None:
        recipe = self.recipe
        launch = "CPU" if recipe.gpus == 0 else f"{recipe.gpus} GPU(s)"
        self.app.push_screen(ZooPicker(f"{launch} × {recipe.batch_per_gpu} images"), self._zoo_picked)

    def _zoo_picked(self, name: str | None) -> None:
        if name:
            self.notify(f"writing the config of {name}: resolving it with mmengine…", title="Zoo")
            self._write_zoo(name, self.recipe.gpus, self.recipe.batch_per_gpu)

    @work(thread=True, group="recipe-zoo", exit_on_error=False)
    def _write_zoo(self, name: str, gpus: int, batch_per_gpu: int) -> None:
        """The same build as `recipe --from-zoo`, then written to configs/ (never over a file)."""
        project = self.vocseg_app.project
        try:
            built = build_from_zoo(project, name, gpus=gpus, batch_per_gpu=batch_per_gpu)
            path = write_config(project.configs_dir / config_name(built.recipe), built.recipe.text)
            self.post_message(ZooWritten(ZooConfig(built.model, built.recipe, built.findings, path)))
        except VocsegError as error:
            self.post_message(ZooWritten(None, error))

    def on_zoo_written(self, message: ZooWritten) -> None:
        if message.config is None or message.config.written is None:
            error = message.error or VocsegError("the zoo config was not written")
            self.notify(f"{error.message}\n{error.hint}", severity="error", title="Zoo", timeout=15)
            return
        recipe, written = message.config.recipe, message.config.written
        target = "unpublished" if recipe.target_miou is None else f"{recipe.target_miou} mIoU"
        errors = [f for f in message.config.findings if f.severity == "error"]
        text = (f"wrote {written.relative_to(self.vocseg_app.project.root)}: {recipe.max_epochs} epochs "
                f"at batch {recipe.total_batch}, LR {recipe.lr:g} ({recipe.optimizer}); published "
                f"target {target}. Launch it from Jobs (4, then n).")
        if errors:
            text += f"\n{len(errors)} error(s): {errors[0].message}"
        self.notify(text, title="Zoo", severity="warning" if errors else "information", timeout=20)
