"""`vocseg-tui train|jobs|stop|resume`: output formats and exit codes are an API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vocseg_tui.cli import main
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.project import Project


def test_jobs_json_is_an_empty_list_at_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_jobs_lists_objects_with_the_documented_fields(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    registry = Registry()
    parent = registry.add(name="a", config="/p/c.py", work_dir=str(tmp_path), cwd="/p", backend="local",
                          state=JobState.STOPPED, exit_code=85)
    registry.add(name="a", config="/p/c.py", work_dir=str(tmp_path), cwd="/p", backend="local",
                 state=JobState.FAILED, exit_code=137, signal=9, parent_id=parent.id, train_pid=4242,
                 failure="the process was killed by SIGKILL")
    assert main(["jobs", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [parent.id + 1, parent.id]
    assert {"id", "state", "exit_code", "pid", "work_dir", "config", "parent_id"} <= set(rows[0])
    assert rows[0]["parent_id"] == parent.id and rows[0]["pid"] == 4242 and rows[0]["state"] == "failed"
    assert main(["jobs"]) == 0
    text = capsys.readouterr().out
    assert "exit 137: the process was killed by SIGKILL" in text and "stopped" in text


def test_bad_launches_exit_2_with_a_hint(sample_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(sample_project.root)
    assert main(["--project", root, "train", "configs/missing.py"]) == 2
    err = capsys.readouterr().err
    assert "error: config" in err and "does not exist" in err and "hint:" in err
    assert main(["--project", root, "train", "configs/sample_tiny.py", "--gpus", "zero"]) == 2
    assert "not a list of GPU indices" in capsys.readouterr().err
    assert Registry().all_jobs() == []


def test_stop_and_resume_of_unknown_or_ended_jobs_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stop", "7"]) == 2
    assert "no job 7" in capsys.readouterr().err
    job = Registry().add(name="a", config="/c.py", work_dir="/w", cwd="/", backend="local",
                         state=JobState.SUCCEEDED)
    assert main(["stop", str(job.id), "--after-epoch"]) == 2
    assert "already succeeded" in capsys.readouterr().err
    assert main(["resume", str(job.id)]) == 2
