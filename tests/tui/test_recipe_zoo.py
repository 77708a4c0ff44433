"""The Recipe area's zoo picker: filter the installed mmseg's VOC-aug models, pick one, and its
epoch-based config is written to configs/ (never over an existing file)."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from tests.tui.test_recipe_screen import retype, text_of
from tests.tui.waiting import until
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.widgets.zoo_picker import ZooPicker

WANTED = "upernet_r50_4xb4-20k_voc12aug-512x512"


def toasts(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(n.message for n in app._notifications)


async def test_picking_a_zoo_model_writes_its_epoch_config_and_never_overwrites(
        sample_project: Project) -> None:
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ZooPicker), what="the zoo picker")
        picker = app.screen
        assert isinstance(picker, ZooPicker)
        options = picker.query_one(OptionList)
        await until(pilot, lambda: len(picker.models) > 30, 30, "the zoo read from the metafiles")
        await pilot.press(*"upernet r50 20k")
        await until(pilot, lambda: options.option_count == 1, what="the filter leaving one model")
        assert options.get_option_at_index(0).id == WANTED
        await pilot.press("enter")
        await until(pilot, lambda: "wrote configs/" in toasts(app), 120, "the config written")
        [written] = [p for p in sample_project.configs() if "upernet_r50" in p.name]
        text = written.read_text()
        assert f"_base_ = ['mmseg::upernet/{WANTED}.py']" in text
        assert "type='EpochBasedTrainLoop'" in text
        assert "published target 74.82 mIoU" in toasts(app)  # the 20k schedule's

        before = written.read_text()
        app.clear_notifications()
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ZooPicker) and len(app.screen.models) > 30,
                    30, "the picker again")
        await pilot.press(*"upernet r50 20k", "enter")
        await until(pilot, lambda: "already exists" in toasts(app), 120, "the refusal to overwrite")
        assert written.read_text() == before


async def test_escape_closes_the_picker_and_a_filter_matching_nothing_says_so(
        sample_project: Project) -> None:
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ZooPicker) and len(app.screen.models) > 30,
                    30, "the zoo picker")
        await pilot.press(*"no such model")
        options = app.screen.query_one(OptionList)
        await until(pilot, lambda: "no zoo model matches" in str(options.get_option_at_index(0).prompt),
                    what="the empty filter said")
        await pilot.press("enter")  # nothing to pick: stays open
        assert isinstance(app.screen, ZooPicker)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ZooPicker), what="the picker closed")
        assert not [p for p in sample_project.configs() if "upernet" in p.name]


async def test_the_derived_panel_shows_the_published_target_of_the_matching_schedule(
        sample_project: Project) -> None:


    (sample_project.configs_dir / "sample_tiny.py").unlink()  # the full R50 recipe, 61 epochs
    app = make_app(sample_project, start="recipe")
    async with app.run_test(size=(100, 40)) as pilot:
        derived = app.screen.query_one("#recipe-derived", Static)
        await until(pilot, lambda: "target      75.92 mIoU (mmseg, 40k)" in text_of(derived), 30,
                    "the 40k schedule's published mIoU")
        await retype(pilot, "max_epochs", "31")  # the 20k schedule's samples, in epochs
        await until(pilot, lambda: "target      74.82 mIoU (mmseg, 20k)" in text_of(derived), 30,
                    "the 20k schedule's published mIoU")
        await retype(pilot, "crop", "256x256")  # not the published crop: no target to compare with
        await until(pilot, lambda: "target" not in text_of(derived), what="the target row gone")
