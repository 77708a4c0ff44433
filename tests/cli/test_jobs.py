"""`vocseg-tui train|jobs|stop|resume`: output formats and exit codes are an API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.cli import main
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.project import Project


def test_jobs_json_is_an_object_with_no_jobs_at_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == 1 and document["jobs"] == [] and document["elsewhere"] == 0


def test_jobs_lists_objects_with_the_documented_fields(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    registry = Registry()
    parent = registry.add(name="a", config="/p/c.py", work_dir=str(tmp_path), cwd="/p", backend="local",
                          state=JobState.STOPPED, exit_code=85)
    registry.add(name="a", config="/p/c.py", work_dir=str(tmp_path), cwd="/p", backend="local",
                 state=JobState.FAILED, exit_code=137, signal=9, parent_id=parent.id, train_pid=4242,
                 failure="the process was killed by SIGKILL")
    assert main(["jobs", "--all-projects", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["jobs"]
    assert [r["id"] for r in rows] == [parent.id + 1, parent.id]
    assert {"id", "state", "exit_code", "pid", "work_dir", "config", "parent_id", "project"} <= set(rows[0])
    assert rows[0]["parent_id"] == parent.id and rows[0]["pid"] == 4242 and rows[0]["state"] == "failed"
    assert main(["jobs", "--all-projects"]) == 0
    text = capsys.readouterr().out
    assert "exit 137: the process was killed by SIGKILL" in text and "stopped" in text


def _two_projects(sample_project: Project, tmp_path: Path) -> tuple[Project, Project, int, int]:
    """The sample project and a second one, each with a job in the one registry of this user."""
    other = Project.open(shutil.copytree(sample_project.root, tmp_path / "other-project"))
    registry = Registry()
    ids = []
    for project in (sample_project, other):
        ids.append(registry.add(name="sample_tiny", config=str(project.configs_dir / "sample_tiny.py"),
                                work_dir=str(project.work_dirs / "sample_tiny"), cwd=str(project.root),
                                backend="local", state=JobState.SUCCEEDED).id)
    return sample_project, other, ids[0], ids[1]


def test_jobs_lists_the_projects_own_jobs_and_all_projects_with_a_column(
        sample_project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine, other, my_job, other_job = _two_projects(sample_project, tmp_path)
    assert main(["--project", str(mine.root), "jobs", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [j["id"] for j in document["jobs"]] == [my_job] and document["elsewhere"] == 1
    assert document["jobs"][0]["project"] == str(mine.root) and not document["all_projects"]
    assert main(["--project", str(other.root), "jobs"]) == 0
    text = capsys.readouterr().out
    assert "PROJECT" not in text and f"\n{other_job:>4}  succeeded" in text
    assert f"\n{my_job:>4}  " not in text
    assert "1 job(s) of other projects not shown: add --all-projects" in text

    assert main(["--project", str(mine.root), "jobs", "--all-projects", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {j["id"]: j["project"] for j in document["jobs"]} == {my_job: str(mine.root),
                                                                  other_job: str(other.root)}
    assert document["all_projects"] and document["elsewhere"] == 0
    assert main(["--project", str(mine.root), "jobs", "--all-projects"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "PROJECT" in lines[0] and "other projects not shown" not in "\n".join(lines)
    assert {line.split()[0]: line.split()[2] for line in lines[1:]} == {
        str(my_job): mine.root.name, str(other_job): "other-project"}


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
