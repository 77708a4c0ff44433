"""The whole preparation from a mirror, and the status a data root reports at every stage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.core.data.helpers import SampleArchives
from tests.core.data.mirror import Mirror
from vocseg_tui.core.data.errors import DataError
from vocseg_tui.core.data.pipeline import PrepareOptions, prepare
from vocseg_tui.core.data.progress import Event, StepState
from vocseg_tui.core.data.status import read_status
from vocseg_tui.core.project import Project

SAMPLE_COUNTS = {"train": 8, "val": 6, "sbd_train": 18, "sbd_val": 8, "aug": 18, "trainaug": 26}


def test_empty_root_reports_every_step_missing(tmp_path: Path) -> None:
    status = read_status(tmp_path / "data")
    assert {state for state, _ in status.steps.values()} == {"missing"}
    assert not status.complete


def test_prepare_downloads_extracts_converts_lists_and_verifies(
        sample_archives: SampleArchives, mirror: Mirror, tmp_path: Path) -> None:
    voc, sbd = sample_archives.specs(mirror)
    root = tmp_path / "data"
    events: list[Event] = []
    result = prepare(root, PrepareOptions(download=True, voc=voc, sbd=sbd), emit=events.append)
    assert result.complete and not result.official
    summary = result.summary()
    assert {k: summary[k] for k in SAMPLE_COUNTS} == SAMPLE_COUNTS
    assert (summary["converted"], summary["skipped"], summary["failed"]) == (26, 0, [])
    done = [e.step for e in events if isinstance(e, StepState) and e.state == "done"]
    assert done.index("extract-sbd") < done.index("extract-voc") < done.index("lists") < done.index("verify")
    status = read_status(root, {"voc": voc, "sbd": sbd})
    assert status.complete and status.counts["aug"] == 18

    again = prepare(root, PrepareOptions(download=True, voc=voc, sbd=sbd))
    assert (again.convert.converted, again.convert.skipped, again.actions) == (0, 26, [])
    assert len(mirror.state.requests) == 2  # nothing downloaded twice


def test_local_archives_are_extracted_without_download(sample_archives: SampleArchives, tmp_path: Path,
                                                        mirror: Mirror) -> None:
    voc, sbd = sample_archives.specs(mirror)
    root = tmp_path / "data"
    root.mkdir()
    shutil.copy(sample_archives.voc, root)
    shutil.copy(sample_archives.sbd, root)
    assert read_status(root, {"voc": voc, "sbd": sbd}).steps["download-voc"][0] == "done"
    result = prepare(root, PrepareOptions(voc=voc, sbd=sbd))
    assert result.complete and len(result.actions) == 2
    assert mirror.state.requests == []


def test_missing_data_without_download_is_an_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        prepare(tmp_path)
    assert "VOCdevkit" in caught.value.message and "benchmark_RELEASE" in caught.value.message
    assert "--download" in caught.value.hint


def test_sample_project_prepares_in_place(sample_project: Project) -> None:
    result = prepare(sample_project.data_root, PrepareOptions(jobs=1))
    assert result.complete and result.counts["trainaug"] == 26
    assert read_status(sample_project.data_root).steps["verify"] == ("done", "sampled")


def test_a_second_preparation_of_the_same_root_is_refused(sample_project: Project) -> None:
    from vocseg_tui.core.data.lock import exclusive

    with exclusive(sample_project.data_root), pytest.raises(DataError) as caught:
        prepare(sample_project.data_root, PrepareOptions(jobs=1))
    assert "another preparation is running" in caught.value.message
    assert prepare(sample_project.data_root, PrepareOptions(jobs=1)).complete  # released
