"""The launch contract: for every case, what runs, with which variables, how many processes and
which distributed backend. The one place that decides it; the launch, the dry run, the
supervisor (a queued job's GPUs, a free master port at the real start) and the Slurm batch
script all ask `make_plan`.

| case                         | argv                                   | nproc | backend | launcher |
| ---------------------------- | -------------------------------------- | ----- | ------- | -------- |
| CPU, 1 process               | python tools/train.py ...              | 1     | None    | none     |
| CPU, N processes             | torchrun --nproc-per-node N ...        | N     | gloo    | pytorch  |
| 1 GPU                        | python tools/train.py ...              | 1     | None    | none     |
| N GPUs on this machine       | torchrun --nproc-per-node N ...        | N     | nccl    | pytorch  |
| queued, any N GPUs           | as N GPUs; GPUs pinned when it starts  | N     | nccl    | pytorch  |
| Slurm, G GPUs x M nodes      | srun python tools/train.py ...         | G*M   | nccl    | slurm    |
| Slurm, CPU, N tasks          | srun python tools/train.py ...         | N     | gloo    | slurm    |

Rules that hold throughout:
- GPUs on this machine: one process per GPU (mmengine's pytorch launcher calls
  `torch.cuda.set_device(LOCAL_RANK)`), so an `--nproc` that differs is refused; the GPUs are
  pinned by `DeviceChoice.environment()` (by UUID where known).
- Several processes: the distributed backend is forced with `env_cfg.dist_cfg.backend=...`
  (nccl on GPUs, even when the config says gloo; gloo on CPU); a `--cfg-options` that says
  otherwise is refused rather than silently overridden.
- Slurm: the GPUs come from the allocation, never from this (login) machine's device choice;
  slurmstepd sets CUDA_VISIBLE_DEVICES for each step, so the script sets none of its own (on
  CPU it hides every GPU). `--cpus-per-task` is passed to srun itself (Slurm 22.05-23.02 do not
  hand `#SBATCH --cpus-per-task` on to srun). Several tasks meet at MASTER_ADDR (the first host
  of the allocation) and MASTER_PORT, computed by the script when the job starts.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs.command import TRAIN_SCRIPT, free_port
from vocseg_tui.core.jobs.errors import LaunchRefused
from vocseg_tui.core.jobs.paths import STOP_FILE_ENV, STOPPED_MARKER_ENV, JobPaths
from vocseg_tui.core.slurm.batch import MASTER_ADDR, MASTER_PORT, BatchSpec, batch_script

SCHEMA = 1
"""Version of the `train --dry-run --json` document."""
BACKEND_OPTION = "env_cfg.dist_cfg.backend="
CONTINUE_MODULE = "vocseg_tui.workers.slurm_continue"
END_MODULE = "vocseg_tui.workers.notify_job"


@dataclass(frozen=True)
class Allocation:
    """What a scheduler (Slurm) is asked for: M nodes with G GPUs each (0: CPU tasks)."""

    nodes: int = 1
    gpus_per_node: int = 0
    cpus_per_task: int | None = None
    directives: dict[str, str] = field(default_factory=dict)
    """Passed through as given: partition, time, account, qos."""


@dataclass(frozen=True)
class LaunchSpec:
    """What the user asked for, validated; the plan follows from it alone."""

    config: str
    work_dir: str
    cwd: str
    name: str = "job"
    devices: DeviceChoice = field(default_factory=DeviceChoice.cpu)
    pending_gpus: int = 0
    """A queued job's `--any N`: N GPUs, picked (and pinned) when the job starts."""
    nproc: int | None = None
    """As asked (None: one per GPU, one on CPU)."""
    amp: bool = False
    cfg_options: tuple[str, ...] = ()
    resume_from: str = ""
    backend_kind: str = "local"
    allocation: Allocation | None = None
    """Set for a back end that gets its devices from a scheduler: the Slurm case."""
    job_id: int | None = None
    """None in a dry run (paths then read `job-<id>`)."""
    registry_path: str = ""
    port: int | None = None
    """torchrun's master port (None: a free one now)."""
    python: str = sys.executable


@dataclass(frozen=True)
class LaunchPlan:
    """What will run. `env` holds only the variables the launch sets (the rest is inherited);
    on Slurm, MASTER_ADDR and MASTER_PORT are shell expressions the batch script evaluates."""

    argv: tuple[str, ...]
    env: dict[str, str]
    nproc: int
    backend: str | None
    """"nccl", "gloo", or None for one process."""
    launcher: str
    """mmengine's launcher: "none", "pytorch" (torchrun) or "slurm" (srun)."""
    backend_kind: str
    script: str | None = None
    """The Slurm batch script; None elsewhere."""
    pending_gpus: int = 0

    def to_json(self) -> dict[str, Any]:
        """The `train --dry-run --json` document."""
        return {"schema": SCHEMA, "argv": list(self.argv), "env": dict(self.env), "nproc": self.nproc,
                "backend": self.backend, "launcher": self.launcher, "backend_kind": self.backend_kind,
                "script": self.script}


def make_plan(spec: LaunchSpec) -> LaunchPlan:
    """The plan for `spec`; raises LaunchRefused when the request contradicts itself."""
    if spec.nproc is not None and spec.nproc < 1:
        raise LaunchRefused(f"cannot train with {spec.nproc} processes", "use --nproc 1 or more")
    paths = JobPaths(Path(spec.work_dir), spec.job_id)
    if spec.allocation is not None:
        return _on_slurm(spec, spec.allocation, paths)
    return _on_this_machine(spec, paths)


def _on_this_machine(spec: LaunchSpec, paths: JobPaths) -> LaunchPlan:
    gpus = len(spec.devices.indices) or spec.pending_gpus
    if not gpus:
        nproc = spec.nproc or 1
        backend = "gloo" if nproc > 1 else None
        env = DeviceChoice.cpu().environment()
    else:
        _refuse_other_nproc(spec.nproc, gpus, _gpus_label(spec))
        nproc, backend = gpus, ("nccl" if gpus > 1 else None)
        env = spec.devices.environment() if spec.devices.indices else {}
    env = {**env, **_job_env(paths)}
    train = _train_args(spec, backend)
    if nproc == 1:
        argv = (spec.python, *train, "--launcher", "none")
        launcher = "none"
    else:
        port = spec.port or free_port()
        argv = (spec.python, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc),
                "--master-port", str(port), *train, "--launcher", "pytorch")
        launcher = "pytorch"
    return LaunchPlan(argv, env, nproc, backend, launcher, spec.backend_kind,
                      pending_gpus=0 if spec.devices.indices else spec.pending_gpus)


def _on_slurm(spec: LaunchSpec, allocation: Allocation, paths: JobPaths) -> LaunchPlan:
    if spec.devices.indices or spec.pending_gpus:
        raise LaunchRefused("--gpus/--any choose GPUs of this machine; a Slurm job gets its GPUs "
                            "from the allocation", "ask for them with --gpus-per-node G (and --nodes M)")
    nodes = allocation.nodes
    if nodes < 1:
        raise LaunchRefused(f"--nodes {nodes} is out of range", "use 1 or more")
    if allocation.gpus_per_node:
        nproc = allocation.gpus_per_node * nodes
        shape = f"{allocation.gpus_per_node} GPU(s) per node x {nodes} node(s)"
        _refuse_other_nproc(spec.nproc, nproc, shape)
        backend = "nccl" if nproc > 1 else None
        env: dict[str, str] = {}  # slurmstepd sets CUDA_VISIBLE_DEVICES from the allocation
    else:
        nproc = spec.nproc or nodes
        if nproc % nodes:
            raise LaunchRefused(f"--nproc {nproc} CPU tasks do not split evenly over {nodes} nodes",
                                f"use a multiple of {nodes}")
        backend = "gloo" if nproc > 1 else None
        env = DeviceChoice.cpu().environment()
    exports = {**env, **_job_env(paths)}
    computed = {"MASTER_ADDR": MASTER_ADDR, "MASTER_PORT": MASTER_PORT} if nproc > 1 else {}
    launcher = "slurm" if nproc > 1 else "none"
    srun = ("srun", *((f"--cpus-per-task={allocation.cpus_per_task}",) if allocation.cpus_per_task else ()))
    task = (*srun, spec.python, *_train_args(spec, backend), "--launcher", launcher)
    time_limited = bool(allocation.directives.get("time"))
    job = "<id>" if spec.job_id is None else str(spec.job_id)
    carry_on = (spec.python, "-m", CONTINUE_MODULE, "--job", job, "--registry", spec.registry_path)
    script = batch_script(BatchSpec(
        name=spec.name, log=str(paths.log), cwd=spec.cwd, task=task,
        stop_request=str(paths.stop_after_epoch_request), time_limit_marker=str(paths.time_limit_marker),
        nodes=nodes, tasks_per_node=nproc // nodes,
        gpus_per_node=allocation.gpus_per_node, cpus_per_task=allocation.cpus_per_task,
        directives=dict(allocation.directives), exports=exports, computed=computed,
        resume_on_requeue=("--resume",), continue_command=carry_on if time_limited else (),
        end_command=(spec.python, "-m", END_MODULE, "--job", job, "--registry", spec.registry_path)))
    return LaunchPlan(task, {**exports, **computed}, nproc, backend, launcher, spec.backend_kind, script)


def _gpus_label(spec: LaunchSpec) -> str:
    return spec.devices.label() if spec.devices.indices else f"any {spec.pending_gpus} GPU(s)"


def _refuse_other_nproc(asked: int | None, gpus: int, what: str) -> None:
    if asked is None or asked == gpus:
        return
    hint = "leave --nproc out: one process per GPU"
    if asked > gpus:
        raise LaunchRefused(f"--nproc {asked} does not match the {gpus} GPU(s) chosen ({what}): mmengine "
                            "runs one process per GPU, extra ones fail with 'invalid device ordinal'", hint)
    raise LaunchRefused(f"--nproc {asked} does not match the {gpus} GPU(s) chosen ({what}): "
                        f"{gpus - asked} GPU(s) would stay idle", hint)


def _train_args(spec: LaunchSpec, backend: str | None) -> tuple[str, ...]:
    args = [str(TRAIN_SCRIPT), spec.config, "--work-dir", spec.work_dir]
    if spec.resume_from:
        args += ["--resume", spec.resume_from]
    if spec.amp:
        args.append("--amp")
    cfg_options = _with_backend(list(spec.cfg_options), backend)
    if cfg_options:
        args += ["--cfg-options", *cfg_options]
    return tuple(args)


def _with_backend(cfg_options: list[str], backend: str | None) -> list[str]:
    """Several processes: the distributed backend the devices need, refusing a contradiction."""
    chosen = [o.removeprefix(BACKEND_OPTION) for o in cfg_options if o.startswith(BACKEND_OPTION)]
    if backend is None:
        return cfg_options
    wrong = [c for c in chosen if c != backend]
    if wrong:
        raise LaunchRefused(f"--cfg-options {BACKEND_OPTION}{wrong[0]} contradicts the devices: "
                            f"{'GPUs train over nccl' if backend == 'nccl' else 'CPU processes need gloo'}",
                            f"drop that option: the launch sets {BACKEND_OPTION}{backend} itself")
    return cfg_options if chosen else [*cfg_options, BACKEND_OPTION + backend]


def _job_env(paths: JobPaths) -> dict[str, str]:
    """What every training gets besides its devices: unbuffered output for the log, and the
    job's request files (tools/train.py polls the first and writes the second)."""
    return {"PYTHONUNBUFFERED": "1", STOP_FILE_ENV: str(paths.stop_after_epoch_request),
            STOPPED_MARKER_ENV: str(paths.stopped_marker)}
