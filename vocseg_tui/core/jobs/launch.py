"""Launching, resuming and retrying jobs: validate everything first, then register, then start.

Bad input (a missing config, a config the recipe validator rejects, GPUs that do not exist,
failed or are another user's, an --nproc that does not match the GPUs, back-end options the back
end refuses, a work dir that cannot be written, a work dir another job is training in) is
refused with the reason before anything is written to the registry or started. `prepare` does
all of that and returns the launch plan, which is also what `train --dry-run` prints.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.jobs.backend import BACKENDS, DEFAULT_BACKEND, backend_for
from vocseg_tui.core.jobs.checks import (
    check_gpu_count,
    check_gpus,
    check_work_dir,
    new_run_dir,
    refuse_if_busy,
    refuse_other_run,
)
from vocseg_tui.core.jobs.command import TRAIN_SCRIPT
from vocseg_tui.core.jobs.errors import JobError, LaunchRefused
from vocseg_tui.core.jobs.lineage import lineage_checkpoint, refuse_forking
from vocseg_tui.core.jobs.orphans import orphan_pids, stop_orphan
from vocseg_tui.core.jobs.plan import LaunchPlan, LaunchSpec, make_plan
from vocseg_tui.core.jobs.procs import trainings_in
from vocseg_tui.core.jobs.queue import QueueRule
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.resume_point import is_intact, last_good_checkpoint
from vocseg_tui.core.jobs.states import JobState
from vocseg_tui.core.jobs.status import refresh


@dataclass
class LaunchRequest:
    config: Path
    cwd: Path
    """Where training runs: the project root (configs name data paths relative to it)."""
    devices: DeviceChoice = field(default_factory=DeviceChoice.cpu)
    work_dir: Path | None = None
    resume: bool = False
    """Continue the run in `work_dir` (its newest job's lineage) from its newest intact checkpoint."""
    new_run: bool = False
    """Train a new run beside the one `work_dir` holds (in `<work_dir>-N`, see `new_run_dir`)."""
    resume_from: Path | None = None
    """Continue from this checkpoint instead (it must be an intact file)."""
    queue: QueueRule | None = None
    backend: str = DEFAULT_BACKEND
    max_retries: int = 0
    nproc: int | None = None
    """Training processes; default one per GPU (one on CPU). >1 on CPU uses gloo."""
    amp: bool = False
    cfg_options: list[str] = field(default_factory=list)
    backend_options: dict[str, Any] = field(default_factory=dict)
    """The back end's own options (for Slurm: partition, nodes, gpus_per_node, ...)."""
    force: bool = False
    """Train on GPUs another user's processes hold (a warning instead of a refusal)."""


@dataclass(frozen=True)
class Prepared:
    """A validated launch: what will run (`plan`), what to register, and warnings to show."""

    spec: LaunchSpec
    plan: LaunchPlan
    queue: dict[str, Any]
    options: dict[str, Any]
    max_retries: int = 0
    warnings: tuple[str, ...] = ()
    parent_id: int | None = None
    attempt: int = 1


def default_work_dir(cwd: Path, config: Path) -> Path:
    """mmseg's default: work_dirs/<config name> under the folder training runs in."""
    return cwd / "work_dirs" / config.stem


def _validate_config(config: Path, request: LaunchRequest, spec: LaunchSpec, plan: LaunchPlan) -> None:
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
    processes = plan.nproc  # every rank of the run, on every node
    if spec.allocation is not None:  # the scheduler's GPUs, not this (login) machine's
        cpu = spec.allocation.gpus_per_node == 0
    else:
        cpu = not spec.devices.indices and not spec.pending_gpus
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



def _overrides_batch(cfg_options: Sequence[str]) -> bool:
    """A `--cfg-options` batch is not the batch the cached memory estimate is for."""
    return any("batch_size" in option for option in cfg_options)


def prepare(request: LaunchRequest, registry: Registry | None = None, *, dry_run: bool = False) -> Prepared:
    """Every check of a launch, and its plan; nothing is registered or started (with `dry_run`
    nothing is created either: the work dir is only checked)."""
    registry = registry or Registry()
    config = request.config if request.config.is_absolute() else request.cwd / request.config
    config = config.resolve()
    if request.backend not in BACKENDS:
        raise LaunchRefused(f"unknown back end {request.backend!r}", f"use one of {', '.join(BACKENDS)}")
    backend = BACKENDS[request.backend]
    reason = backend.unavailable_reason()
    if reason:
        raise LaunchRefused(reason, "use the default back end: the job survives logging out anyway")
    if not TRAIN_SCRIPT.is_file():
        raise LaunchRefused(f"{TRAIN_SCRIPT} is missing", "reinstall vocseg-tui from its repository")
    if request.max_retries < 0 or request.max_retries > 10:
        raise LaunchRefused(f"retries must be between 0 and 10, not {request.max_retries}", "use 0 to 10")
    backend_options = backend.check_options(dict(request.backend_options))
    allocation = backend.allocation(backend_options)
    queue = request.queue
    pending = queue.count if queue is not None else 0
    devices, warnings = request.devices, list[str]()
    if allocation is None:  # GPUs of this machine (a scheduler's are checked by its back end)
        devices, warnings = check_gpus(request.devices, force=request.force, queued=queue is not None)
        if not request.force and queue is None and not _overrides_batch(request.cfg_options):
            from vocseg_tui.core.fit.check import memory_refusal

            refused = memory_refusal(config, devices.indices, amp=request.amp)
            if refused:
                raise LaunchRefused(*refused)
        if pending:
            check_gpu_count(pending)
        if queue is not None and queue.gpus:
            queue = replace(queue, uuids=devices.uuids)  # the queue waits for these boards
    work_dir = (request.work_dir or default_work_dir(request.cwd, config)).expanduser()
    work_dir = (request.cwd / work_dir if not work_dir.is_absolute() else work_dir).resolve()
    continues = request.resume or request.resume_from is not None
    if request.new_run:
        if continues:
            raise LaunchRefused("--new-run starts a new run, --resume continues one", "use one of them")
        work_dir = new_run_dir(work_dir)
    check_work_dir(work_dir, create=not dry_run)
    refuse_if_busy(registry, work_dir)
    if not continues:
        refuse_other_run(registry, work_dir)
    resume_from, parent = _resume_point(request, work_dir, registry)
    spec = LaunchSpec(config=str(config), work_dir=str(work_dir), cwd=str(request.cwd.resolve()),
                      name=config.stem, devices=devices, pending_gpus=pending, nproc=request.nproc,
                      amp=request.amp, cfg_options=tuple(request.cfg_options), resume_from=resume_from,
                      backend_kind=request.backend, allocation=allocation, registry_path=str(registry.path))
    plan = make_plan(spec)
    _validate_config(config, request, spec, plan)
    options = {"nproc": plan.nproc, "amp": request.amp, "cfg_options": list(request.cfg_options),
               "backend_options": backend_options}
    return Prepared(spec, plan, queue.to_json() if queue else {}, options, request.max_retries,
                    tuple(warnings), parent_id=parent.id if parent else None,
                    attempt=parent.attempt + 1 if parent else 1)


def _resume_point(request: LaunchRequest, work_dir: Path, registry: Registry) -> tuple[str, Job | None]:
    """The checkpoint a launch continues from, and the job whose run it continues (None: a
    fresh run, a file named explicitly, or a run trained outside vocseg-tui)."""
    if request.resume_from is not None:
        if not is_intact(request.resume_from):
            raise LaunchRefused(f"{request.resume_from} is not an intact checkpoint",
                                "pick an epoch_*.pth / iter_*.pth file that finished writing")
        return str(request.resume_from.resolve()), None
    if not request.resume:
        return "", None
    jobs = registry.jobs_in(work_dir)
    if not jobs:  # a run trained outside vocseg-tui: the folder is all there is to go by
        found = last_good_checkpoint(work_dir)
        if found is None:
            raise LaunchRefused(f"nothing to resume: {work_dir} holds no intact checkpoint",
                                "launch without --resume to start from scratch")
        return str(found), None
    newest = jobs[0]  # the run in the folder is its newest job's lineage
    found = lineage_checkpoint(registry, newest)
    if found is None:
        raise LaunchRefused(f"nothing to resume: job {newest.id}'s run in {work_dir} saved no intact "
                            "checkpoint", "start from scratch: launch with --new-run instead of --resume")
    return str(found), newest


def launch(request: LaunchRequest, registry: Registry | None = None) -> Job:
    """Validate, register and start a job; returns once it started or says what it waits for
    (the job runs detached)."""
    registry = registry or Registry()
    return start(prepare(request, registry), registry)


def start(prepared: Prepared, registry: Registry) -> Job:
    """Register the prepared launch and hand it to its back end. The plan is made again with
    the job's id (its files' paths) before it is recorded."""
    spec = prepared.spec
    job = registry.add(backend=spec.backend_kind, state=JobState.QUEUED, name=spec.name, config=spec.config,
                       work_dir=spec.work_dir, cwd=spec.cwd, gpus=list(spec.devices.indices),
                       gpu_uuids=list(spec.devices.uuids), options=prepared.options, queue=prepared.queue,
                       resume_from=spec.resume_from, max_retries=prepared.max_retries,
                       parent_id=prepared.parent_id, attempt=prepared.attempt)
    try:
        plan = make_plan(replace(spec, job_id=job.id, registry_path=str(registry.path)))
        registry.update(job.id, command=list(plan.argv), env=plan.env)
        return backend_for(job, registry).submit(registry.get(job.id), plan)
    except (OSError, VocsegError) as error:
        registry.update(job.id, state=JobState.FAILED, failure=f"could not start: {error}")
        if isinstance(error, VocsegError):
            raise
        raise JobError(f"could not start job {job.id}: {error}", "see its log") from error


def spec_for(job: Job, *, devices: DeviceChoice | None = None, resume_from: str | None = None,
             options: dict[str, Any] | None = None) -> LaunchSpec:
    """The launch spec of a registered job: for its supervisor's real start (`devices`: the
    GPUs the queue picked) and for a new attempt of it. A queued `--any N` job not started yet
    plans N GPUs to be picked."""
    options = job.options if options is None else options
    rule = QueueRule.from_json(job.queue) if job.queue else None
    if devices is None:
        devices = DeviceChoice(tuple(job.gpus), tuple(job.gpu_uuids))
    pending = rule.count if rule is not None and rule.count and devices.is_cpu else 0
    backend = BACKENDS[job.backend] if job.backend in BACKENDS else BACKENDS[DEFAULT_BACKEND]
    nproc = options.get("nproc")
    return LaunchSpec(config=job.config, work_dir=job.work_dir, cwd=job.cwd, name=job.name, devices=devices,
                      pending_gpus=pending, nproc=int(nproc) if nproc is not None else None,
                      amp=bool(options.get("amp")), cfg_options=tuple(options.get("cfg_options", ())),
                      resume_from=job.resume_from if resume_from is None else resume_from,
                      backend_kind=job.backend, job_id=job.id,
                      allocation=backend.allocation(options.get("backend_options", {})))


def plan_for(job: Job, registry: Registry, devices: DeviceChoice | None = None) -> LaunchPlan:
    """The plan of a registered job now (a free master port now, the GPUs picked now)."""
    return make_plan(replace(spec_for(job, devices=devices), registry_path=str(registry.path)))


def resume(job_id: int, registry: Registry | None = None, *, retry: bool = False,
           checkpoint: Path | None = None, options: dict[str, Any] | None = None) -> Job:
    """A new attempt (a new job with `parent_id`) in the same work dir, from `checkpoint` (the
    Checkpoints area's pick) or else the newest intact checkpoint of the job's own run (its
    lineage: never another run's file in that folder), named explicitly either way. A job a
    later attempt already continues is refused, pointing at that attempt (no forked runs).
    Only stopped, failed or lost jobs can be resumed. `options` replaces the job's launch options
    (the Slurm time limit's continuation passes one fewer resubmission). The old GPUs are checked
    again: the attempt waits in the queue (saying for what) while another user or job holds them."""
    registry = registry or Registry()
    job = refresh(registry, registry.get(job_id))
    refuse_forking(registry, job)
    if not job.state.can_resume:
        raise JobError(f"job {job.id} is {job.state.value}; only stopped, failed or lost jobs resume",
                       f"stop it first: `vocseg-tui stop {job.id}`" if job.state.is_active else "")
    work_dir = Path(job.work_dir)
    refuse_if_busy(registry, work_dir)
    found = lineage_checkpoint(registry, job) if checkpoint is None else checkpoint.resolve()
    if found is None:
        raise JobError(f"job {job.id}'s run saved no intact checkpoint in {work_dir}",
                       "launch it again from scratch")
    if checkpoint is not None and not (found.parent == work_dir.resolve() and is_intact(found)):
        raise JobError(f"{checkpoint} is not an intact checkpoint of job {job.id}'s work dir {work_dir}",
                       "pick one of the epoch_*.pth / iter_*.pth files in that folder")
    return start(next_attempt(job, registry, str(found), options=options, retry=retry), registry)


def next_attempt(job: Job, registry: Registry, resume_from: str, *, options: dict[str, Any] | None = None,
                 retry: bool = False) -> Prepared:
    """A new attempt of `job` from `resume_from`, prepared like a launch (same devices and
    options). Its GPUs are re-checked by the queue when it starts: a rule for exactly those
    boards (by UUID), with no stable window, unless the job already had a queue rule."""
    options = dict(job.options if options is None else options)
    queue = job.queue
    if not queue and job.gpus:
        queue = QueueRule(gpus=tuple(job.gpus), uuids=tuple(job.gpu_uuids), stable_s=0.0).to_json()
    rule = QueueRule.from_json(queue) if queue else None
    devices = DeviceChoice.cpu() if rule is not None and rule.count else None
    spec = spec_for(replace(job, queue=queue), devices=devices, resume_from=resume_from, options=options)
    spec = replace(spec, job_id=None, registry_path=str(registry.path))
    return Prepared(spec, make_plan(spec), queue, options, job.max_retries if retry else 0,
                    parent_id=job.id, attempt=job.attempt + 1)


def stop(job_id: int, registry: Registry | None = None, *, after_epoch: bool = False) -> Job:
    """Ask a queued or running job to stop (now, or at the end of its epoch). An orphaned or lost
    job whose training still runs has no supervisor to ask: its training is signalled here."""
    registry = registry or Registry()
    job = refresh(registry, registry.get(job_id))
    backend = backend_for(job, registry)
    if job.state in (JobState.ORPHANED, JobState.LOST):
        pids = orphan_pids(registry, job, backend, trainings_in(Path(job.work_dir)))
        if pids and after_epoch:
            backend.stop_after_epoch(job)
            return job
        if pids:
            return stop_orphan(registry, job, pids)
    if not job.state.is_active:
        raise JobError(f"job {job.id} is already {job.state.value}", "nothing to stop")
    if after_epoch:
        backend.stop_after_epoch(job)
    else:
        backend.stop(job)
    return job


def retries_left(job: Job) -> int:
    return max(0, job.max_retries - (job.attempt - 1))


def environment_for(job: Job, plan: LaunchPlan | None = None) -> dict[str, str]:
    """The training's full environment: ours, with the plan's variables (the job's recorded ones
    when no plan is given)."""
    return {**os.environ, **(plan.env if plan is not None else job.env)}
