"""`vocseg-tui prepare` run as scripts run it: a child process, a mirror on 127.0.0.1, exit codes."""

# ruff: noqa: F811  (pytest fixtures imported by name)
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.data.helpers import SampleArchives, md5, mirror, sample_archives  # noqa: F401
from tests.core.data.mirror import Mirror
from vocseg_tui.core.project import Project

pytestmark = pytest.mark.slow


def _prepare(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vocseg_tui", "prepare", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **(env or {})})


def test_download_through_environment_overrides_then_json_summary(
        sample_archives: SampleArchives, mirror: Mirror, tmp_path: Path) -> None:
    env = {"VOCSEG_VOC_URL": f"{mirror.url('nowhere.tar')} {mirror.serve(sample_archives.voc)}",
           "VOCSEG_VOC_MD5": md5(sample_archives.voc),
           "VOCSEG_SBD_URL": mirror.serve(sample_archives.sbd), "VOCSEG_SBD_MD5": md5(sample_archives.sbd)}
    done = _prepare("--data-root", str(tmp_path / "data"), "--download", "--json", env=env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["schema"] == 1
    assert {k: summary[k] for k in ("train", "val", "aug", "trainaug", "converted", "skipped", "failed")} == {
        "train": 8, "val": 6, "aug": 18, "trainaug": 26, "converted": 26, "skipped": 0, "failed": []}
    assert summary["complete"] and summary["verified"] and not summary["official"]
    assert "Extract VOC 2012 done" in done.stderr

    again = _prepare("--data-root", str(tmp_path / "data"), "--json", "--deep", env=env)
    assert again.returncode == 0
    assert (json.loads(again.stdout)["converted"], json.loads(again.stdout)["skipped"]) == (0, 26)


def test_wrong_md5_flag_is_an_error_with_a_hint(sample_archives: SampleArchives, mirror: Mirror,
                                                tmp_path: Path) -> None:
    done = _prepare("--data-root", str(tmp_path), "--download",
                    "--sbd-url", mirror.serve(sample_archives.sbd), "--sbd-md5", "f" * 32)
    assert done.returncode == 2
    assert "error: benchmark.tgz from" in done.stderr and "expected ffff" in done.stderr
    assert "hint:" in done.stderr and done.stdout == ""


def test_missing_data_without_download_exits_2(tmp_path: Path) -> None:
    done = _prepare("--data-root", str(tmp_path))
    assert done.returncode == 2 and "--download" in done.stderr


def test_corrupt_label_makes_it_exit_1_with_the_file_named(sample_project: Project) -> None:
    (sample_project.sbd_root / "cls" / "2011_000550.mat").write_bytes(b"not a mat file")
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", "--project", str(sample_project.root),
                           "prepare", "--jobs", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "25 converted, 0 up to date, 1 failed" in done.stdout
    assert "2011_000550.mat: MatReadError" in done.stderr and "INCOMPLETE" in done.stdout
    assert "SegmentationClassAug/2011_000550.png: listed but missing" in done.stderr
