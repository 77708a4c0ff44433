"""Runs from synthetic work dirs: damaged files shown truthfully, and the warm index re-reading
only the runs that changed."""

from __future__ import annotations

from pathlib import Path

from tests.synthetic_runs import write_run
from vocseg_tui.core.jobs.registry import Registry
from vocseg_tui.core.project import Project
from vocseg_tui.core.runs.index import RunIndex
from vocseg_tui.core.runs.listing import list_runs
from vocseg_tui.core.runs.query import parse_filter, sort_rows


def _project(tmp_path: Path) -> Project:
    (tmp_path / "p" / "work_dirs").mkdir(parents=True)
    return Project.open(tmp_path / "p")


def test_damaged_scalars_and_no_validation_are_shown_not_raised(tmp_path: Path) -> None:
    project = _project(tmp_path)
    broken = write_run(project.work_dirs / "broken", epochs=4, lr=0.02)
    scalars = next(broken.glob("*/vis_data/scalars.json"))
    scalars.write_text(scalars.read_text() + '{"aAcc": 91.0, "mIoU": 9\n\x00garbage\n{"lr": 0.01, "ep')
    fresh = project.work_dirs / "fresh"
    write_run(fresh, epochs=0, max_epochs=10)
    (project.work_dirs / "empty_config.py").mkdir()
    (project.work_dirs / "empty_config.py" / "x.py").write_text("not = valid = python(")
    rows = {r.name: r for r in list_runs(project)}
    assert rows["broken"].facts.epochs_done == 4 and rows["broken"].facts.best_epoch == 4
    assert any("damaged" in p for p in rows["broken"].facts.problems)
    assert rows["fresh"].state == "no validation" and rows["fresh"].facts.best_miou is None
    assert rows["empty_config.py"].facts.max_epochs is None  # no recipe, no train_cfg: unknown


def test_the_warm_index_rereads_only_what_changed(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for index in range(5):
        write_run(project.work_dirs / f"run{index}", epochs=3, max_epochs=6, lr=0.01 * (index + 1))
    cold = RunIndex()
    assert len(list_runs(project, index=cold)) == 5 and len(cold.reread) == 5
    warm = RunIndex()
    list_runs(project, index=warm)
    assert warm.reread == []
    grown = next((project.work_dirs / "run2").glob("*/vis_data/scalars.json"))
    with grown.open("a") as out:
        out.write('{"aAcc": 95.0, "mIoU": 88.5, "mAcc": 90.0, "step": 4}\n')
    write_run(project.work_dirs / "run9", epochs=1)
    again = RunIndex()
    rows = {r.name: r for r in list_runs(project, index=again)}
    assert sorted(Path(p).name for p in again.reread) == ["run2", "run9"]
    assert rows["run2"].facts.best_miou == 88.5 and rows["run2"].facts.epochs_done == 4
    high = [r for r in rows.values() if parse_filter("mIoU>80 state:incomplete")(r)]
    assert [r.name for r in sort_rows(high, "-lr")] == ["run2"]


def test_an_existing_registry_gains_the_tags_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    registry = Registry(path)
    job = registry.add(name="a", config="/c.py", work_dir="/w", cwd="/", backend="local")
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE run_meta")
        db.execute("PRAGMA user_version = 3")
    upgraded = Registry(path)
    upgraded.set_run_meta("/w", tags=["x"])
    upgraded.set_run_meta("/w", note="kept with the tags")
    assert upgraded.run_meta() == {"/w": (["x"], "kept with the tags")}
    assert upgraded.get(job.id).name == "a"


def test_a_damaged_index_and_an_odd_recipe_are_read_again_not_raised(tmp_path: Path) -> None:
    project = _project(tmp_path)
    run = write_run(project.work_dirs / "odd", epochs=2)
    dump = run / "odd.py"
    dump.write_text(dump.read_text().replace("    crop=[512, 512],", "    crop=5,", 1))
    index = RunIndex()
    index.path.write_text("{not json")
    rows = list_runs(project, index=RunIndex())
    assert rows[0].facts.best_epoch == 2 and any("recipe" in p for p in rows[0].facts.problems)
