"""Discovery, best marking, integrity and deletion on checkpoints of real training."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from tests.projects import TwoProjects
from tests.training import TrainedRun
from vocseg_tui.core.checkpoints import (
    ConfirmationRequired,
    check_integrity,
    confirmations_needed,
    delete_checkpoint,
    discover_runs,
    find_checkpoint,
    list_runs,
    pick_default,
    scan_run,
)
from vocseg_tui.core.project import Project


@pytest.fixture
def run_copy(trained_sample: TrainedRun, tmp_path: Path) -> Path:
    """A writable copy of the trained run, with its project around it."""
    root = tmp_path / "project"
    shutil.copytree(trained_sample.project.root, root)
    return root / "work_dirs" / trained_sample.work_dir.name


def _val_miou(work_dir: Path) -> dict[int, float]:
    rows = [json.loads(line) for f in work_dir.glob("*/vis_data/scalars.json")
            for line in f.read_text().splitlines()]
    return {r["step"]: r["mIoU"] for r in rows if "mIoU" in r}


@pytest.mark.slow
def test_discovery_lists_every_checkpoint_with_its_logged_miou(trained_sample: TrainedRun) -> None:
    runs = discover_runs(trained_sample.project)
    assert [r.name for r in runs] == ["sample_tiny"]
    run = runs[0]
    assert run.config_dump == trained_sample.work_dir / "sample_tiny.py"
    on_disk = {p.name for p in trained_sample.work_dir.glob("*.pth")}
    assert {c.name for c in run.checkpoints} == on_disk
    logged = _val_miou(trained_sample.work_dir)
    for ckpt in run.checkpoints:
        assert ckpt.ok, ckpt.problem
        assert ckpt.miou == pytest.approx(logged[ckpt.step])
        assert ckpt.size == ckpt.path.stat().st_size


@pytest.mark.slow
def test_best_is_the_best_file_and_has_the_top_miou_and_last_follows_the_marker(
        trained_sample: TrainedRun) -> None:
    run = scan_run(trained_sample.work_dir)
    best = run.best
    assert best is not None and best.name.startswith("best_mIoU_")
    assert best.miou == max(_val_miou(trained_sample.work_dir).values())
    assert [c.name for c in run.checkpoints if c.best] == [best.name]
    marker = (trained_sample.work_dir / "last_checkpoint").read_text().strip()
    assert run.last is not None and run.last.name == Path(marker).name


@pytest.mark.slow
def test_without_a_best_file_the_top_miou_checkpoint_is_marked(run_copy: Path) -> None:
    for best in run_copy.glob("best_*.pth"):
        best.unlink()
    run = scan_run(run_copy)
    logged = _val_miou(run_copy)
    top_step = max(logged, key=lambda s: logged[s])
    assert [c.step for c in run.checkpoints if c.best] == [top_step]


@pytest.mark.slow
def test_a_truncated_copy_is_marked_and_never_usable(run_copy: Path) -> None:
    good = run_copy / "epoch_2.pth"
    data = good.read_bytes()
    (run_copy / "epoch_2.pth").write_bytes(data[: len(data) // 2])
    run = scan_run(run_copy)
    bad = next(c for c in run.checkpoints if c.name == "epoch_2.pth")
    assert not bad.ok and "truncated" in bad.problem
    assert bad not in run.usable
    assert all(c.ok for c in run.usable) and len(run.usable) == len(run.checkpoints) - 1


@pytest.mark.slow
def test_a_record_cut_short_inside_the_archive_is_found(run_copy: Path) -> None:
    """Same length, same directory, but a tensor record's local header was overwritten."""
    path = run_copy / "epoch_1.pth"
    import zipfile

    with zipfile.ZipFile(path) as archive:
        victim = archive.infolist()[5]
    data = bytearray(path.read_bytes())
    data[victim.header_offset: victim.header_offset + 4] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    verdict = check_integrity(path)
    assert not verdict.ok and victim.filename in verdict.reason


@pytest.mark.slow
def test_deep_check_finds_flipped_bytes_inside_a_tensor(run_copy: Path) -> None:
    """The quick check reads only the container; the deep one reads every record's CRC."""
    import zipfile

    path = run_copy / "epoch_1.pth"
    with zipfile.ZipFile(path) as archive:
        tensor = max(archive.infolist(), key=lambda info: info.file_size)
    data = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", data, tensor.header_offset + 26)  # local header
    start = tensor.header_offset + 30 + name_len + extra_len
    data[start + 100] ^= 0xFF
    path.write_bytes(bytes(data))
    assert check_integrity(path).ok
    deep = check_integrity(path, deep=True)
    assert not deep.ok and tensor.filename in deep.reason


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path: Path) -> None:
    (tmp_path / "epoch_1.pth").write_text("not a zip")
    (tmp_path / "epoch_2.pth").write_bytes(b"")
    verdicts = {c.name: c for c in scan_run(tmp_path).checkpoints}
    assert not verdicts["epoch_1.pth"].ok and not verdicts["epoch_2.pth"].ok
    assert "empty" in verdicts["epoch_2.pth"].problem


@pytest.mark.slow
def test_deleting_best_or_last_needs_a_second_confirmation(run_copy: Path) -> None:
    run = scan_run(run_copy)
    plain = next(c for c in run.checkpoints if not c.best and not c.last)
    assert confirmations_needed(plain) == 1
    delete_checkpoint(plain, confirmations=1)
    assert not plain.path.exists()

    last = run.last
    assert last is not None and confirmations_needed(last) == 2
    with pytest.raises(ConfirmationRequired):
        delete_checkpoint(last, confirmations=1)
    assert last.path.exists()
    new_last = delete_checkpoint(last, confirmations=2)
    assert not last.path.exists()
    # the marker now names an intact checkpoint that is still there
    marker = Path((run_copy / "last_checkpoint").read_text().strip())
    assert new_last is not None and marker == new_last.resolve() and marker.is_file()


@pytest.mark.slow
def test_find_checkpoint_names_its_run(trained_sample: TrainedRun) -> None:
    run, ckpt = find_checkpoint(trained_sample.work_dir / "epoch_1.pth")
    assert run.name == "sample_tiny" and ckpt.step == 1 and ckpt.unit == "epoch"


def test_an_empty_project_has_no_runs(sample_project: Project) -> None:
    assert discover_runs(sample_project) == []


@pytest.mark.slow
def test_runs_of_registered_jobs_outside_the_project_are_found(run_copy: Path, tmp_path: Path) -> None:
    from vocseg_tui.core.jobs import JobState, Registry

    (tmp_path / "other").mkdir()
    sample_project = Project.open(tmp_path / "other")
    scratch = tmp_path / "scratch" / "big_run"
    shutil.copytree(run_copy, scratch)
    job = Registry().add(name="big_run", config=str(sample_project.root / "configs/sample_tiny.py"),
                         work_dir=str(scratch), cwd=str(sample_project.root), state=JobState.SUCCEEDED)
    runs = discover_runs(sample_project)
    assert [(r.work_dir, r.job_ids) for r in runs] == [(scratch.resolve(), (job.id,))]
    assert runs[0].config_dump == scratch.resolve() / "sample_tiny.py"
    assert discover_runs(sample_project, use_registry=False) == []


@pytest.mark.slow
def test_runs_and_the_demo_default_are_the_open_projects(two_projects: TwoProjects) -> None:
    """The registry is shared by every project: the other project's newer run, registered
    there, is not this project's (the Demo once defaulted to its checkpoint)."""
    mine, other = two_projects.mine, two_projects.other
    listing = list_runs(mine)
    assert [r.work_dir for r in listing.runs] == [two_projects.my_run] and listing.other_projects == 1
    assert listing.runs[0].project == mine.root and listing.runs[0].job_ids == (two_projects.my_job,)
    chosen = pick_default(discover_runs(mine))
    assert chosen is not None and chosen.path.parent == two_projects.my_run and chosen.best

    every = list_runs(mine, all_projects=True)
    assert [(r.work_dir, r.project) for r in every.runs] == [(two_projects.other_run, other.root),
                                                              (two_projects.my_run, mine.root)]
    assert every.other_projects == 0
    assert [r.work_dir for r in discover_runs(other)] == [two_projects.other_run]
