"""`vocseg-tui runs` on real trained sample runs: two recipes that differ in LR, listed, filtered,
sorted, exported, compared per class, tagged; and refusals of bad input (exit 2, no traceback)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from tests.training import TrainedRun
from vocseg_tui.cli import main
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.project import Project


@pytest.fixture
def two_lrs(trained_sample: TrainedRun, tmp_path: Path) -> Project:
    """The trained sample, and a copy of its run whose recipe has half the base LR."""
    project = Project.open(shutil.copytree(trained_sample.project.root, tmp_path / "proj"))
    half = shutil.copytree(project.work_dirs / "sample_tiny", project.work_dirs / "sample_half")
    dump = half / "sample_tiny.py"
    dump.write_text(dump.read_text().replace("base_lr=0.4,", "base_lr=0.2,"))
    return project


def _run(project: Project, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--project", str(project.root), "runs", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _json(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = _run(project, *args, "--json", capsys=capsys)
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, dict) and data["schema"] == 1
    return data


def test_two_recipes_listed_filtered_sorted_and_exported(two_lrs: Project,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    runs = _json(two_lrs, capsys)["runs"]
    assert isinstance(runs, list)
    by_name = {r["name"]: r for r in runs}
    assert set(by_name) == {"sample_tiny", "sample_half"}
    tiny = by_name["sample_tiny"]
    assert tiny["state"] == "done" and tiny["jobs"] == [] and tiny["epochs_done"] == tiny["max_epochs"] == 3
    assert tiny["lr"] == pytest.approx(0.05) and by_name["sample_half"]["lr"] == pytest.approx(0.025)
    assert tiny["total_batch"] == 2 and tiny["model"] == "tiny/ResNetV1c"
    assert tiny["best_miou"] is not None and tiny["best_epoch"] in (1, 2, 3) and tiny["wall_s"] > 0

    low = _json(two_lrs, capsys, "--filter", "lr<0.03")["runs"]
    assert [r["name"] for r in low] == ["sample_half"]  # type: ignore[index]
    ordered = _json(two_lrs, capsys, "--sort=-lr")["runs"]
    assert [r["name"] for r in ordered] == ["sample_tiny", "sample_half"]  # type: ignore[index]

    code, out, _ = _run(two_lrs, "--csv", "--sort", "lr", capsys=capsys)
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [row["name"] for row in table] == ["sample_half", "sample_tiny"]
    code, out, _ = _run(two_lrs, "--markdown", capsys=capsys)
    assert out.startswith("| name | state |") and "sample_half" in out
    code, out, _ = _run(two_lrs, capsys=capsys)
    assert "sample_half" in out and "3/3" in out


def test_compare_per_class_iou_from_the_logged_table(two_lrs: Project,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(two_lrs, capsys, "compare", "sample_tiny", "sample_half")
    assert len(data["columns"]) == 22 and data["columns"][-1] == "mIoU"  # type: ignore[index,arg-type]
    first = data["runs"][0]  # type: ignore[index]
    assert first["name"] == "sample_tiny" and first["source"].startswith("validation at epoch")
    assert first["iou"]["background"] is not None and first["iou"]["bicycle"] is None  # nan in the log
    assert "background" in first["best"]
    code, out, _ = _run(two_lrs, "compare", "sample_tiny", "sample_half", "--latex", capsys=capsys)
    assert code == 0 and r"\textbf{" in out and r"\toprule" in out and "sample\\_half" in out
    code, out, _ = _run(two_lrs, "compare", "sample_tiny", "sample_half", capsys=capsys)
    assert code == 0 and out.startswith("| run | background |") and "**" in out


def test_tags_and_note_live_in_the_registry(two_lrs: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(two_lrs, "tag", "sample_half", "baseline", "基线", capsys=capsys)[0] == 0
    assert _run(two_lrs, "note", "sample_half", "half LR, ünïcode", capsys=capsys)[0] == 0
    tagged = _json(two_lrs, capsys, "--filter", "tag:基线")["runs"]
    assert [(r["name"], r["tags"], r["note"]) for r in tagged] == [  # type: ignore[index]
        ("sample_half", ["baseline", "基线"], "half LR, ünïcode")]
    assert _run(two_lrs, "untag", "sample_half", "baseline", capsys=capsys)[0] == 0
    shown = _json(two_lrs, capsys, "show", str(two_lrs.work_dirs / "sample_half"))["run"]
    assert shown["tags"] == ["基线"]  # type: ignore[index]
    code, _, err = _run(two_lrs, "tag", "sample_half", "two words", capsys=capsys)
    assert code == 2 and err.startswith("error:") and "hint:" in err
    code, _, err = _run(two_lrs, "untag", "sample_half", "never-set", capsys=capsys)
    assert code == 2 and "never-set" in err


def test_lineage_vanished_dir_ambiguous_name_and_job_ids(two_lrs: Project, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    registry = Registry()
    elsewhere = tmp_path / "scratch" / "sample_tiny"
    shutil.copytree(two_lrs.work_dirs / "sample_tiny", elsewhere)
    common = {"name": "sample_tiny", "config": "configs/sample_tiny.py", "cwd": str(two_lrs.root),
              "backend": "local"}
    first = registry.add(**common, work_dir=str(elsewhere), state=JobState.FAILED, started_at=100.0,
                         ended_at=160.0)
    resumed = registry.add(**common, work_dir=str(elsewhere), state=JobState.SUCCEEDED, parent_id=first.id,
                           started_at=200.0, ended_at=230.0)
    gone = registry.add(**common, work_dir=str(tmp_path / "vanished" / "old_run"), state=JobState.STOPPED)

    runs = {r["path"]: r for r in _json(two_lrs, capsys)["runs"]}  # type: ignore[union-attr]
    lineage = runs[str(elsewhere.resolve())]
    assert lineage["jobs"] == [resumed.id, first.id] and lineage["state"] == "succeeded"
    assert lineage["wall_s"] == pytest.approx(90.0)
    missing = runs[str((tmp_path / "vanished" / "old_run").resolve())]
    assert missing["state"] == "missing" and missing["jobs"] == [gone.id] and missing["problems"]

    code, _, err = _run(two_lrs, "show", "sample_tiny", capsys=capsys)
    assert code == 2 and "2 runs are named" in err and str(elsewhere) in err
    shown = _json(two_lrs, capsys, "show", str(first.id))["run"]
    assert shown["path"] == str(elsewhere.resolve())  # type: ignore[index]


@pytest.mark.parametrize("args", [
    ("--filter", "mIoU>abc"), ("--filter", "mIoU>"), ("--filter", "colour:red"), ("--sort", "nope"),
    ("compare", "sample_tiny"), ("show", "no_such_run"), ("note", "sample_half", "bell\x07"),
])
def test_bad_input_is_refused_with_a_hint(two_lrs: Project, capsys: pytest.CaptureFixture[str],
                                          args: tuple[str, ...]) -> None:
    code, out, err = _run(two_lrs, *args, capsys=capsys)
    assert code == 2 and err.startswith("error:") and "Traceback" not in err + out
