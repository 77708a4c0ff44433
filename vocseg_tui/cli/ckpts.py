"""`vocseg-tui ckpts [WORK_DIR]`: the runs, their checkpoints, mIoU, best/last and integrity;
`vocseg-tui eval CHECKPOINT [--gpus ...]`: evaluate one on the val split, on the device chosen."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 60
JSON_SCHEMA = 1
"""The `ckpts --json` object; 1: the first object (before it, a bare list of checkpoints)."""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "ckpts",
        help="list checkpoints with their validation mIoU; best, last and damaged ones marked",
        description=(
            "List the runs under WORK_DIR (default: the project's work_dirs/ and the runs of "
            "its registered jobs elsewhere; with --all-projects, every project's) or the one run "
            "WORK_DIR is, with every checkpoint's validation mIoU (from scalars.json), the best "
            "and the last marked, and an integrity check of the zip container (no tensors are "
            "loaded)."
        ),
        epilog='--json prints {"schema": 1, "checkpoints": [...], "other_projects": N}, each checkpoint '
               "an object: path, run, project, kind, epoch, iter, mIoU, best, last, ok, problem, size, "
               "mtime.",
    )
    parser.add_argument("work_dir", nargs="?", metavar="WORK_DIR",
                        help="a work_dirs folder or one run's folder")
    parser.add_argument("--deep", action="store_true",
                        help="also check the CRC of every tensor (reads every file whole)")
    parser.add_argument("--all-projects", action="store_true",
                        help="the runs of every project the job registry knows, not only this one's")
    parser.add_argument("--json", action="store_true",
                        help='print {"schema": 1, "checkpoints": [...], ...}')
    parser.set_defaults(handler=run)

    evaluate = commands.add_parser(
        "eval",
        help="evaluate a checkpoint on the val split (detached), on the GPU or CPU chosen",
        description=(
            "Start tools/test.py on CHECKPOINT with its run's config dump, detached (it survives "
            "logging out), writing <run>/eval/<checkpoint>/eval.log and metrics.json (per-class "
            "IoU). It is one process: with several GPUs it uses the first. The GPU is pinned "
            "(CUDA_VISIBLE_DEVICES) and is cuda:0 inside; cpu hides every GPU."
        ),
        epilog="Exit 0 when started (with --wait: when the metrics were written); 1 with --wait when "
               "the evaluation failed (its error is printed); 2 for bad input (no such checkpoint or "
               "GPU, a damaged checkpoint, one already being evaluated). --json prints an object: "
               "schema, checkpoint, state, device, visible_devices, log, metrics_file, and the "
               "metrics (mIoU, aAcc, mAcc, classes) once done.",
    )
    evaluate.add_argument("checkpoint", metavar="CHECKPOINT", help="a .pth file in a run folder")
    evaluate.add_argument("--gpus", default="cpu",
                          help="cpu, or GPU indices as `vocseg-tui gpus` shows them (the first is used; "
                               "default: %(default)s)")
    evaluate.add_argument("--wait", action="store_true", help="wait for the metrics and print them")
    evaluate.add_argument("--json", action="store_true", help="print the result as a JSON object")
    evaluate.set_defaults(handler=run_eval)


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.checkpoints import CheckpointError, list_runs, scan_run
    from vocseg_tui.core.project import Project

    other_projects = 0
    if args.work_dir and args.all_projects:
        raise CheckpointError("WORK_DIR and --all-projects both say where to look", "pass one of them")
    if args.work_dir:
        folder = Path(args.work_dir).expanduser()
        if not folder.is_dir():
            raise CheckpointError(f"{folder} is not a folder", "pass a work_dirs folder or a run folder")
        is_run = any(folder.glob("*.pth")) or (folder / "last_checkpoint").exists()
        runs = [scan_run(folder.resolve(), deep=args.deep)] if is_run else [
            scan_run(sub.resolve(), deep=args.deep) for sub in sorted(folder.iterdir())
            if sub.is_dir() and any(sub.glob("*.pth"))]
    else:
        listing = list_runs(Project.open(args.project), all_projects=args.all_projects, deep=args.deep)
        runs, other_projects = listing.runs, listing.other_projects
    if args.json:
        print_json({"schema": JSON_SCHEMA, "other_projects": other_projects,
                    "checkpoints": [c for r in runs for c in r.checkpoints_json()]})
        return ExitCode.OK
    if not runs:
        print("no checkpoints found")
    for one in runs:
        _print_run(one, with_project=args.all_projects)
    if other_projects:
        print(f"({other_projects} other project(s) have jobs in the registry: add --all-projects)")
    return ExitCode.OK


def _print_run(run: Any, *, with_project: bool = False) -> None:
    from vocseg_tui.core.scope import project_label

    config = run.config_dump.name if run.config_dump else "NO CONFIG DUMP (demo and evaluation need it)"
    project = f"[{project_label(run.project)}]  " if with_project else ""
    print(f"{project}{run.name}  {run.work_dir}  config: {config}")
    print(f"  {'checkpoint':<28} {'step':>10} {'mIoU':>7} {'size':>9}  {'modified':<16}  marks")
    for c in run.checkpoints:
        marks = " ".join(m for m, on in (("best", c.best), ("last", c.last)) if on)
        if not c.ok:
            marks = (marks + " DAMAGED: " + c.problem).strip()
        step = f"{c.unit} {c.step}" if c.step is not None else "-"
        miou = f"{c.miou:.2f}" if c.miou is not None else "-"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.mtime))
        print(f"  {c.name:<28} {step:>10} {miou:>7} {c.size / 2**20:>7.1f}M  {when:<16}  {marks}")


def run_eval(args: argparse.Namespace) -> int:
    from vocseg_tui.core.checkpoints import find_checkpoint
    from vocseg_tui.core.checkpoints.evaluate import evaluation_status, project_root_of, start_evaluation
    from vocseg_tui.core.placement import parse_gpus
    from vocseg_tui.core.project import Project

    run, ckpt = find_checkpoint(Path(args.checkpoint))
    devices = parse_gpus(args.gpus)
    fallback = Project.open(args.project).root if args.project else None
    started = start_evaluation(run, ckpt, cwd=project_root_of(run, fallback), devices=devices)
    where = started.placement.label()
    if not args.json:
        one = "; evaluation is one process, so it uses the first GPU" if started.placement.left_out else ""
        print(f"evaluating {ckpt.name} on the val split on {where}{one}", file=sys.stderr)
        print(f"  log: {started.paths.log}", file=sys.stderr)
    status = evaluation_status(ckpt)
    while args.wait and status.state == "running":
        time.sleep(0.5)
        status = evaluation_status(ckpt)
    result = {"schema": 1, "checkpoint": str(ckpt.path), "state": status.state, "device": where,
              "visible_devices": started.placement.visible_devices, "log": str(started.paths.log),
              "metrics_file": str(started.paths.metrics)}
    if status.state == "done":
        result.update({key: status.metrics.get(key) for key in ("mIoU", "aAcc", "mAcc", "images", "classes")})
    if status.state == "failed":
        result["error"] = status.message
    if args.json:
        print_json(result)
    elif status.state == "done":
        m = status.metrics
        print(f"{ckpt.name}: mIoU {m.get('mIoU', 0):.2f}  aAcc {m.get('aAcc', 0):.2f}  "
              f"mAcc {m.get('mAcc', 0):.2f}  ({m.get('images', '?')} val images)")
        print(f"  metrics: {started.paths.metrics}")
    elif status.state == "failed":
        print(f"evaluation failed: {status.message}", file=sys.stderr)
    else:
        print(f"started (detached): the metrics land in {started.paths.metrics}; the Checkpoints "
              "screen (6) shows them, or start it with --wait next time")
    return ExitCode.FAILED if status.state == "failed" else ExitCode.OK
