"""`vocseg-tui recipe ...` (derived values, write a config) and `vocseg-tui check CONFIG`.

`recipe` starts from a recipe (STARTING_HELP says which, and the output names it) and applies
the flags; the dataset size comes from the project's split lists when they exist. `check` loads
any config through mmengine in a child process and runs the validator and the launch check:
exit 1 when it finds errors, 0 otherwise, 2 when the config cannot be read. Both read relative
paths (CONFIG, --from, --write) in the project, as `train` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 30
STARTING_HELP = (
    "It starts from the recipe of --from CONFIG; else of the project's configs/"
    "upernet_r50_voc12aug_epoch.py; else of the project's newest config written by vocseg-tui "
    "(in the sample project: sample_tiny.py, base LR 0.4); else the shipped recipe (UPerNet-R50, "
    "2 GPUs x 4 images, base LR 0.01 at batch 16, 61 epochs). The output says which."
)


def register(commands: Any) -> None:
    recipe = commands.add_parser(
        "recipe", help="derived values of a training recipe (scaled LR, epochs); write its config",
        description="Print the derived values of a recipe (linear-scaled LR, iterations per epoch, "
                    "official 20k/40k schedules in epochs) and optionally write its config. Each flag "
                    "changes one value of the starting recipe. " + STARTING_HELP,
    )
    recipe.add_argument("--gpus", default=None, metavar="N|cpu", help="GPUs (processes), or cpu")
    recipe.add_argument("--batch", default=None, metavar="B", help="images per GPU")
    recipe.add_argument("--epochs", default=None, metavar="E", help="max epochs")
    recipe.add_argument("--base-lr", default=None, metavar="X",
                        help="LR of the base batch (default: the starting recipe's; 0.01 when shipped)")
    recipe.add_argument("--base-batch", default=None, metavar="N",
                        help="batch the base LR is for (default: the starting recipe's; 16 when shipped)")
    recipe.add_argument("--crop", default=None, metavar="S|HxW", help="training crop, e.g. 384 or 512x512")
    recipe.add_argument("--amp", default=None, choices=["on", "off"], help="mixed precision (GPUs only)")
    recipe.add_argument("--val-interval", default=None, metavar="N", help="validate every N epochs")
    recipe.add_argument("--name", default=None, help="config name (also the work dir name)")
    recipe.add_argument("--patience", default=None, metavar="N",
                        help="stop early when mIoU has not improved for N validations (0 = off)")
    recipe.add_argument("--nan-guard", default=None, choices=["on", "off"],
                        help="stop the run at the first non-finite loss (default on)")
    recipe.add_argument("--pretrained", default=None, metavar="W",
                        help="weights: open-mmlab://resnet50_v1c, a local .pth file, or '' for none")
    recipe.add_argument("--from", dest="from_config", default=None, metavar="CONFIG",
                        help="start from the recipe of a config this tool wrote (default: see above)")
    recipe.add_argument("--from-zoo", default=None, metavar="NAME",
                        help="start from a model of mmseg's VOC-aug zoo (`vocseg-tui zoo` lists them): a "
                             "config inheriting it, epoch-based, its official sample budget and scaled LR")
    recipe.add_argument("--write", default=None, metavar="PATH",
                        help="write the config to PATH (relative to the project)")
    recipe.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    recipe.add_argument("--json", action="store_true", help="print one JSON object")
    recipe.set_defaults(handler=run_recipe)

    check = commands.add_parser(
        "check", help="validate a config and its launch: traps, classes, LR vs devices, data, weights",
        description="Load CONFIG with mmengine (child process) and report known traps with fixes, then "
                    "what would fail in the first minute of its launch on this machine (the same "
                    "checks `train` refuses on): the LR against the device count, the dataset files "
                    "it names, a weights download this machine cannot make, CUDA-only features on CPU. "
                    "Exit 1 when errors are found, 0 otherwise, 2 when it cannot be loaded.",
    )
    check.add_argument("config", help="config file; relative to the project (--project), as `train` reads it")
    check.add_argument("--gpus", default=None, metavar="N|cpu",
                       help="planned launch: N processes on GPUs, or cpu (default: what the config was "
                            "written for)")
    check.add_argument("--cfg-options", nargs="+", default=[], metavar="K=V",
                       help="check the config with these overrides, as `train --cfg-options` applies them")
    check.add_argument("--config-only", action="store_true",
                       help="judge the config alone, not this machine: skip the dataset files, the "
                            "weights download and the CUDA-only checks")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=run_check)


FLAGS = {"gpus": "gpus", "batch": "batch_per_gpu", "epochs": "max_epochs", "base_lr": "base_lr",
         "base_batch": "base_batch", "val_interval": "val_interval", "name": "name",
         "pretrained": "pretrained", "patience": "patience", "nan_guard": "nan_guard", "crop": "crop",
         "amp": "amp"}


def run_recipe(args: argparse.Namespace) -> int:
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.project import Project
    from vocseg_tui.core.recipe import (
        Recipe,
        dataset_size_from_lists,
        derive,
        read_recipe,
        recipe_from_strings,
        render_config,
        write_config,
    )
    from vocseg_tui.core.recipe.files import starting_point
    from vocseg_tui.core.recipe.validate import sanity_findings

    project = Project.open(args.project)
    if args.from_zoo:
        from vocseg_tui.cli.zoo import run_zoo_recipe

        return run_zoo_recipe(args, project)
    values = {field: getattr(args, flag) for flag, field in FLAGS.items() if getattr(args, flag) is not None}
    values["dataset_size"] = str(dataset_size_from_lists(project.voc_root))
    started_from: Path | None = None
    if args.from_config:
        started_from = project.root / args.from_config  # an absolute path stays as it is
        base = read_recipe(started_from)
        if base is None:
            raise VocsegError(f"{args.from_config} holds no vocseg recipe",
                              "give a config written by vocseg-tui (it ends with vocseg_recipe = dict(...))")
    else:
        found = starting_point(project.configs_dir, project.configs())
        base, started_from = found if found else (Recipe(), None)
    recipe, errors = recipe_from_strings(base, values)
    if recipe is None:
        flag = {v: k for k, v in FLAGS.items()}
        field, message = next(iter(errors.items()))
        raise VocsegError(message, f"fix --{flag.get(field, field).replace('_', '-')}")
    derived = derive(recipe)
    warnings = sanity_findings(derived.total_batch, derived.lr, recipe.dataset_size)
    written = None
    if args.write:
        target = Path(args.write)
        written = write_config(target if target.is_absolute() else project.root / target,  # as train reads it
                               render_config(recipe), overwrite=args.force)
    if args.json:
        print_json({"schema": 1, **derived.to_dict(), "recipe": recipe.to_dict(),
                    "started_from": str(started_from) if started_from else None,
                    "warnings": [f.to_dict() for f in warnings],
                    "written": str(written) if written else None})
        return ExitCode.OK
    device = "CPU" if recipe.gpus == 0 else f"{recipe.gpus} GPU(s)"
    origin = _shown(started_from, project.root) if started_from else "the shipped recipe"
    print(f"starting from {origin}; the flags changed: {', '.join(sorted(_given(args))) or 'nothing'}")
    print(f"recipe {recipe.name}: {device} x {recipe.batch_per_gpu} images, {recipe.max_epochs} epochs")
    print(f"  total batch      {derived.total_batch}")
    print(f"  lr               {derived.lr:g}  (= {recipe.base_lr:g} x {derived.total_batch} / "
          f"{recipe.base_batch})")
    print(f"  iters per epoch  {derived.iters_per_epoch:,}  (ceil({recipe.dataset_size:,} / "
          f"{derived.total_batch}))")
    print(f"  total iters      {derived.total_iters:,}  ({derived.samples_seen:,} samples)")
    print(f"  official 40k     {derived.epochs_equiv_40k:.1f} epochs; 20k: {derived.epochs_equiv_20k:.1f}")
    for finding in warnings:
        print(f"warning: {finding.message}\n  why: {finding.explanation}\n  fix: {finding.fix}")
    if written:
        print(f"wrote {written}")
    return ExitCode.OK


def _given(args: argparse.Namespace) -> list[str]:
    return [f"--{flag.replace('_', '-')}" for flag in FLAGS if getattr(args, flag) is not None]


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def run_check(args: argparse.Namespace) -> int:
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.recipe.loader import resolve_config
    from vocseg_tui.core.recipe.model import parse_count
    from vocseg_tui.core.recipe.preflight import launch_check
    from vocseg_tui.core.recipe.validate import Context, has_errors, recorded_launch, validate

    # Resolved like `train` resolves it: relative to the project (--project DIR), where training
    # runs and where the config's relative data paths point.
    root = Path(args.project).resolve() if args.project else Path.cwd()
    path = Path(args.config) if Path(args.config).is_absolute() else root / args.config
    processes, cpu = None, None
    if args.gpus is not None:
        try:
            count = parse_count(args.gpus)
        except ValueError:
            raise VocsegError(f"--gpus {args.gpus!r} is not a number or 'cpu'", "e.g. --gpus 2") from None
        processes, cpu = max(1, count), count == 0
    resolved = resolve_config(path, cwd=root, cfg_options=list(args.cfg_options))
    recorded = recorded_launch(Context(resolved.config, None, root))
    if processes is None and recorded is not None:
        processes = recorded[0]
        gpus = (resolved.config.get("vocseg_recipe") or {}).get("gpus", resolved.config.get("num_gpus"))
        cpu = gpus == 0 if isinstance(gpus, int) else None
    if args.config_only:
        findings = validate(resolved.config, processes=processes, base=root, source=args.config)
    else:
        findings = launch_check(resolved.config, base=root, processes=processes, cpu=cpu, source=args.config)
    code = ExitCode.FAILED if has_errors(findings) else ExitCode.OK
    launch = {"processes": processes, "device": None if cpu is None else ("cpu" if cpu else "gpu"),
              "machine_checked": not args.config_only}
    if args.json:
        print_json({"schema": 1, "config": str(path), "ok": code == ExitCode.OK, "launch": launch,
                    "findings": [f.to_dict() for f in findings]})
        return code
    for f in findings:
        print(f"{f.severity}: {f.message}" + (f"  [{f.key}]" if f.key else ""))
        print(f"  why: {f.explanation}")
        print(f"  fix: {f.fix}")
    errors = sum(f.severity == "error" for f in findings)
    where = "as a config only" if args.config_only else "on this machine"
    device = "" if cpu is None else ("CPU " if cpu else "GPU ")
    print(f"{path}: {errors} error(s), {len(findings) - errors} other finding(s) (checked {where}, "
          f"for {processes or '?'} {device}process(es))")
    return code
