"""Launching, resuming and retrying jobs: validate everything first, then register, then start.

Bad input (missing config, a config the recipe validator rejects, a GPU index the machine does
not have, a work dir that cannot be written, a work dir another job is training in) is refused
with the reason before anything is written to the registry or started.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.backend import BACKENDS
from vocseg_tui.core.jobs.command import TRAIN_SCRIPT, train_command
from vocseg_tui.core.jobs.errors import JobError, LaunchRefused
from vocseg_tui.core.jobs.queue import QueueRule
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.resume_point import is_intact, last_good_checkpoint
from vocseg_tui.core.jobs.states import ACTIVE_STATES, JobState
from vocseg_tui.core.jobs.status import refresh

CHANGED_ENV = ("PYTHONUNBUFFERED",)


@dataclass
class LaunchRequest:
    config: Path
    cwd: Path
    """Where training runs: the project root (configs name data paths relative to it)."""
    devices: DeviceChoice = field(default_factory=DeviceChoice.cpu)
    work_dir: Path | None = None
    resume: bool = False
    """Continue the run in `work_dir` from its last intact checkpoint."""
    resume_from: Path | None = None
    """Continue from this checkpoint instead (it must be an intact file)."""
    queue: QueueRule | None = None
    backend: str = "local"
    max_retries: int = 0
    nproc: int | None = None
    """Training processes; default one per GPU (one on CPU). >1 on CPU uses gloo."""
    amp: bool = False
    cfg_options: list[str] = field(default_factory=list)
    slurm: dict[str, Any] = field(default_factory=dict)
    """With backend "slurm": partition, nodes, gpus_per_node, cpus_per_task, time, account, qos,
    resubmits (automatic resubmissions at the time limit)."""


def default_work_dir(cwd: Path, config: Path) -> Path:
    """mmseg's default: work_dirs/<config name> under the folder training runs in."""
    return cwd / "work_dirs" / config.stem


def _validate_config(config: Path, request: LaunchRequest, processes: int) -> None:
    """The config as it will train (`--cfg-options` merged) against this launch and machine:
    the Recipe area's validator plus the launch check (dataset files, a weights download that
    cannot happen, the device count the LR was scaled for, CUDA-only features on CPU), so what
    would fail in the first minute is refused before anything is registered."""
    if not config.is_file():
        raise LaunchRefused(f"config {config} does not exist", "pick a file from the project's configs/")
    if config.suffix != ".py":
        raise LaunchRefused(f"{config} is not a Python config", "mmengine configs end in .py")
    try:  # the Recipe area's checks: they resolve the config in a child process (~1 s)
        from vocseg_tui.core.recipe.loader import resolve_config
        from vocseg_tui.core.recipe.preflight import launch_check
    except ImportError:
        return
    cpu = request.devices.is_cpu
    if request.backend == "slurm":  # one task per GPU on each node, else --nproc CPU tasks per node
        gpus_per_node = int(request.slurm.get("gpus_per_node") or 0)
        processes = (gpus_per_node or processes) * int(request.slurm.get("nodes") or 1)
        cpu = gpus_per_node == 0
    try:
        resolved = resolve_config(config, cwd=request.cwd, cfg_options=request.cfg_options)
    except VocsegError as error:
        raise LaunchRefused(f"config {config.name} does not load: {error.message}", error.hint) from error
    findings = launch_check(resolved.config, base=request.cwd, processes=processes, cpu=cpu,
                            amp=request.amp, source=str(request.config))
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        listed = "; ".join(f.message for f in errors)
        fixes = "; ".join(f.fix for f in errors if f.fix)
        raise LaunchRefused(f"config {config.name} fails the recipe checks: {listed}",
                            fixes or "fix it in the Recipe area (key 3)")


def _validate_gpus(indices: tuple[int, ...]) -> None:
    if not indices:
        return
    try:
        from vocseg_tui.core.gpus import take_inventory
    except ImportError:
        return
    inventory = take_inventory()
    if inventory.cpu_only:
        raise LaunchRefused(f"GPU {','.join(map(str, indices))} asked, but this machine has no usable GPU "
                            f"({inventory.cpu_only_reason or 'none found'})", "train on CPU: --gpus cpu")
    missing = [i for i in indices if inventory.by_index(i) is None]
    if missing:
        have = ",".join(str(g.index) for g in inventory.gpus)
        raise LaunchRefused(f"GPU {','.join(map(str, missing))} does not exist (this machine has {have})",
                            "see `vocseg-tui gpus` for the GPUs and their indices")


def _validate_work_dir(work_dir: Path) -> None:
    try:
        work_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=work_dir, prefix=".write-test-"):
            pass
    except OSError as error:
        raise LaunchRefused(f"work dir {work_dir} is not writable: {error.strerror or error}",
                            "pass another --work-dir, or fix its permissions") from error


def _refuse_if_busy(registry: Registry, work_dir: Path) -> None:
    for job in registry.all_jobs(states=ACTIVE_STATES):
        if Path(job.work_dir) == work_dir and refresh(registry, job).state.is_active:
            raise LaunchRefused(f"job {job.id} is already {job.state.value} in {work_dir}",
                                f"stop it first (`vocseg-tui stop {job.id}`) or pass another --work-dir")


def launch(request: LaunchRequest, registry: Registry | None = None) -> Job:
    """Validate, register and start a job; returns at once (the job runs detached)."""
    registry = registry or Registry()
    config = request.config if request.config.is_absolute() else request.cwd / request.config
    config = config.resolve()
    nproc = request.nproc or request.devices.processes
    if nproc < 1:
        raise LaunchRefused(f"cannot train with {nproc} processes", "use 1 or more")
    if request.backend not in BACKENDS:
        raise LaunchRefused(f"unknown back end {request.backend!r}", f"use one of {', '.join(BACKENDS)}")
    reason = BACKENDS[request.backend].unavailable_reason()
    if reason:
        raise LaunchRefused(reason, "use the default back end: the job survives logging out anyway")
    if request.backend == "slurm":
        from vocseg_tui.core.jobs.slurm import check_options

        check_options(request.slurm)
    if not TRAIN_SCRIPT.is_file():
        raise LaunchRefused(f"{TRAIN_SCRIPT} is missing", "reinstall vocseg-tui from its repository")
    if request.max_retries < 0 or request.max_retries > 10:
        raise LaunchRefused(f"retries must be between 0 and 10, not {request.max_retries}", "")
    _validate_gpus(request.devices.indices)
    _validate_config(config, request, nproc)
    work_dir = (request.work_dir or default_work_dir(request.cwd, config)).expanduser()
    work_dir = (request.cwd / work_dir if not work_dir.is_absolute() else work_dir).resolve()
    _validate_work_dir(work_dir)
    _refuse_if_busy(registry, work_dir)
    resume_from = ""
    if request.resume_from is not None:
        if not is_intact(request.resume_from):
            raise LaunchRefused(f"{request.resume_from} is not an intact checkpoint",
                                "pick an epoch_*.pth / iter_*.pth file that finished writing")
        resume_from = str(request.resume_from.resolve())
    elif request.resume:
        found = last_good_checkpoint(work_dir)
        if found is None:
            raise LaunchRefused(f"nothing to resume: {work_dir} holds no intact checkpoint",
                                "launch without --resume to start from scratch")
        resume_from = str(found)
    options: dict[str, Any] = {"nproc": nproc, "amp": request.amp, "cfg_options": list(request.cfg_options),
                               "cpu": request.devices.is_cpu}
    if request.backend == "slurm":
        from vocseg_tui.core.jobs.slurm import DEFAULT_RESUBMITS

        options["slurm"] = {k: v for k, v in request.slurm.items() if v not in (None, "")}
        if options["slurm"].get("time"):
            options["slurm"].setdefault("resubmits", DEFAULT_RESUBMITS)
    queue = request.queue.to_json() if request.queue else {}
    return _register_and_submit(registry, request.backend, name=config.stem, config=str(config),
                                work_dir=str(work_dir), cwd=str(request.cwd.resolve()),
                                gpus=list(request.devices.indices), gpu_uuids=list(request.devices.uuids),
                                env=_changed_env(request.devices), options=options, queue=queue,
                                resume_from=resume_from, max_retries=request.max_retries)


def _changed_env(devices: DeviceChoice) -> dict[str, str]:
    return {**devices.environment(), "PYTHONUNBUFFERED": "1"}


def _register_and_submit(registry: Registry, backend: str, **values: Any) -> Job:
    values["command"] = train_command(values["config"], values["work_dir"], values["options"],
                                      values.get("resume_from", ""))
    job = registry.add(backend=backend, state=JobState.QUEUED, **values)
    try:
        return BACKENDS[backend](registry).submit(job)
    except (OSError, VocsegError) as error:
        registry.update(job.id, state=JobState.FAILED, failure=f"could not start: {error}")
        if isinstance(error, VocsegError):
            raise
        raise JobError(f"could not start job {job.id}: {error}", "see its log") from error


def resume(job_id: int, registry: Registry | None = None, *, retry: bool = False,
           checkpoint: Path | None = None, options: dict[str, Any] | None = None) -> Job:
    """A new attempt (a new job with `parent_id`) in the same work dir, from `checkpoint` (the
    Checkpoints area's pick) or else the last intact checkpoint, named explicitly either way.
    Only stopped, failed or lost jobs can be resumed. `options` replaces the job's launch options
    (the Slurm time limit's continuation passes one fewer resubmission)."""
    registry = registry or Registry()
    job = refresh(registry, registry.get(job_id))
    if not job.state.can_resume:
        raise JobError(f"job {job.id} is {job.state.value}; only stopped, failed or lost jobs resume",
                       f"stop it first: `vocseg-tui stop {job.id}`" if job.state.is_active else "")
    work_dir = Path(job.work_dir)
    _refuse_if_busy(registry, work_dir)
    found = last_good_checkpoint(work_dir) if checkpoint is None else checkpoint.resolve()
    if found is None:
        raise JobError(f"job {job.id} saved no intact checkpoint in {work_dir}",
                       "launch it again from scratch")
    if checkpoint is not None and not (found.parent == work_dir.resolve() and is_intact(found)):
        raise JobError(f"{checkpoint} is not an intact checkpoint of job {job.id}'s work dir {work_dir}",
                       "pick one of the epoch_*.pth / iter_*.pth files in that folder")
    for name in ("PYTHONUNBUFFERED",):
        job.env.setdefault(name, "1")
    return _register_and_submit(
        registry, job.backend, name=job.name, config=job.config, work_dir=job.work_dir, cwd=job.cwd,
        gpus=job.gpus, gpu_uuids=job.gpu_uuids, env=job.env, options=_launch_options(options or job.options),
        queue=job.queue,
        resume_from=str(found), max_retries=job.max_retries if retry else 0, parent_id=job.id,
        attempt=job.attempt + 1,
    )


def _launch_options(options: dict[str, Any]) -> dict[str, Any]:
    """What a new attempt inherits: not the previous attempt's Slurm job id or script."""
    return {k: v for k, v in options.items() if k not in ("slurm_job_id", "batch_script")}


def stop(job_id: int, registry: Registry | None = None, *, after_epoch: bool = False) -> Job:
    """Ask a queued or running job to stop (now, or at the end of its epoch)."""
    from vocseg_tui.core.jobs.backend import backend_for

    registry = registry or Registry()
    job = refresh(registry, registry.get(job_id))
    if not job.state.is_active:
        raise JobError(f"job {job.id} is already {job.state.value}", "nothing to stop")
    backend = backend_for(job, registry)
    if after_epoch:
        backend.stop_after_epoch(job)
    else:
        backend.stop(job)
    return job


def retries_left(job: Job) -> int:
    return max(0, job.max_retries - (job.attempt - 1))


def environment_for(job: Job) -> dict[str, str]:
    """The training's full environment: ours, with the job's changes and its request files."""
    from vocseg_tui.core.jobs.paths import STOP_FILE_ENV, STOPPED_MARKER_ENV

    return {**os.environ, **job.env, STOP_FILE_ENV: str(job.paths.stop_after_epoch_request),
            STOPPED_MARKER_ENV: str(job.paths.stopped_marker)}
