"""Reproducibility records on synthetic work dirs: where each attempt's goes, reading damaged
ones, the environment and recipe diffs of `runs compare`, and fields that fail to collect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vocseg_tui.core.jobs.paths import STOPPED_MARKER_ENV, JobPaths
from vocseg_tui.core.runs import diff
from vocseg_tui.core.runs.repro import job_folder_from_env, read_records, record_path
from vocseg_tui.core.runs.repro_text import record_lines
from vocseg_tui.workers import repro as collector


def _record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schema": 1, "written_at": "2026-12-01T10:00:00+0000", "attempt": "20261201_100000", "job_id": 3,
        "host": "node1", "cwd": "/p", "command": ["python", "tools/train.py", "c.py"],
        "git": {"commit": "abc", "dirty": True, "diff": "+x\n", "diff_sha256": "d1"},
        "config": {"path": "/w/c.py", "sha256": "c1"},
        "versions": {"python": "3.11.7", "torch": "2.4.0", "cuda": "12.1", "cudnn": 90100,
                     "mmcv": "2.1.0", "mmengine": "0.10.7", "mmseg": "1.2.2"},
        "gpus": {"source": "nvml", "driver": "550.54",
                 "devices": [{"index": 0, "name": "A100", "uuid": "GPU-1"}]},
        "data": {"data/VOC2012": {"path": "/d", "lists": {"train": {"sha256": "t1", "lines": 1464}}}},
        "packages": ["numpy==1.26.4", "torch==2.4.0"],
    }
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            record[section] = {**record[section], field: value}
        else:
            record[section] = value
    return record


def _work_dir(root: Path, name: str, record: dict[str, Any] | None, lr: float = 0.01) -> Path:
    work_dir = root / name
    work_dir.mkdir(parents=True)
    (work_dir / f"{name}.py").write_text(
        f"model = dict()\nvocseg_recipe = dict(\n    name='{name}',\n    work_dir='work_dirs/{name}',\n"
        f"    base_lr={lr},\n    crop=(512, 512),\n    max_epochs=8,\n)\n")
    if record is not None:
        paths = JobPaths(work_dir, 3)
        paths.create()
        paths.repro.write_text(json.dumps(record))
    return work_dir


def test_the_environment_diff_keeps_only_what_differs(tmp_path: Path) -> None:
    other = _record(versions__torch="2.5.1", packages=["numpy==2.0.0", "torch==2.5.1"], written_at="later",
                    gpus={"source": "nvml", "driver": "550.54",
                          "devices": [{"index": 0, "name": "H100", "uuid": "GPU-2"}]},
                    git={"commit": "abc", "dirty": True, "diff": "+y\n", "diff_sha256": "d2"})
    a, b = _work_dir(tmp_path, "a", _record()), _work_dir(tmp_path, "b", other)
    rows = {r["key"]: r["values"] for r in diff.environment_diff([a, b])}
    assert rows == {"versions.torch": ["2.4.0", "2.5.1"], "packages.numpy": ["1.26.4", "2.0.0"],
                    "packages.torch": ["2.4.0", "2.5.1"], "gpus.names": ["A100", "H100"],
                    "gpus.uuids": ["GPU-1", "GPU-2"], "git.diff_sha256": ["d1", "d2"]}


def test_a_run_without_a_record_says_so_first(tmp_path: Path) -> None:
    a, b = _work_dir(tmp_path, "a", _record()), _work_dir(tmp_path, "b", None)
    rows = diff.environment_diff([a, b])
    assert rows[0]["key"] == "record" and rows[0]["values"][1] is None
    assert rows[0]["values"][0].endswith("job-3/repro.json")
    assert {"key": "versions.torch", "values": ["2.4.0", None]} in rows
    none = diff.environment_diff([b, b])
    assert diff.no_records(none) and "no reproducibility record" in diff.to_markdown("E", ["b", "b"], none)


def test_the_recipe_diff_leaves_out_the_names(tmp_path: Path) -> None:
    a, b = _work_dir(tmp_path, "a", None, lr=0.01), _work_dir(tmp_path, "b", None, lr=0.02)
    assert diff.recipe_diff([a, b]) == [{"key": "base_lr", "values": [0.01, 0.02]}]
    text = diff.to_markdown("Recipe diff", ["a", "b"], diff.recipe_diff([a, b]))
    assert "| base_lr | 0.01 | 0.02 |" in text
    assert "no differences" in diff.to_markdown("Recipe diff", ["a", "a"], diff.recipe_diff([a, a]))


def test_each_attempt_gets_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = JobPaths(tmp_path / "w", 7)
    monkeypatch.setenv(STOPPED_MARKER_ENV, str(paths.stopped_marker))
    folder = job_folder_from_env()
    assert folder == paths.folder
    assert record_path(paths.work_dir, "20261201_100000", folder) == paths.repro
    paths.create()
    paths.repro.write_text("{}")
    assert record_path(paths.work_dir, "20261201_110000", folder).name == "repro-20261201_110000.json"
    monkeypatch.delenv(STOPPED_MARKER_ENV)
    by_hand = record_path(paths.work_dir, "s", job_folder_from_env())
    assert by_hand == paths.work_dir / ".vocseg" / "repro-s.json"


def test_a_damaged_record_is_read_as_its_error(tmp_path: Path) -> None:
    work_dir = _work_dir(tmp_path, "a", _record())
    (work_dir / ".vocseg" / "repro-20261202_000000.json").write_text('{"schema": 1, "host')
    records = read_records(work_dir)
    assert len(records) == 2 and any("cannot read" in str(r.get("error")) for r in records)
    assert all(isinstance(line, str) for r in records for line in record_lines(r))


def test_a_field_that_fails_is_recorded_and_the_rest_written(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> list[str]:
        raise RuntimeError("metadata unreadable")

    monkeypatch.setattr(collector, "packages", broken)
    monkeypatch.delenv(STOPPED_MARKER_ENV, raising=False)
    monkeypatch.chdir(tmp_path)  # not a git repository: git is None
    cfg = {"train_dataloader": {"dataset": {"data_root": "data/VOC2012"}}}
    path, error = collector.write_record(cfg, work_dir=tmp_path / "w", config_dump=None, stamp="s",
                                         argv=["t"])
    assert error is None and path is not None
    record = json.loads(path.read_text())
    assert record["packages"] == {"error": "RuntimeError: metadata unreadable"}
    assert record["git"] is None and "error" in record["config"]
    assert record["data"]["data/VOC2012"]["lists"]["train"] == {"missing": True}
    assert any("packages     RuntimeError" in line for line in record_lines(record))
    blocked = tmp_path / "file"
    blocked.write_text("")
    path, error = collector.write_record(cfg, work_dir=blocked, config_dump=None, stamp="s", argv=[])
    assert path is None and error is not None  # a record that cannot be written fails nothing


def test_the_gpus_are_read_through_our_nvml_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.core.gpus.servers import eight_gpus, write

    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(write(tmp_path / "gpus.json", eight_gpus())))
    found = collector.gpus()
    assert found["source"] == "fake" and found["driver"] == "550.54.15" and len(found["devices"]) == 8
    assert found["devices"][0] == {"index": 0, "name": "NVIDIA A100-SXM4-80GB",
                                   "uuid": "GPU-00000000-1111-2222-3333-444455556666"}
    assert "error" in found["devices"][4]  # a lost GPU keeps its row, and its identity where known
