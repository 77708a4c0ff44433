"""The Demo screen: one key segments an image with a checkpoint and shows the overlay.

Inference runs in the long-lived worker process (core.demo.DemoClient), driven from a thread
worker, so the UI never waits: the first demo loads the model (seconds), later ones on the same
checkpoint reuse it (the forward pass only). The overlay is shown with textual-image and saved
under the project's outputs/ folder; the legend lists the classes found.

Where it runs is the core's decision (core.placement.one_process of the app's device choice:
its first GPU pinned, or CPU); when the choice changes, the worker on the old device is
stopped at once (its GPU memory freed) and the next demo starts one on the new device.
The thread workers hand their results back as messages, as every screen's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import LoadingIndicator, Static

from vocseg_tui.core.demo import DEMO_IMAGE, DemoClient, DemoResult, build_request
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.placement import Placement, one_process
from vocseg_tui.core.shown import shown
from vocseg_tui.tui.screens.base import AreaScreen
from vocseg_tui.tui.widgets.demo_legend import DemoLegend


@dataclass
class DefaultFound(Message):
    """The checkpoint the demo uses until one is chosen: the project's best."""

    path: Path


@dataclass
class DemoStage(Message):
    """The worker moved on (loading the model, inference, saving)."""

    stage: str


@dataclass
class DemoDone(Message):
    """The demo's result, or why there is none."""

    result: DemoResult | None
    error: VocsegError | None = None


@dataclass
class WorkerRetired(Message):
    """The worker on the old device stopped; the next demo starts one on `label`."""

    label: str


class DemoScreen(AreaScreen):
    MODE = "demo"
    CSS_PATH = "demo.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run_demo", "Run demo"),
        Binding("i", "pick_image", "Pick image"),
        Binding("b", "builtin_image", "Demo photo"),
        Binding("c", "copy_output", "Copy output path"),
    ]

    checkpoint: reactive[Path | None] = reactive(None)
    image: reactive[Path] = reactive(DEMO_IMAGE)
    busy: reactive[bool] = reactive(False)

    def __init__(self) -> None:
        super().__init__()
        self.client: DemoClient | None = None
        self.result: DemoResult | None = None
        self._image_widget: Any = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="demo-source")
        with Horizontal(id="demo-status"):
            yield LoadingIndicator(id="demo-spinner")
            yield Static("", id="demo-stage")
        with Horizontal(id="demo-main"):
            yield Vertical(Static("Press r to segment the image with the checkpoint.", id="demo-empty"),
                           id="demo-view")
            with Vertical(id="demo-side"):
                yield Static("[b]Classes found[/b]")
                yield DemoLegend(id="demo-legend")
                yield Static("", id="demo-output")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#demo-spinner").display = False
        if self.checkpoint is None:
            self._find_default()
        self.watch(self.app, "device_choice", lambda _: self._device_changed(), init=False)
        self._show_source()

    def on_unmount(self) -> None:
        if self.client is not None:
            self.client.close(wait=0.5)  # quitting must not wait for a model to finish loading

    @work(thread=True, exclusive=True, group="demo-default", exit_on_error=False)
    def _find_default(self) -> None:
        from vocseg_tui.core.checkpoints import discover_runs, pick_default

        chosen = pick_default(discover_runs(self.vocseg_app.project))
        if chosen is not None:
            self.post_message(DefaultFound(chosen.path))

    def on_default_found(self, message: DefaultFound) -> None:
        if self.checkpoint is None:
            self.checkpoint = message.path

    def watch_checkpoint(self) -> None:
        self._show_source()

    def watch_image(self) -> None:
        self._show_source()

    def on_screen_resume(self) -> None:
        self._show_source()  # the device may have changed in the GPUs area

    def placement(self) -> Placement:
        return one_process(self.vocseg_app.device_choice)

    def _device_changed(self) -> None:
        self._show_source()
        if self.client is not None and self.client.running:
            self._retire_worker(self.placement())

    @work(thread=True, exclusive=True, group="demo-device", exit_on_error=False)
    def _retire_worker(self, placement: Placement) -> None:
        if self.client is not None and self.client.use(placement):
            self.post_message(WorkerRetired(placement.label()))

    def on_worker_retired(self, message: WorkerRetired) -> None:
        self.notify(f"Demo worker stopped: the next demo starts one on {message.label}.")

    def watch_busy(self, busy: bool) -> None:
        if self.is_mounted:
            self.query_one("#demo-spinner").display = busy

    def _show_source(self) -> None:
        if not self.is_mounted:
            return
        ckpt = (f"{self.checkpoint.parent.name}/{self.checkpoint.name}" if self.checkpoint
                else "none yet: train a model, or pick one on the Checkpoints screen (6)")
        self.query_one("#demo-source", Static).update(
            f"[b]Checkpoint[/b] {ckpt}   [b]Image[/b] {self.image.name}"
            f"{' (demo photo, CC0)' if self.image == DEMO_IMAGE else ''}   "
            f"[b]Device[/b] {self.placement().label()}")

    def start(self, checkpoint: Path, image: Path | None = None) -> None:
        """Run the demo for `checkpoint` (called by the Checkpoints screen's demo key)."""
        self.checkpoint = checkpoint
        if image is not None:
            self.image = image
        self.action_run_demo()

    def action_run_demo(self) -> None:
        if self.checkpoint is None:
            self.notify("No checkpoint yet: train a model first, or choose one on the Checkpoints screen.",
                        severity="warning")
            return
        self.busy = True
        self.query_one("#demo-stage", Static).update("starting the inference worker…")
        self._run(self.checkpoint, self.image)

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def _run(self, checkpoint: Path, image: Path) -> None:
        try:
            request = build_request(checkpoint, image, self.vocseg_app.project.outputs_dir,
                                    placement=self.placement())
            if self.client is None:
                self.client = DemoClient()
            result = self.client.run(request, self._stage_reached)
        except VocsegError as error:
            self.post_message(DemoDone(None, error))
            return
        self.post_message(DemoDone(result))

    def _stage_reached(self, stage: str) -> None:
        """Called on the worker thread as the demo worker moves on."""
        self.post_message(DemoStage(stage))

    def on_demo_done(self, message: DemoDone) -> None:
        if message.error is not None:
            self._failed(message.error)
        elif message.result is not None:
            self._show(message.result)

    def on_demo_stage(self, message: DemoStage) -> None:
        stage = message.stage
        first = stage == "loading model"
        hint = " (first demo of this checkpoint: the next ones reuse the model)" if first else ""
        self.query_one("#demo-stage", Static).update(f"{stage}…{hint}")

    def _failed(self, error: VocsegError) -> None:
        self.busy = False
        self.query_one("#demo-stage", Static).update(f"[red]{escape(error.message)}[/red]")
        self.notify(f"{error.message}\n{error.hint}", title="Demo failed", severity="error", timeout=8)

    def _show(self, result: DemoResult) -> None:
        from vocseg_tui.tui.widgets.demo_image import image_widget_class

        self.busy = False
        self.result = result
        warm = "model reused" if result.reused_model else "model loaded"
        where = ("CPU" if result.device == "cpu"
                 else f"{result.device}, CUDA_VISIBLE_DEVICES={result.visible_devices}")
        shrunk = (f"; shrunk from {result.source_size[0]}x{result.source_size[1]} to "
                  f"{result.image_size[0]}x{result.image_size[1]}" if result.shrunk else "")
        self.query_one("#demo-stage", Static).update(
            escape(f"done in {result.seconds:.2f} s on {where} ({warm}{shrunk})"))
        self.query_one("#demo-legend", DemoLegend).show(result.legend)
        self.query_one("#demo-output", Static).update(f"[b]Saved[/b]\n{escape(shown(result.out))}")
        view = self.query_one("#demo-view", Vertical)
        if self._image_widget is None:
            view.remove_children()
            self._image_widget = image_widget_class()(str(result.out), id="demo-image")
            view.mount(self._image_widget)
        else:
            self._image_widget.image = str(result.out)

    def action_pick_image(self) -> None:
        from vocseg_tui.tui.widgets.demo_picker import ImagePicker

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.image = path
                self.action_run_demo()

        self.app.push_screen(ImagePicker(self.vocseg_app.project.root), chosen)

    def action_builtin_image(self) -> None:
        self.image = DEMO_IMAGE
        self.action_run_demo()

    def action_copy_output(self) -> None:
        if self.result is None:
            self.notify("No output yet: run a demo first (r).", severity="warning")
            return
        self.app.copy_to_clipboard(str(self.result.out))
        self.notify(f"Copied {self.result.out}")
