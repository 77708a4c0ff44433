"""`vocseg-tui train|jobs|stop|resume`: detached training jobs from the command line.

`train` returns with the job id once the job started or says what it waits for (the job runs
detached and outlives this shell); `train --dry-run` prints what would run and starts nothing;
`jobs` lists every job; `stop` and `resume` control one. With --json the output is an API:
`train` and `resume` print {"schema": 1, "id": N}; `train --dry-run --json` prints the launch
plan (schema, argv, env, nproc, backend, launcher, backend_kind, script); `jobs` prints
{"schema": 1, "project", "all_projects", "elsewhere", "jobs": [...]}, each job an object with at
least id, state, exit_code, pid (the training process), work_dir, config, parent_id and project.
`jobs` lists the open project's jobs (the registry holds every project's); `--all-projects`
lists them all, with a PROJECT column. The back ends' own options (Slurm's --partition, ...)
come from the back ends.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 40
SCHEMA = 1
JOBS_SCHEMA = 1
"""The `jobs --json` object; 1: the first object (before it, a bare list of jobs)."""


def register(commands: Any) -> None:
    from vocseg_tui.core.jobs.backend import BACKENDS

    train = commands.add_parser(
        "train", help="launch detached training of a config (returns at once with the job id)",
        description="Validate and launch training as a detached job that survives logging out. "
                    "Exit 0 with the job id, 2 when the launch was refused (nothing started).")
    train.add_argument("config", help="config file (e.g. configs/sample_tiny.py)")
    train.add_argument("--gpus", default="cpu", help="GPU indices like 0,1, or cpu (default: cpu)")
    train.add_argument("--nproc", type=int, default=None,
                       help="training processes (default and on GPUs: one per GPU; >1 on CPU uses gloo)")
    train.add_argument("--work-dir", default=None, help="default: work_dirs/<config name>")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in the work dir from its newest intact checkpoint")
    train.add_argument("--new-run", action="store_true",
                       help="the work dir holds another run: train a new one beside it, in <work dir>-2 "
                            "(-3, ...), leaving the old run's files as they are")
    train.add_argument("--queue", action="store_true", help="wait until the devices are free")
    train.add_argument("--any", type=int, default=0, metavar="N",
                       help="with --queue: any N GPUs with --min-free-gib free (instead of --gpus)")
    train.add_argument("--min-free-gib", type=float, default=None,
                       help="with --queue: free memory to wait for (default: the config's memory "
                            "estimate plus 10 %% when `vocseg-tui fit` made one, else 0)")
    train.add_argument("--stable", type=float, default=10.0, metavar="SECONDS",
                       help="with --queue: how long the GPUs must stay free before starting (default 10)")
    train.add_argument("--force", action="store_true",
                       help="train on GPUs another user's processes hold (a warning instead of a refusal)")
    train.add_argument("--retries", type=int, default=0,
                       help="resume automatically up to N times after a crash worth retrying")
    train.add_argument("--backend", choices=list(BACKENDS), default=None,
                       help="where the job runs: "
                       + "; ".join(f"{name}: {b.description}" for name, b in BACKENDS.items()))
    for backend in BACKENDS.values():
        backend.add_arguments(train)
    train.add_argument("--amp", action="store_true", help="automatic mixed precision")
    train.add_argument("--cfg-options", nargs="+", default=[], metavar="K=V")
    train.add_argument("--nan-guard", choices=["on", "off"], default=None,
                       help="stop the run at the first non-finite loss (default: on, or the "
                            "config's nan_guard)")
    train.add_argument("--dry-run", action="store_true",
                       help="print what would run (command, environment, processes, batch script); "
                            "start nothing")
    train.add_argument("--json", action="store_true",
                       help='print {"schema": 1, "id": N} (with --dry-run: the plan)')
    train.set_defaults(handler=run_train)

    jobs = commands.add_parser("jobs", help="list training jobs with state and progress",
                               description="The jobs of this project (--project DIR, default: the "
                                           "current directory), newest first.")
    jobs.add_argument("--all-projects", action="store_true",
                      help="every project's jobs (the registry is shared by all of them), "
                           "with a project column")
    jobs.add_argument("--json", action="store_true",
                      help='print {"schema": 1, "jobs": [...], ...}')
    jobs.set_defaults(handler=run_jobs)

    stop = commands.add_parser("stop", help="stop a job now, or after its current epoch")
    stop.add_argument("id", type=int)
    stop.add_argument("--after-epoch", action="store_true",
                      help="save a checkpoint at the end of this epoch, then stop "
                           "(an iteration-based run: stop at the next checkpoint)")
    stop.set_defaults(handler=run_stop)

    resume = commands.add_parser("resume", help="resume a stopped or failed job as a new attempt")
    resume.add_argument("id", type=int)
    resume.add_argument("--json", action="store_true", help='print {"schema": 1, "id": N} of the new job')
    resume.set_defaults(handler=run_resume)


def _devices(text: str) -> Any:
    from vocseg_tui.core.devices import DeviceChoice
    from vocseg_tui.core.jobs import LaunchRefused

    if text.strip().lower() == "cpu":
        return DeviceChoice.cpu()
    try:
        indices = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise LaunchRefused(f"--gpus {text!r} is not a list of GPU indices", "e.g. --gpus 0,1 or --gpus cpu"
                            ) from None
    if not indices or min(indices) < 0:
        raise LaunchRefused(f"--gpus {text!r} is not a list of GPU indices", "e.g. --gpus 0,1 or --gpus cpu")
    return DeviceChoice(indices)


def _backend(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The back end asked for, and its options; options of another back end are refused."""
    from vocseg_tui.core.jobs import LaunchRefused
    from vocseg_tui.core.jobs.backend import BACKENDS, DEFAULT_BACKEND

    shortcut = next((name for name, b in BACKENDS.items() if b.chosen_by(args)), DEFAULT_BACKEND)
    chosen = args.backend or shortcut
    for name, backend in BACKENDS.items():
        given = backend.options_from_args(args)
        if name != chosen and given:
            raise LaunchRefused(f"{', '.join(sorted(given))}: options of the {name} back end, but the job "
                                f"runs on {chosen}", f"add --backend {name}, or drop them")
    return chosen, BACKENDS[chosen].options_from_args(args)


def _request(args: argparse.Namespace) -> Any:
    from vocseg_tui.core.jobs import LaunchRefused
    from vocseg_tui.core.jobs.launch import LaunchRequest
    from vocseg_tui.core.jobs.queue import QueueRule

    cwd = Path(args.project).resolve() if args.project else Path.cwd()
    devices = _devices(args.gpus)
    if args.any and not args.queue:
        raise LaunchRefused(f"--any {args.any} picks GPUs when they free up, which needs --queue",
                            "add --queue, or name the GPUs with --gpus")
    if args.any and not devices.is_cpu:
        raise LaunchRefused(f"--any {args.any} and --gpus {args.gpus} both choose the GPUs",
                            "use one of them")
    if args.any < 0:
        raise LaunchRefused(f"--any {args.any} is out of range", "use 1 or more")
    queue = None
    if args.queue:
        from vocseg_tui.core.fit.check import queue_min_free_gib

        need = args.min_free_gib
        if need is None:
            need = queue_min_free_gib(Path(args.config) if Path(args.config).is_absolute()
                                      else cwd / args.config)
        queue = QueueRule(gpus=devices.indices, count=args.any, min_free_gib=need,
                          stable_s=args.stable)
    backend, options = _backend(args)
    return LaunchRequest(
        config=Path(args.config), cwd=cwd, devices=devices,
        work_dir=Path(args.work_dir) if args.work_dir else None, resume=args.resume,
        new_run=args.new_run, queue=queue,
        backend=backend, max_retries=args.retries, nproc=args.nproc, amp=args.amp,
        cfg_options=[*args.cfg_options, *_nan_guard_option(args.nan_guard)],
        backend_options=options, force=args.force)


def _nan_guard_option(choice: str | None) -> list[str]:
    """`--nan-guard` as the config key tools/train.py reads (one home: the config's nan_guard),
    so it survives a resume, which replays the cfg options."""
    return [] if choice is None else [f"nan_guard={choice == 'on'}"]


def run_train(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.launch import prepare, start
    from vocseg_tui.core.jobs.registry import Registry

    registry = Registry()
    prepared = prepare(_request(args), registry, dry_run=args.dry_run)
    for warning in prepared.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.dry_run:
        _print_plan(prepared.plan, args.json)
        if prepared.spec.resume_from and not args.json:
            print(f"would resume from {prepared.spec.resume_from}")
        return ExitCode.OK
    job = start(prepared, registry)
    if args.json:
        print_json({"schema": SCHEMA, "id": job.id})
        return ExitCode.OK
    _print_started(job, registry)
    return ExitCode.OK


def _print_plan(plan: Any, as_json: bool) -> None:
    import shlex

    if as_json:
        print_json(plan.to_json())
        return
    print(f"would run ({plan.backend_kind}, {plan.nproc} process(es), backend {plan.backend or 'none'}, "
          f"launcher {plan.launcher}):")
    print("  " + shlex.join(plan.argv))
    if plan.pending_gpus:
        print(f"  on any {plan.pending_gpus} free GPU(s), picked and pinned (CUDA_VISIBLE_DEVICES) "
              "when it starts")
    for key, value in sorted(plan.env.items()):
        print(f"  {key}={value}")
    if plan.script:
        print("batch script:")
        print(plan.script)
    print("nothing was registered or started (--dry-run)")


def _print_started(job: Any, registry: Any) -> None:
    from vocseg_tui.core.jobs.backend import backend_for
    from vocseg_tui.core.jobs.states import JobState

    backend = backend_for(job, registry)
    where = backend.device_label(job)
    if job.state is JobState.QUEUED and job.waiting_for:
        print(f"job {job.id} queued: waiting for {job.waiting_for} "
              f"({job.name} on {where}, work dir {job.work_dir})")
    else:
        print(f"job {job.id} launched: {job.name} on {where}, work dir {job.work_dir}")
    if job.resume_from:
        run = f" (continuing job {job.parent_id}'s run)" if job.parent_id else ""
        print(f"  resumes from {job.resume_from}{run}")
    print(f"  log: {job.log_path}")
    for line in backend.details(job):
        print(f"  {line}")
    print(f"  follow: vocseg-tui logs {job.id} -f    stop: vocseg-tui stop {job.id}")


def run_jobs(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.overview import Overview
    from vocseg_tui.core.project import Project
    from vocseg_tui.core.scope import ProjectScope

    scope = ProjectScope.of(Project.open(args.project), all_projects=args.all_projects)
    listing = Overview().listing(scope)
    rows = listing.rows
    if args.json:
        print_json({"schema": JOBS_SCHEMA, "project": str(scope.current), "all_projects": scope.every_project,
                    "elsewhere": listing.elsewhere,
                    "jobs": [{**r.job.to_json(), "progress": r.progress.__dict__, "attach": r.attach}
                             for r in rows]})
        return ExitCode.OK
    if not rows:
        print("no jobs yet in this project: launch one with `vocseg-tui train CONFIG`")
    else:
        _print_jobs(rows, with_project=scope.every_project)
    if listing.elsewhere:
        print(f"({listing.elsewhere} job(s) of other projects not shown: add --all-projects)")
    return ExitCode.OK


def _print_jobs(rows: list[Any], *, with_project: bool) -> None:
    from vocseg_tui.core.jobs.states import JobState

    project = f"{'PROJECT':<16} " if with_project else ""
    print(f"{'ID':>4}  {'STATE':<9}  {project}{'NAME':<18} {'PROGRESS':<18} {'ETA':>8} {'LOSS':>7} "
          f"{'mIoU':>6}  DETAIL")
    for row in rows:
        job, p = row.job, row.progress
        detail = job.waiting_for or job.failure or (row.attach if job.state.is_active and row.attach else "")
        if job.state is JobState.FAILED and job.exit_code is not None:
            detail = f"exit {job.exit_code}" + (f": {detail}" if detail else "")
        loss = f"{p.loss:.3f}" if p.loss is not None else "-"
        miou = f"{p.miou:.1f}" if p.miou is not None else "-"
        eta = p.eta if job.state.is_active and p.eta else "-"
        project = f"{row.project[:16]:<16} " if with_project else ""
        print(f"{job.id:>4}  {job.state.value:<9}  {project}{job.name[:18]:<18} {p.label() or '-':<18} "
              f"{eta:>8} {loss:>7} {miou:>6}  {detail[:80]}")


def run_stop(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.launch import stop

    job = stop(args.id, after_epoch=args.after_epoch)
    if job.state.value == "stopped":  # an orphan's training, signalled here: it is gone now
        print(f"job {job.id}: its orphaned training was stopped ({job.failure})")
        return ExitCode.OK
    when = "now"
    if args.after_epoch:
        from vocseg_tui.core.jobs.progress import stop_point

        when = stop_point(job)  # iteration-based runs: "at the next checkpoint"
    print(f"job {job.id}: stop requested {when}")
    return ExitCode.OK


def run_resume(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.launch import resume
    from vocseg_tui.core.jobs.registry import Registry

    registry = Registry()
    job = resume(args.id, registry)
    if args.json:
        print_json({"schema": SCHEMA, "id": job.id})
    else:
        print(f"job {job.id} continues job {args.id}:")
        _print_started(job, registry)
    return ExitCode.OK
