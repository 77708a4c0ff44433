"""`vocseg-tui train|jobs|stop|resume`: detached training jobs from the command line.

`train` returns at once with the job id (the job runs detached and outlives this shell);
`jobs` lists every job; `stop` and `resume` control one. With --json the output is an API:
`train` prints {"id": N}; `jobs` prints a list of objects with at least id, state, exit_code,
pid (the training process), work_dir, config and parent_id.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 40


def register(commands: Any) -> None:
    train = commands.add_parser(
        "train", help="launch detached training of a config (returns at once with the job id)",
        description="Validate and launch training as a detached job that survives logging out. "
                    "Exit 0 with the job id, 2 when the launch was refused (nothing started).")
    train.add_argument("config", help="config file (e.g. configs/sample_tiny.py)")
    train.add_argument("--gpus", default="cpu", help="GPU indices like 0,1, or cpu (default: cpu)")
    train.add_argument("--nproc", type=int, default=None,
                       help="training processes (default: one per GPU; >1 on CPU uses gloo)")
    train.add_argument("--work-dir", default=None, help="default: work_dirs/<config name>")
    train.add_argument("--resume", action="store_true",
                       help="continue the run in the work dir from its last intact checkpoint")
    train.add_argument("--queue", action="store_true", help="wait until the devices are free")
    train.add_argument("--any", type=int, default=0, metavar="N",
                       help="with --queue: any N GPUs with --min-free-gib free (instead of --gpus)")
    train.add_argument("--min-free-gib", type=float, default=0.0)
    train.add_argument("--stable", type=float, default=10.0, metavar="SECONDS",
                       help="with --queue: how long the GPUs must stay free before starting (default 10)")
    train.add_argument("--retries", type=int, default=0,
                       help="resume automatically up to N times after a crash worth retrying")
    train.add_argument("--tmux", action="store_true", help="run inside a named tmux session")
    train.add_argument("--backend", choices=["local", "tmux", "slurm"], default=None,
                       help="where the job runs (default local; slurm submits it with sbatch)")
    slurm = train.add_argument_group("Slurm (with --backend slurm; checked against sinfo)")
    slurm.add_argument("--partition", default=None)
    slurm.add_argument("--nodes", type=int, default=None)
    slurm.add_argument("--gpus-per-node", type=int, default=None,
                       help="one task per GPU, mmengine's Slurm launcher (default: one CPU task)")
    slurm.add_argument("--cpus-per-task", type=int, default=None)
    slurm.add_argument("--time", default=None, metavar="HH:MM:SS",
                       help="time limit; before it, the job saves its epoch and resubmits itself (--resume)")
    slurm.add_argument("--max-resubmits", type=int, default=None, metavar="N",
                       help="with --time: automatic resubmissions at the time limit (default 5, 0: never)")
    slurm.add_argument("--account", default=None)
    slurm.add_argument("--qos", default=None)
    train.add_argument("--amp", action="store_true", help="automatic mixed precision")
    train.add_argument("--cfg-options", nargs="+", default=[], metavar="K=V")
    train.add_argument("--json", action="store_true", help='print {"id": N}')
    train.set_defaults(handler=run_train)

    jobs = commands.add_parser("jobs", help="list training jobs with state and progress",
                               description="Every job of this user, newest first.")
    jobs.add_argument("--json", action="store_true", help="print a JSON list")
    jobs.set_defaults(handler=run_jobs)

    stop = commands.add_parser("stop", help="stop a job now, or after its current epoch")
    stop.add_argument("id", type=int)
    stop.add_argument("--after-epoch", action="store_true",
                      help="save a checkpoint at the end of this epoch, then stop")
    stop.set_defaults(handler=run_stop)

    resume = commands.add_parser("resume", help="resume a stopped or failed job as a new attempt")
    resume.add_argument("id", type=int)
    resume.add_argument("--json", action="store_true", help='print {"id": N} of the new job')
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


def run_train(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.launch import LaunchRequest, launch
    from vocseg_tui.core.jobs.queue import QueueRule

    cwd = Path(args.project).resolve() if args.project else Path.cwd()
    devices = _devices(args.gpus)
    queue = None
    if args.queue:
        queue = QueueRule(gpus=() if args.any else devices.indices, count=args.any,
                          min_free_gib=args.min_free_gib, stable_s=args.stable)
    request = LaunchRequest(
        config=Path(args.config), cwd=cwd, devices=devices,
        work_dir=Path(args.work_dir) if args.work_dir else None, resume=args.resume, queue=queue,
        backend=args.backend or ("tmux" if args.tmux else "local"), max_retries=args.retries,
        nproc=args.nproc, amp=args.amp, cfg_options=list(args.cfg_options),
        slurm={"partition": args.partition, "nodes": args.nodes, "gpus_per_node": args.gpus_per_node,
               "cpus_per_task": args.cpus_per_task, "time": args.time, "account": args.account,
               "qos": args.qos, "resubmits": args.max_resubmits})
    job = launch(request)
    if args.json:
        print_json({"id": job.id})
        return ExitCode.OK
    where = "Slurm" if job.backend == "slurm" else devices.label()
    print(f"job {job.id} launched: {job.name} on {where}, work dir {job.work_dir}")
    print(f"  log: {job.log_path}")
    if job.tmux_session:
        print(f"  console: tmux attach -t {job.tmux_session}")
    if job.options.get("slurm_job_id"):
        print(f"  Slurm job {job.options['slurm_job_id']}; batch script: {job.options['batch_script']}")
    print(f"  follow: vocseg-tui logs {job.id} -f    stop: vocseg-tui stop {job.id}")
    return ExitCode.OK


def run_jobs(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.overview import Overview

    rows = Overview().rows()
    if args.json:
        print_json([{**r.job.to_json(), "progress": r.progress.__dict__, "attach": r.attach} for r in rows])
        return ExitCode.OK
    if not rows:
        print("no jobs yet: launch one with `vocseg-tui train CONFIG`")
        return ExitCode.OK
    print(f"{'ID':>4}  {'STATE':<9}  {'NAME':<18} {'PROGRESS':<18} {'ETA':>8} {'LOSS':>7} {'mIoU':>6}"
          "  DETAIL")
    for row in rows:
        job, p = row.job, row.progress
        detail = job.waiting_for or job.failure or (row.attach if job.state.is_active and row.attach else "")
        if job.state.value == "failed" and job.exit_code is not None:
            detail = f"exit {job.exit_code}" + (f": {detail}" if detail else "")
        loss = f"{p.loss:.3f}" if p.loss is not None else "-"
        miou = f"{p.miou:.1f}" if p.miou is not None else "-"
        eta = p.eta if job.state.is_active and p.eta else "-"
        print(f"{job.id:>4}  {job.state.value:<9}  {job.name[:18]:<18} {p.label() or '-':<18} {eta:>8} "
              f"{loss:>7} {miou:>6}  {detail[:80]}")
    return ExitCode.OK


def run_stop(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.launch import stop

    job = stop(args.id, after_epoch=args.after_epoch)
    when = "at the end of its current epoch (after saving a checkpoint)" if args.after_epoch else "now"
    print(f"job {job.id}: stop requested {when}")
    return ExitCode.OK


def run_resume(args: argparse.Namespace) -> int:
    from vocseg_tui.core.jobs.launch import resume

    job = resume(args.id)
    if args.json:
        print_json({"id": job.id})
    else:
        print(f"job {job.id} launched: resumes job {args.id} from {job.resume_from}")
    return ExitCode.OK
