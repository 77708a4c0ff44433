"""The headless commands as scripts use them: real processes, output and exit codes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.training import convert_like_voc_aug
from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.project import STATE_DIR_ENV, Project


def vocseg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vocseg_tui", *args], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=180)


def test_help_lists_the_commands() -> None:
    done = vocseg("--help")
    assert done.returncode == 0
    for command in ("sample", "doctor"):
        assert command in done.stdout
    assert "Exit codes" in done.stdout


def test_sample_creates_a_project_and_refuses_to_clobber(tmp_path: Path) -> None:
    done = vocseg("sample", str(tmp_path / "proj"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["schema"] == 1 and summary["images"] > 0 and Path(summary["config"]).is_file()
    again = vocseg("sample", str(tmp_path / "proj"))
    assert again.returncode == 2
    assert again.stderr.startswith("error: ") and "hint: " in again.stderr
    assert "Traceback" not in again.stderr


def test_missing_project_is_a_clear_error(tmp_path: Path) -> None:
    done = vocseg("--project", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "vocseg-tui sample" in done.stderr


def test_doctor_reports_the_stack_with_fixes() -> None:
    done = vocseg("doctor", "--json")
    document = json.loads(done.stdout)
    assert document["schema"] == 1
    checks = {c["name"]: c for c in document["checks"]}
    assert {"Python", "torch", "mmcv version", "mmcv compiled ops", "mmseg",
            "checkpoint loading", "NVML", "tmux", "lingering"} <= checks.keys()
    assert checks["mmcv compiled ops"]["status"] == "ok"  # the set-up builds them
    assert checks["mmseg"]["status"] == "ok"
    # No driver on CI machines: NVML is a warning with a fix, never a failure.
    if checks["NVML"]["status"] != "ok":
        assert checks["NVML"]["status"] == "warn" and "CPU only" in checks["NVML"]["found"]
    assert done.returncode == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)


def test_doctor_table_is_readable() -> None:
    done = vocseg("doctor")
    assert "mmcv compiled ops" in done.stdout and "Traceback" not in done.stderr


def state_dir_env(state: Path) -> dict[str, str]:
    return {**os.environ, STATE_DIR_ENV: str(state)}


@pytest.mark.parametrize("command", [["jobs"], ["jobs", "--json"], ["train", "configs/sample_tiny.py"],
                                     ["logs", "3"], ["resume", "3"]])
def test_a_corrupt_registry_is_an_error_naming_the_file(tmp_path: Path, sample_project: Project,
                                                        command: list[str]) -> None:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    registry = state / "jobs.sqlite3"
    junk = b"\x00garbage, not SQLite\n" * 100
    registry.write_bytes(junk)
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", *command], cwd=sample_project.root,
                          capture_output=True, text=True, check=False, timeout=120,
                          env=state_dir_env(state))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and not done.stdout
    assert done.stderr.startswith(f"error: the job registry {registry} is damaged")
    assert f"hint: move it aside and vocseg-tui starts a new, empty one: mv {registry} {registry}.corrupt" \
        in done.stderr
    assert registry.read_bytes() == junk


def test_jobs_piped_into_head_ends_quietly(isolated_state_dir: Path, tmp_path: Path) -> None:
    """More rows than a pipe holds: head leaves after 3 lines while `jobs` still writes."""
    registry = Registry()
    for i in range(1500):
        registry.add(name=f"job{i}", config="/p/c.py", work_dir=str(tmp_path / "w"), cwd="/p",
                     state=JobState.FAILED, exit_code=1, failure="x" * 70)
    for args, head_args in ((["jobs", "--all-projects"], ["-3"]),
                            (["jobs", "--all-projects", "--json"], ["-c", "10"])):
        jobs = subprocess.Popen([sys.executable, "-m", "vocseg_tui", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=state_dir_env(isolated_state_dir))
        head = subprocess.Popen(["head", *head_args], stdin=jobs.stdout, stdout=subprocess.PIPE)
        assert jobs.stdout is not None and jobs.stderr is not None
        jobs.stdout.close()  # only head reads it now
        out, _ = head.communicate(timeout=60)
        err = jobs.stderr.read().decode()
        assert jobs.wait(timeout=60) == 0, err
        assert out.startswith(b"  ID  STATE" if head_args == ["-3"] else b'{"all_proj')
        assert err == ""  # no BrokenPipeError, no "Exception ignored"


def refused(root: Path, *args: str) -> str:
    """`train ARGS` in `root`: exit 2 with error and hint, nothing registered; the message."""
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", "train", *args], cwd=root,
                          capture_output=True, text=True, check=False, timeout=180)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: config ") and "\nhint: " in done.stderr
    assert "Traceback" not in done.stderr and not done.stdout
    assert Registry().all_jobs() == [], "nothing registered"
    return " ".join(done.stderr.split())


def test_train_refuses_what_would_fail_in_the_first_minute(sample_project: Project) -> None:
    """Each of these launched ("job 7 launched") and died seconds later before the check."""
    root = sample_project.root
    # No converted data yet: mmseg's `Failed to load ann_file` a few seconds in.
    err = refused(root, "configs/sample_tiny.py")
    assert "dataset files the config names do not exist: data/VOCdevkit/VOC2012/ImageSets/Segmentation/" \
           "aug.txt" in err and "vocseg-tui prepare" in err
    convert_like_voc_aug(sample_project)
    # An empty config: `KeyError: 'model'` after registering.
    (sample_project.configs_dir / "empty.py").write_text("")
    assert "the config is empty" in refused(root, "configs/empty.py")
    # Written for 1 CPU process, launched with 2: the LR of another batch.
    err = refused(root, "configs/sample_tiny.py", "--nproc", "2")
    assert "this launch runs 2 x 2 = batch 4" in err and "optim_wrapper.optimizer.lr=0.1" in err
    # AMP on CPU: `AmpOptimizerWrapper is only available training on gpu`.
    assert "AMP (mixed precision) on a CPU launch" in refused(root, "configs/sample_tiny.py", "--amp")
    # Weights from a host this machine cannot reach (a closed port on the loopback).
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{closed.getsockname()[1]}/resnet18_v1c-b5776b93.pth"
    closed.close()
    err = refused(root, "configs/sample_tiny.py", "--cfg-options", f"model.pretrained={url}")
    assert "need a download this machine cannot make" in err
    assert f"download {url} where there is internet" in err


def test_every_json_output_is_an_object_with_a_schema(sample_project: Project, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """So that a field can be added around the data later (jobs, ckpts and doctor were lists)."""
    from vocseg_tui.cli import main

    root = str(sample_project.root)
    for args in (["jobs"], ["jobs", "--all-projects"], ["ckpts"], ["ckpts", "--all-projects"], ["gpus"],
                 ["recipe"], ["sample", str(tmp_path / "another")]):
        assert main(["--project", root, *args, "--json"]) == 0, args
        document = json.loads(capsys.readouterr().out)
        assert isinstance(document, dict) and document["schema"] == 1, args
