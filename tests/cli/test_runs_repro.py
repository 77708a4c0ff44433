"""The reproducibility record of a real attempt: our tools/train.py, launched by `vocseg-tui
train` (1 epoch on CPU) in a sample project kept in git with an uncommitted change, writes
`.vocseg/job-N/repro.json`; `runs show` prints it and `runs compare` diffs two runs' records."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.core.jobs.helpers import ONE_EPOCH, launch, ready, wait_for
from vocseg_tui.cli import main
from vocseg_tui.core.project import Project


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def recorded(sample_project: Project, monkeypatch: pytest.MonkeyPatch) -> tuple[Project, int]:
    """The sample in a git repository with one uncommitted edit, trained one epoch as a job."""
    # the job runs this checkout's tools/train.py (the shared venv's editable install may name another)
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    project = ready(sample_project)
    root = project.root
    (root / ".gitignore").write_text("data/\nwork_dirs/\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "sample")
    config = root / "configs" / "sample_tiny.py"
    config.write_text(config.read_text() + "# an uncommitted edit\n")
    job_id = launch(project, *ONE_EPOCH)
    wait_for(job_id, {"succeeded", "failed"}, timeout=120)
    return project, job_id


def _cli(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--project", str(project.root), "runs", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, out


def test_an_attempt_records_code_packages_driver_and_data(recorded: tuple[Project, int],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    project, job_id = recorded
    work_dir = project.work_dirs / "sample_tiny"
    record = json.loads((work_dir / ".vocseg" / f"job-{job_id}" / "repro.json").read_text())
    assert record["schema"] == 1 and record["job_id"] == job_id and record["host"]
    assert any(part.endswith("train.py") for part in record["command"])
    assert "train_cfg.max_epochs=1" in record["command"]
    git = record["git"]
    assert git["commit"] == _git(project.root, "rev-parse", "HEAD").strip()
    assert git["dirty"] and "+# an uncommitted edit" in git["diff"] and not git["diff_truncated"]
    dump = work_dir / "sample_tiny.py"
    assert record["config"]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    versions = record["versions"]
    assert {"python", "torch", "cuda", "cudnn", "mmcv", "mmengine", "mmseg"} <= set(versions)
    assert versions["mmseg"].startswith("1.") and versions["torch"]
    assert any(p.lower().startswith("torch==") for p in record["packages"])
    assert isinstance(record["gpus"]["devices"], list)  # empty on a CPU machine, with the reason
    lists = next(iter(record["data"].values()))["lists"]
    train = project.voc_root / "ImageSets" / "Segmentation" / "train.txt"
    assert lists["train"]["sha256"] == hashlib.sha256(train.read_bytes()).hexdigest()
    assert lists["train"]["lines"] == len(train.read_text().split()) and lists["trainaug"]["lines"] > 0

    _, shown = _cli(project, capsys, "show", "sample_tiny")
    assert git["commit"][:12] in shown and f"torch {versions['torch']}" in shown
    _, out = _cli(project, capsys, "show", str(job_id), "--json")
    assert json.loads(out)["run"]["repro"]["config"]["sha256"] == record["config"]["sha256"]

    # a copy of the run, as if trained under another torch and with a higher LR: compare says so
    other = shutil.copytree(work_dir, project.work_dirs / "sample_other")
    copied = other / ".vocseg" / f"job-{job_id}" / "repro.json"
    copied.write_text(copied.read_text().replace(f'"torch": "{versions["torch"]}"', '"torch": "9.9.9"'))
    dump = other / "sample_tiny.py"
    dump.write_text(dump.read_text().replace("base_lr=0.4,", "base_lr=0.8,"))
    _, out = _cli(project, capsys, "compare", "sample_tiny", "sample_other", "--json")
    data = json.loads(out)
    env = {d["key"]: d["values"] for d in data["environment"]}
    assert env["versions.torch"] == [versions["torch"], "9.9.9"]
    assert {d["key"]: d["values"] for d in data["recipe"]}["base_lr"] == [0.4, 0.8]
    _, text = _cli(project, capsys, "compare", "sample_tiny", "sample_other")
    assert "versions.torch" in text and "base_lr" in text
