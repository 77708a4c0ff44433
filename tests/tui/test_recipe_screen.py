"""The Recipe screen driven like a user: typing, bad input, the GPU choice, saving, the editor."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from tests.tui.waiting import until
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.project import Project
from vocseg_tui.core.recipe import Recipe, read_recipe, render_config
from vocseg_tui.core.recipe.model import ARCHS
from vocseg_tui.core.sample.tiny_config import TINY_CONFIG
from vocseg_tui.tui.app import VocsegApp, make_app
from vocseg_tui.tui.screens.recipe import RecipeScreen
from vocseg_tui.tui.widgets.confirm import ConfirmScreen

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def text_of(widget: Static) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def settle(pilot: Pilot[None]) -> None:
    """Let the debounce fire and the validation worker (a child process) finish."""
    screen = screen_of(pilot.app)  # type: ignore[arg-type]
    await until(pilot, lambda: not screen.check_pending, what="the debounced check")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_of(app: VocsegApp) -> RecipeScreen:
    assert isinstance(app.screen, RecipeScreen)
    return app.screen


@pytest.fixture
def project(sample_project: Project) -> Project:
    """A project without configs: the form starts from the full R50 recipe these tests edit."""
    (sample_project.configs_dir / "sample_tiny.py").unlink()
    return sample_project


async def test_the_sample_project_starts_from_its_tiny_cpu_recipe(sample_project: Project) -> None:
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(100, 40)):
        recipe = screen_of(app).recipe
        assert (recipe.name, recipe.arch, recipe.gpus, recipe.pretrained) == ("sample_tiny", "tiny", 0, None)


async def retype(pilot: Pilot[None], field: str, text: str) -> None:
    await pilot.click(f"#field-{field}")
    await pilot.press("end", "ctrl+u", *text)
    await pilot.pause()


async def test_typing_updates_the_derived_values_live(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        derived = screen.query_one("#recipe-derived", Static)
        assert "total batch 4 = 1×4" in text_of(derived)  # CPU x 4 images
        await retype(pilot, "batch_per_gpu", "16")
        shown = text_of(derived)
        assert "total batch 16 = 1×16" in shown
        assert "LR          0.01 = 0.01×16/16" in shown
        assert "662 (10,582 img)" in shown  # ceil(10582 / 16) = ceil(661.4)
        await retype(pilot, "base_lr", "0.02")
        assert "LR          0.02 = 0.02×16/16" in text_of(derived)
        await pilot.press("f3")
        await pilot.pause()
        assert "lr = base_lr x total_batch / base_batch = 0.02 x 16 / 16 = 0.02" in \
            screen.query_one("#recipe-preview", TextArea).text


BAD_INPUT = [
    ("batch_per_gpu", "", "is empty"),
    ("batch_per_gpu", "abc", "not a valid"),
    ("max_epochs", "0", "at least 1"),
    ("base_lr", "-1", "positive"),
    ("base_batch", "99999", "absurd"),
    ("crop", "512x512x3", "not a valid"),
]


async def test_bad_input_gets_a_field_error_and_never_a_crash(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        for field, text, words in BAD_INPUT:
            before = screen.recipe
            await retype(pilot, field, text)
            error = screen.query_one(f"#error-{field}", Static)
            assert words in text_of(error) and error.display, (field, text)
            assert screen.query_one(f"#field-{field}", Input).has_class("-invalid")
            # the last valid recipe stays in force (typing "99999" passed through a valid "999")
            assert str(getattr(screen.recipe, field)) != text
            assert "to fix" in text_of(screen.query_one("#recipe-derived", Static))
            assert "once every field is valid" in text_of(screen.query_one("#recipe-findings", Static))
            await pilot.press("ctrl+s")  # saving is refused while a field is wrong
            await pilot.pause()
            assert not (project.configs_dir / f"{before.name}.py").exists()
            await retype(pilot, field, "64" if field == "crop" else "2")
            assert not error.display
        await settle(pilot)
        assert "validator runs again" not in text_of(screen.query_one("#recipe-findings", Static))


async def test_the_gpu_count_follows_the_gpus_screen(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        assert screen.query_one("#field-gpus", Input).value == "cpu"
        app.device_choice = DeviceChoice((0, 2, 3))
        await pilot.pause()
        assert screen.query_one("#field-gpus", Input).value == "3"
        assert screen.recipe.gpus == 3
        assert "total batch 12 = 3×4" in text_of(screen.query_one("#recipe-derived", Static))
        app.device_choice = DeviceChoice.cpu()
        await pilot.pause()
        assert screen.recipe.gpus == 0


async def test_mismatched_weights_are_refused_and_fixed_with_one_key(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        await retype(pilot, "pretrained", "torchvision://resnet50")
        assert "do not fit" in text_of(screen.query_one("#error-pretrained", Static))
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert screen.query_one("#field-pretrained", Input).value == "open-mmlab://resnet50_v1c"
        assert not screen.query_one("#error-pretrained", Static).display


@pytest.mark.slow
async def test_save_writes_the_config_and_asks_before_overwriting(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        await settle(pilot)
        await retype(pilot, "name", "two_gpus")
        await pilot.press("ctrl+s")
        await settle(pilot)
        target = project.configs_dir / "two_gpus.py"
        assert read_recipe(target) == screen.recipe
        await retype(pilot, "max_epochs", "30")
        asked = lambda: isinstance(app.screen, ConfirmScreen)  # noqa: E731
        await pilot.press("ctrl+s")  # the save's check runs first, then the question comes
        await until(pilot, asked, what="the overwrite question")
        assert isinstance(app.screen, ConfirmScreen) and "two_gpus.py already exists" in app.screen.question
        await pilot.press("n")
        await until(pilot, lambda: not asked(), what="the question answered")
        assert read_recipe(target).max_epochs == 61  # type: ignore[union-attr]
        await pilot.press("ctrl+s")
        await until(pilot, asked, what="the overwrite question again")
        await pilot.press("y")
        await until(pilot, lambda: read_recipe(target).max_epochs == 30, what="the config overwritten")  # type: ignore[union-attr]


@pytest.mark.slow
async def test_the_raw_editor_validates_before_saving(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        await settle(pilot)
        await pilot.press("f5")
        await pilot.pause()
        editor = screen.query_one("#recipe-editor", TextArea)
        assert editor.text == render_config(screen.recipe)
        trapped = editor.text.replace("type='DefaultSampler', shuffle=True", "type='InfiniteSampler'")
        editor.load_text(trapped)
        await pilot.press("ctrl+s")
        await settle(pilot)
        target = project.configs_dir / f"{screen.recipe.name}.py"
        assert not target.exists()
        assert "not saved" in text_of(screen.query_one("#recipe-editor-status", Static))
        assert "InfiniteSampler under an epoch-based loop" in text_of(screen.query_one("#recipe-findings",
                                                                                         Static))
        editor.load_text(render_config(screen.recipe.with_changes(max_epochs=12)))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert read_recipe(target).max_epochs == 12  # type: ignore[union-attr]
        assert screen.recipe.max_epochs == 12  # the form follows the saved file


@pytest.mark.slow
async def test_the_diff_shows_what_changes_against_mmsegs_config(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        await settle(pilot)
        shown = text_of(screen_of(app).query_one("#recipe-diff", Static))
        assert "- train_cfg.type = 'IterBasedTrainLoop'" in shown
        assert "+ train_cfg.type = 'EpochBasedTrainLoop'" in shown
        assert "+ train_dataloader.sampler.type = 'DefaultSampler'" in shown


async def test_an_eta_appears_once_a_run_of_the_config_measured_its_speed(project: Project) -> None:
    name = Recipe().name
    vis = project.work_dirs / name / "20261124_120000" / "vis_data"
    vis.mkdir(parents=True)
    shutil.copy(FIXTURES / "logs" / "scalars.json", vis / "scalars.json")
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        derived = screen.query_one("#recipe-derived", Static)
        await until(pilot, lambda: "s/iter, measured" in text_of(derived), what="the measured ETA")
        await retype(pilot, "name", "other")
        assert screen.query_one("#field-work_dir", Input).value == "work_dirs/other"
        await until(pilot, lambda: "not measured for r50 yet" in text_of(derived))


async def choose(pilot: Pilot[None], field: str, value: str, options: tuple[str, ...]) -> None:
    """Open a select field with a click and pick `value` with the arrow keys, as a user does."""
    select = screen_of(pilot.app).query_one(f"#field-{field}", Select)  # type: ignore[arg-type]
    await pilot.click(f"#field-{field}")
    await until(pilot, lambda: select.expanded, what="the open list")
    step = "down" if options.index(value) > options.index(str(select.value)) else "up"
    for _ in range(abs(options.index(value) - options.index(str(select.value)))):
        await pilot.press(step)
    await pilot.press("enter")
    await until(pilot, lambda: select.value == value and not select.expanded, what=f"{field} = {value}")


async def test_switching_the_model_resets_its_lr_weights_and_eta(sample_project: Project) -> None:
    """The sample's tiny recipe (base LR 0.4, no weights) measured its speed in its work dir;
    switching to R50 brings R50's LR and weights, and no ETA of the tiny model; back again,
    the tiny model's LR and its measured ETA."""
    vis = sample_project.work_dirs / "sample_tiny" / "20261124_120000" / "vis_data"
    vis.mkdir(parents=True)
    shutil.copy(FIXTURES / "logs" / "scalars.json", vis / "scalars.json")
    (vis / "config.py").write_text(TINY_CONFIG)  # the dumped config records the model it trained
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        derived = screen.query_one("#recipe-derived", Static)

        def field(name: str) -> str:
            return screen.query_one(f"#field-{name}", Input).value

        await until(pilot, lambda: "s/iter, measured" in text_of(derived), what="the tiny model's ETA")
        assert (field("base_lr"), field("pretrained")) == ("0.4", "")
        await retype(pilot, "base_lr", "0.2")  # a user's own LR for the tiny model
        await choose(pilot, "arch", "r50", ARCHS)
        await until(pilot, lambda: screen.recipe.arch == "r50" and field("base_lr") == "0.01")
        assert (field("base_batch"), field("pretrained")) == ("16", "open-mmlab://resnet50_v1c")
        assert screen.recipe.base_lr == 0.01 and screen.recipe.pretrained == "open-mmlab://resnet50_v1c"
        await until(pilot, lambda: "not measured for r50" in text_of(derived), what="the ETA cleared")
        assert "s/iter" not in text_of(derived)
        assert "0.01×" in text_of(derived)  # the LR row: R50's base LR, not 0.2 or 0.4
        assert any("model r50: base LR 0.01" in str(n.message) for n in app._notifications)
        await choose(pilot, "arch", "tiny", ARCHS)
        await until(pilot, lambda: screen.recipe.arch == "tiny" and field("base_lr") == "0.4")
        assert field("pretrained") == "" and screen.recipe.pretrained is None
        await until(pilot, lambda: "s/iter, measured" in text_of(derived), what="the tiny ETA again")


async def test_a_hidden_screen_keeps_no_loader_child(project: Project) -> None:
    app = make_app(project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        screen = screen_of(app)
        await settle(pilot)
        assert screen.loader.running
        assert "official 40k schedule" in text_of(screen.query_one("#recipe-findings", Static))
        await pilot.click("#field-seed")
        await pilot.press("escape", "1")  # leave the field, then go to the Data area
        await pilot.pause()
        assert not screen.loader.running
        await pilot.press("3")
        await settle(pilot)
        assert "official 40k schedule" in text_of(screen.query_one("#recipe-findings", Static))
