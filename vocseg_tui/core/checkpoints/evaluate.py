"""Evaluating a checkpoint on the val split as a detached process, and reading its results.

tools/test.py runs in its own session (setsid) with its output in a log file, so closing the
app or the SSH connection does not stop it; its results land in `<run>/eval/<checkpoint>/
metrics.json` (written atomically, per-class IoU included). The state of an evaluation is read
from its files only (pid file with the process's start time, metrics, log), so any number of
UIs agree on it and nothing lives in the app's memory.

It runs on the device chosen (the GPUs area's choice, `--gpus`): one process, so one GPU, the
choice's first, pinned through the placement's environment and used as `cuda:0` inside; CPU
hides every GPU. Without that, tools/test.py would land on CUDA's device 0 in CUDA's own
order, possibly a colleague's full GPU. The pid file records where it runs (`device`,
`visible_devices`), so every UI can say so while it runs; the metrics record it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vocseg_tui.core.checkpoints.errors import CheckpointError
from vocseg_tui.core.checkpoints.model import Checkpoint, Run
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.jobs.procs import is_alive, start_time
from vocseg_tui.core.placement import Placement, one_process

TEST_TOOL = Path(__file__).resolve().parents[3] / "tools" / "test.py"


@dataclass(frozen=True)
class EvalPaths:
    folder: Path

    @classmethod
    def of(cls, ckpt: Checkpoint) -> EvalPaths:
        return cls(ckpt.path.parent / "eval" / ckpt.path.stem)

    @property
    def metrics(self) -> Path:
        return self.folder / "metrics.json"

    @property
    def log(self) -> Path:
        return self.folder / "eval.log"

    @property
    def pid(self) -> Path:
        return self.folder / "eval.pid"


@dataclass(frozen=True)
class EvalStatus:
    """'none' (never evaluated), 'running', 'done' or 'failed', with metrics when done."""

    state: str
    metrics: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    device: str = ""
    """Where it runs or ran, as the user chose it: "CPU", "GPU 2", "GPU 2 (first of 2,3)"."""

    @property
    def classes(self) -> list[dict[str, Any]]:
        return list(self.metrics.get("classes", []))


def project_root_of(run: Run, fallback: Path | None = None) -> Path:
    """Where the config's relative data paths resolve: the run's project (see core.scope), else
    the folder holding work_dirs/, else `fallback` (typically the open project)."""
    if run.project is not None:
        return run.project
    parent = run.work_dir.parent
    return parent.parent if parent.name == "work_dirs" else (fallback or Path.cwd())


@dataclass(frozen=True)
class EvalLaunch:
    """A started evaluation: its files and where it runs."""

    paths: EvalPaths
    placement: Placement

    @property
    def log(self) -> Path:
        return self.paths.log

    @property
    def metrics(self) -> Path:
        return self.paths.metrics


def eval_command(run: Run, ckpt: Checkpoint, placement: Placement | None = None) -> list[str]:
    if run.config_dump is None:
        raise CheckpointError(f"run {run.name} has no config dump", "evaluation needs the run's own config")
    paths = EvalPaths.of(ckpt)
    return [sys.executable, str(TEST_TOOL), str(run.config_dump), str(ckpt.path),
            "--work-dir", str(paths.folder), "--metrics", str(paths.metrics),
            "--device", (placement or Placement.cpu()).kind]


def start_evaluation(run: Run, ckpt: Checkpoint, *, cwd: Path | None = None,
                     devices: DeviceChoice | None = None) -> EvalLaunch:
    """Start tools/test.py detached on the choice's first GPU (or CPU, the default); refuses a
    damaged checkpoint or a second concurrent run."""
    if not ckpt.ok:
        raise CheckpointError(f"{ckpt.name} is damaged: {ckpt.problem}", "evaluate an intact checkpoint")
    if evaluation_status(ckpt).state == "running":
        raise CheckpointError(f"{ckpt.name} is already being evaluated", "wait for its results")
    placement = one_process(devices or DeviceChoice.cpu())
    command = eval_command(run, ckpt, placement)
    paths = EvalPaths.of(ckpt)
    paths.folder.mkdir(parents=True, exist_ok=True)
    with open(paths.log, "wb") as log:
        process = subprocess.Popen(command, cwd=cwd or project_root_of(run), stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   close_fds=True, env={**os.environ, **placement.environment()})
    write_text_atomic(paths.pid, json.dumps({
        "pid": process.pid, "started": start_time(process.pid), "device": placement.label(),
        "visible_devices": placement.visible_devices}))
    return EvalLaunch(paths, placement)


def evaluation_statuses(runs: Iterable[Run]) -> dict[str, EvalStatus]:
    """The status of every checkpoint of these runs that was ever evaluated, by path.

    Checkpoints without an evaluation folder are left out, so a scan of many runs reads only
    the folders that exist.
    """
    return {str(ckpt.path): evaluation_status(ckpt) for run in runs for ckpt in run.checkpoints
            if EvalPaths.of(ckpt).folder.is_dir()}


def evaluation_status(ckpt: Checkpoint) -> EvalStatus:
    """What the files say about the checkpoint's evaluation."""
    paths = EvalPaths.of(ckpt)
    launch: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        launch = json.loads(paths.pid.read_text(encoding="utf-8"))
    device = str(launch.get("device") or "")
    if launch and is_alive(launch.get("pid"), launch.get("started")):
        return EvalStatus("running", device=device)
    metrics = read_metrics(paths.metrics)
    started = float(launch.get("started") or 0.0)
    if metrics and float(metrics.get("finished_at", 0.0)) >= started:
        return EvalStatus("done", metrics, device=device)
    if launch:
        return EvalStatus("failed", message=_last_error(paths.log), device=device)
    return EvalStatus("none")


def read_metrics(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _last_error(log: Path) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
    except OSError:
        return "the evaluation ended without results"
    errors = [line.removeprefix("error:").strip() for line in lines if line.startswith("error:")]
    return (errors or lines or ["the evaluation ended without results"])[-1][:300]
