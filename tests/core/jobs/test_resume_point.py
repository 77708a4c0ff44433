"""Resume names an intact checkpoint; a missing or stale `last_checkpoint` marker is no trap."""

from __future__ import annotations

import zipfile
from pathlib import Path

from vocseg_tui.core.jobs.resume_point import last_good_checkpoint


def _checkpoint(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:  # torch's container is a zip archive
        archive.writestr("archive/data.pkl", b"x" * 100)
    return path


def test_marker_target_is_used_when_intact(tmp_path: Path) -> None:
    _checkpoint(tmp_path / "epoch_1.pth")
    _checkpoint(tmp_path / "epoch_2.pth")
    (tmp_path / "last_checkpoint").write_text(str(tmp_path / "epoch_2.pth"))
    assert last_good_checkpoint(tmp_path) == (tmp_path / "epoch_2.pth").resolve()


def test_a_checkpoint_written_after_the_marker_is_found(tmp_path: Path) -> None:
    """The STACK.md trap: killed after epoch_3.pth was written but before the marker."""
    for n in (1, 2, 3):
        _checkpoint(tmp_path / f"epoch_{n}.pth")
    (tmp_path / "last_checkpoint").write_text(str(tmp_path / "epoch_2.pth"))
    assert last_good_checkpoint(tmp_path) == (tmp_path / "epoch_3.pth").resolve()


def test_no_marker_and_truncated_newest_falls_back_to_the_last_intact(tmp_path: Path) -> None:
    _checkpoint(tmp_path / "epoch_9.pth")
    whole = _checkpoint(tmp_path / "epoch_10.pth").read_bytes()
    (tmp_path / "epoch_11.pth").write_bytes(whole[: len(whole) // 2])  # cut short by a crash
    _checkpoint(tmp_path / "best_mIoU_epoch_4.pth")
    assert last_good_checkpoint(tmp_path) == (tmp_path / "epoch_10.pth").resolve()


def test_nothing_to_resume(tmp_path: Path) -> None:
    assert last_good_checkpoint(tmp_path) is None
    (tmp_path / "last_checkpoint").write_text(str(tmp_path / "epoch_1.pth"))
    assert last_good_checkpoint(tmp_path) is None
