"""Downloading and extracting the archives from a real HTTP mirror on 127.0.0.1."""

from __future__ import annotations

import tarfile
from dataclasses import replace
from pathlib import Path

import pytest

from tests.core.data.helpers import SampleArchives, add_member, md5
from tests.core.data.mirror import Mirror
from vocseg_tui.core.data.archives import resolve
from vocseg_tui.core.data.errors import Cancelled, ChecksumError, DataError, UnsafeArchiveError
from vocseg_tui.core.data.fetch import fetch
from vocseg_tui.core.data.progress import CancelToken, Event, Progress, StepState, ignore
from vocseg_tui.core.data.status import read_status


def test_download_resumes_with_range_after_a_dropped_connection(
        sample_archives: SampleArchives, mirror: Mirror, tmp_path: Path) -> None:
    _, sbd = sample_archives.specs(mirror)
    half = sample_archives.sbd.stat().st_size // 2
    mirror.state.drop_after[sample_archives.sbd.name] = half
    events: list[Event] = []
    root = tmp_path / "data"
    fetch(sbd, root, allow_download=True, emit=events.append, cancel=CancelToken())

    ranges = [r for name, r in mirror.state.requests if name == sample_archives.sbd.name]
    assert ranges == ["", f"bytes={half}-"]
    assert md5(root / sbd.filename) == md5(sample_archives.sbd)
    assert not (root / f"{sbd.filename}.part").exists()
    assert (root / "benchmark_RELEASE/dataset/cls").is_dir()
    assert not (root / ".vocseg-staging").exists()
    downloaded = [e for e in events if isinstance(e, Progress) and e.step == "download-sbd"]
    assert downloaded[-1].done == downloaded[-1].total == sample_archives.sbd.stat().st_size
    assert StepState("extract-sbd", "running") in events


def test_cancelled_download_keeps_its_bytes_and_the_next_run_resumes(
        sample_archives: SampleArchives, mirror: Mirror, tmp_path: Path) -> None:
    voc, _ = sample_archives.specs(mirror)
    root = tmp_path / "data"
    cancel = CancelToken()

    def cancel_midway(event: Event) -> None:
        if isinstance(event, Progress) and event.step == "download-voc" and event.done > 0:
            cancel.cancel()

    mirror.state.rate = 1_000_000  # slow enough for the cancel to land mid-transfer
    with pytest.raises(Cancelled):
        fetch(voc, root, allow_download=True, emit=cancel_midway, cancel=cancel)
    kept = (root / f"{voc.filename}.part").stat().st_size
    assert 0 < kept < sample_archives.voc.stat().st_size
    assert not (root / "VOCdevkit").exists()
    assert read_status(root, {"voc": voc, "sbd": voc}).steps["download-voc"][0] == "partial"

    mirror.state.rate = None
    fetch(voc, root, allow_download=True, emit=ignore, cancel=CancelToken())
    assert mirror.state.requests[-1] == (sample_archives.voc.name, f"bytes={kept}-")
    assert md5(root / voc.filename) == md5(sample_archives.voc)
    assert (root / "VOCdevkit/VOC2012/JPEGImages").is_dir()


def test_mirrors_are_tried_in_order(sample_archives: SampleArchives, mirror: Mirror, tmp_path: Path) -> None:
    voc, _ = sample_archives.specs(mirror)
    voc = replace(voc, mirrors=(mirror.url("gone.tar"), *voc.mirrors))
    fetch(voc, tmp_path, allow_download=True, emit=ignore, cancel=CancelToken())
    assert [name for name, _ in mirror.state.requests] == ["gone.tar", sample_archives.voc.name]
    assert (tmp_path / "VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt").is_file()


def test_wrong_md5_is_refused_and_leaves_nothing_behind(
        sample_archives: SampleArchives, mirror: Mirror, tmp_path: Path) -> None:
    spec = resolve("sbd", mirror.serve(sample_archives.sbd), "0" * 32)
    with pytest.raises(ChecksumError) as caught:
        fetch(spec, tmp_path, allow_download=True, emit=ignore, cancel=CancelToken())
    assert "expected 00000000" in caught.value.message and "--sbd-md5" in caught.value.hint
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_unreachable_mirror_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("vocseg_tui.core.data.download.RETRY_DELAY_S", 0.0)
    spec = resolve("voc", "http://127.0.0.1:9/VOCtrainval_11-May-2012.tar", "none")
    with pytest.raises(DataError) as caught:
        fetch(spec, tmp_path, allow_download=True, emit=ignore, cancel=CancelToken())
    assert "could not download" in caught.value.message and "--voc-url" in caught.value.hint


@pytest.mark.parametrize("member", [
    {"name": "../escaped.txt"},
    {"name": "/tmp/vocseg-absolute.txt"},
    {"name": "benchmark_RELEASE/evil", "link": "../../../escaped.txt", "symlink": True},
    {"name": "benchmark_RELEASE/hard", "link": "../outside.txt"},
], ids=["dotdot", "absolute", "symlink-escape", "hardlink-escape"])
def test_members_escaping_the_data_root_are_refused(member: dict[str, object], tmp_path: Path) -> None:
    archive = tmp_path / "benchmark.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        add_member(tar, "benchmark_RELEASE/dataset/train.txt", b"a\n")
        add_member(tar, **member)  # type: ignore[arg-type]
        add_member(tar, "benchmark_RELEASE/dataset/val.txt", b"b\n")
    root = tmp_path / "project" / "data"
    root.mkdir(parents=True)
    (root / "benchmark.tgz").write_bytes(archive.read_bytes())
    with pytest.raises(UnsafeArchiveError) as caught:
        fetch(resolve("sbd", None, "none"), root, allow_download=False, emit=ignore, cancel=CancelToken())
    assert str(member["name"]) in caught.value.message
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if not p.is_dir()}
    assert written == {"benchmark.tgz", "project/data/benchmark.tgz"}  # the user's file is kept
    assert not Path("/tmp/vocseg-absolute.txt").exists()


def test_local_archive_with_wrong_md5_is_kept_and_explained(
        sample_archives: SampleArchives, tmp_path: Path) -> None:
    (tmp_path / "benchmark.tgz").write_bytes(sample_archives.sbd.read_bytes())
    with pytest.raises(ChecksumError) as caught:
        fetch(resolve("sbd"), tmp_path, allow_download=False, emit=ignore, cancel=CancelToken())
    assert "82b4d87ceb2ed10f6038a1cba92111cb" in caught.value.message
    assert "--sbd-md5 none" in caught.value.hint
    assert (tmp_path / "benchmark.tgz").exists() and not (tmp_path / "benchmark_RELEASE").exists()


def test_crafted_download_is_refused_and_not_kept_for_resuming(mirror: Mirror, tmp_path: Path) -> None:
    crafted = tmp_path / "crafted.tgz"
    with tarfile.open(crafted, "w:gz") as tar:
        add_member(tar, "benchmark_RELEASE/dataset/train.txt", b"a\n")
        add_member(tar, "benchmark_RELEASE/../../outside.txt", b"owned")
    root = tmp_path / "data"
    spec = resolve("sbd", mirror.serve(crafted), "none")
    with pytest.raises(UnsafeArchiveError):
        fetch(spec, root, allow_download=True, emit=ignore, cancel=CancelToken())
    assert sorted(p.name for p in root.iterdir()) == []
    assert not (tmp_path / "outside.txt").exists()
