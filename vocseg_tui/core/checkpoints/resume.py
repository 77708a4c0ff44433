"""Resuming training from a chosen checkpoint, as a new attempt in the job registry.

The jobs system's own `resume(job_id)` continues from the newest intact checkpoint; from the
Checkpoints screen the user picks one (an earlier epoch after a divergence, say). The new
attempt is a registry job like any other (parent_id = the run's latest job, attempt + 1, same
config, work dir, devices and options) whose command names the checkpoint explicitly
(`tools/train.py ... --resume CKPT`), planned by the launch contract like any attempt. A run
trained outside vocseg-tui (no job in the registry) gets a first job that trains its config
dump on the devices chosen in the GPUs area, checked like a launch.

Refused before anything is written: a damaged checkpoint, a best_* file (mmengine saves those
without optimizer and scheduler state, so training cannot continue from them), a run without a
config dump, and a work dir a job is still training in.
"""

from __future__ import annotations

from vocseg_tui.core.checkpoints.errors import CheckpointError
from vocseg_tui.core.checkpoints.evaluate import project_root_of
from vocseg_tui.core.checkpoints.model import Checkpoint, Run
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs.checks import refuse_if_busy
from vocseg_tui.core.jobs.launch import LaunchRequest, next_attempt, prepare, start
from vocseg_tui.core.jobs.registry import Job, Registry


def check_resumable(run: Run, ckpt: Checkpoint) -> None:
    if not ckpt.ok:
        raise CheckpointError(f"{ckpt.name} is damaged: {ckpt.problem}", "resume from an intact checkpoint")
    if ckpt.kind not in ("epoch", "iter"):
        raise CheckpointError(
            f"{ckpt.name} holds weights only (mmengine saves best_* without optimizer state)",
            f"resume from an epoch_N/iter_N checkpoint; {ckpt.name} is for evaluation and the demo")
    if run.config_dump is None:
        raise CheckpointError(f"run {run.name} has no config dump", "resume needs the run's own config")


def resume_from_checkpoint(run: Run, ckpt: Checkpoint, *, devices: DeviceChoice | None = None,
                           registry: Registry | None = None) -> Job:
    """Register and start the new attempt; returns its job (running detached)."""
    check_resumable(run, ckpt)
    registry = registry or Registry()
    refuse_if_busy(registry, run.work_dir.resolve())  # a job of ours, or an orphan, trains there
    parent = registry.get(run.job_ids[0]) if run.job_ids else None
    checkpoint = str(ckpt.path.resolve())
    if parent is not None:  # the same devices, options and back end: the launch contract decides
        prepared = next_attempt(parent, registry, checkpoint)
    else:
        assert run.config_dump is not None  # check_resumable
        request = LaunchRequest(config=run.config_dump, cwd=project_root_of(run),
                                devices=devices or DeviceChoice.cpu(), work_dir=run.work_dir.resolve(),
                                resume_from=ckpt.path)
        prepared = prepare(request, registry)
    return start(prepared, registry)
