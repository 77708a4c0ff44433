"""Shared by the jobs tests: run the real CLI, wait for a job's state in the real registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.training import convert_like_voc_aug
from tests.waiting import wait_until
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
    """Wait until the job is in one of `states` (with a training pid if `what` asks); fail showing its log."""
    registry = Registry()

    def reached() -> Job | None:
        job = registry.get(job_id)
        return job if job.state.value in states and (what != "train_pid" or job.train_pid) else None

    def log_tail() -> str:
        job = registry.get(job_id)
        tail = job.log_path.read_text(errors="replace")[-3000:] if job.log_path.exists() else "(no log)"
        return f"job {job_id} is {job.state.value}\n{tail}"

    return wait_until(reached, timeout, f"job {job_id} reaching {sorted(states)}", interval=0.2,
                      describe=log_tail)


def wait_for_text(path: Path, text: str, timeout: float = 60.0) -> str:
    def content() -> str | None:
        if path.exists() and text in (read := path.read_text(errors="replace")):
            return read
        return None

    return wait_until(content, timeout, f"{path} showing {text!r}", interval=0.2)
