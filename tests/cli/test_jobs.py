"""`vocseg-tui train|jobs|stop|resume`: output formats and exit codes are an API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
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


def _gpus(tmp_path: Path) -> Path:
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"uuid": f"GPU-{i}{i}{i}{i}"} for i in range(4)]}))
    return fake


def test_dry_run_prints_the_plan_and_starts_nothing(sample_project: Project, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(_gpus(tmp_path)))
    convert_like_voc_aug(sample_project)  # the plan is made after the launch checks pass
    root = str(sample_project.root)
    two = ["--cfg-options", "optim_wrapper.optimizer.lr=0.1"]  # the LR scaled for 2 processes
    assert main(["--project", root, "train", "configs/sample_tiny.py", "--gpus", "1,3", "--dry-run",
                 "--json", *two]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert set(plan) == {"schema", "argv", "env", "nproc", "backend", "launcher", "backend_kind", "script"}
    assert (plan["nproc"], plan["backend"], plan["launcher"], plan["backend_kind"]) == (2, "nccl", "pytorch",
                                                                                         "local")
    assert plan["env"]["CUDA_VISIBLE_DEVICES"] == "GPU-1111,GPU-3333" and plan["script"] is None
    assert plan["argv"][1:5] == ["-m", "torch.distributed.run", "--nproc-per-node", "2"]
    assert "env_cfg.dist_cfg.backend=nccl" in plan["argv"]
    assert main(["--project", root, "train", "configs/sample_tiny.py", "--queue", "--any", "2",
                 "--dry-run", *two]) == 0
    text = capsys.readouterr().out
    assert "2 process(es), backend nccl" in text and "picked and pinned" in text
    assert "nothing was registered or started" in text
    assert Registry().all_jobs() == [] and not (sample_project.work_dirs / "sample_tiny").exists()


def test_refusals_of_a_dry_run_exit_2_like_a_launch(sample_project: Project, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(_gpus(tmp_path)))
    root = str(sample_project.root)
    for args, said in ((["--gpus", "0", "--nproc", "2"], "--nproc 2 does not match the 1 GPU(s)"),
                       (["--nproc", "1", "--gpus", "0,1"], "1 GPU(s) would stay idle"),
                       (["--gpus", "7"], "GPU 7 does not exist"),
                       (["--any", "2"], "needs --queue"),
                       (["--partition", "gpu"], "options of the slurm back end")):
        for dry in ([], ["--dry-run"]):
            assert main(["--project", root, "train", "configs/sample_tiny.py", *args, *dry]) == 2, args
            err = capsys.readouterr().err
            assert said in err and "hint:" in err, (args, err)
    assert Registry().all_jobs() == []
