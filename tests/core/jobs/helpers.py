"""Shared by the jobs tests: run the real CLI, wait for a job's state in the real registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.training import convert_like_voc_aug
from vocseg_tui.core.jobs import Job, Registry
from vocseg_tui.core.project import Project

ONE_EPOCH = ["--cfg-options", "train_cfg.max_epochs=1"]


def cli(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`vocseg-tui ARGS` in a child process (the registry comes from VOCSEG_STATE_DIR)."""
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    if check and done.returncode != 0:
        raise AssertionError(f"vocseg-tui {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return done


def launch(project: Project, *args: str, config: str = "configs/sample_tiny.py") -> int:
    """`vocseg-tui train CONFIG --json ARGS`; the new job's id."""
    done = cli("train", config, "--json", *args, cwd=project.root)
    return int(json.loads(done.stdout)["id"])


def ready(project: Project) -> Project:
    convert_like_voc_aug(project)
    return project


def wait_for(job_id: int, states: set[str], timeout: float = 120.0, what: str = "") -> Job:
    """Poll the registry until the job is in one of `states`; fail showing its log."""
    registry = Registry()
    deadline = time.monotonic() + timeout
    job = registry.get(job_id)
    while time.monotonic() < deadline:
        job = registry.get(job_id)
        if job.state.value in states and (what != "train_pid" or job.train_pid):
            return job
        time.sleep(0.2)
    log = job.log_path.read_text(errors="replace")[-3000:] if job.log_path.exists() else "(no log)"
    raise AssertionError(f"job {job_id} is {job.state.value}, not {states} after {timeout:.0f}s:\n{log}")


def wait_for_text(path: Path, text: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in (content := path.read_text(errors="replace")):
            return content
        time.sleep(0.2)
    raise AssertionError(f"{path} never showed {text!r}")
