"""`vocseg-tui recipe ...` (derived values, write a config) and `vocseg-tui check CONFIG`.

`recipe` starts from the shipped recipe (UPerNet-R50, 2 GPUs x 4, 61 epochs) and applies the
flags; the dataset size comes from the project's split lists when they exist. `check` loads
any config through mmengine in a child process and runs the validator: exit 1 when it finds
errors, 0 otherwise, 2 when the config cannot be read.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 30


def register(commands: Any) -> None:
    recipe = commands.add_parser(
        "recipe", help="derived values of a training recipe (scaled LR, epochs); write its config",
        description="Print the derived values of a recipe (linear-scaled LR, iterations per epoch, "
                    "official 20k/40k schedules in epochs) and optionally write its config.",
    )
    recipe.add_argument("--gpus", default=None, metavar="N|cpu", help="GPUs (processes), or cpu")
    recipe.add_argument("--batch", default=None, metavar="B", help="images per GPU")
    recipe.add_argument("--epochs", default=None, metavar="E", help="max epochs")
    recipe.add_argument("--base-lr", default=None, metavar="X", help="LR of the base batch (0.01)")
    recipe.add_argument("--base-batch", default=None, metavar="N", help="batch the base LR is for (16)")
    recipe.add_argument("--val-interval", default=None, metavar="N", help="validate every N epochs")
    recipe.add_argument("--name", default=None, help="config name (also the work dir name)")
    recipe.add_argument("--pretrained", default=None, metavar="W",
                        help="weights: open-mmlab://resnet50_v1c, a local .pth file, or '' for none")
    recipe.add_argument("--from", dest="from_config", default=None, metavar="CONFIG",
                        help="start from the recipe of a config this tool wrote (default: the "
                             "project's upernet_r50_voc12aug_epoch.py, else its newest such config)")
    recipe.add_argument("--write", default=None, metavar="PATH", help="write the config to PATH")
    recipe.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    recipe.add_argument("--json", action="store_true", help="print one JSON object")
    recipe.set_defaults(handler=run_recipe)

    check = commands.add_parser(
        "check", help="validate a config: epoch/iteration traps, classes, SyncBN, weights",
        description="Load CONFIG with mmengine (child process) and report known traps with fixes. "
                    "Exit 1 when errors are found, 0 otherwise, 2 when it cannot be loaded.",
    )
    check.add_argument("config")
    check.add_argument("--gpus", default=None, metavar="N|cpu", help="planned launch (default: recipe)")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(handler=run_check)


FLAGS = {"gpus": "gpus", "batch": "batch_per_gpu", "epochs": "max_epochs", "base_lr": "base_lr",
         "base_batch": "base_batch", "val_interval": "val_interval", "name": "name",
         "pretrained": "pretrained"}


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
        starting_recipe,
        write_config,
    )

    project = Project.open(args.project)
    values = {field: getattr(args, flag) for flag, field in FLAGS.items() if getattr(args, flag) is not None}
    values["dataset_size"] = str(dataset_size_from_lists(project.voc_root))
    if args.from_config:
        base = read_recipe(Path(args.from_config))
        if base is None:
            raise VocsegError(f"{args.from_config} holds no vocseg recipe",
                              "give a config written by vocseg-tui (it ends with vocseg_recipe = dict(...))")
    else:
        base = starting_recipe(project.configs_dir, project.configs()) or Recipe()
    recipe, errors = recipe_from_strings(base, values)
    if recipe is None:
        flag = {v: k for k, v in FLAGS.items()}
        field, message = next(iter(errors.items()))
        raise VocsegError(message, f"fix --{flag.get(field, field).replace('_', '-')}")
    derived = derive(recipe)
    written = None
    if args.write:
        target = Path(args.write)
        written = write_config(target if target.is_absolute() else Path.cwd() / target,
                               render_config(recipe), overwrite=args.force)
    if args.json:
        print_json({**derived.to_dict(), "recipe": recipe.to_dict(),
                    "written": str(written) if written else None})
        return ExitCode.OK
    device = "CPU" if recipe.gpus == 0 else f"{recipe.gpus} GPU(s)"
    print(f"recipe {recipe.name}: {device} x {recipe.batch_per_gpu} images, {recipe.max_epochs} epochs")
    print(f"  total batch      {derived.total_batch}")
    print(f"  lr               {derived.lr:g}  (= {recipe.base_lr:g} x {derived.total_batch} / "
          f"{recipe.base_batch})")
    print(f"  iters per epoch  {derived.iters_per_epoch:,}  (ceil({recipe.dataset_size:,} / "
          f"{derived.total_batch}))")
    print(f"  total iters      {derived.total_iters:,}  ({derived.samples_seen:,} samples)")
    print(f"  official 40k     {derived.epochs_equiv_40k:.1f} epochs; 20k: {derived.epochs_equiv_20k:.1f}")
    if written:
        print(f"wrote {written}")
    return ExitCode.OK


def run_check(args: argparse.Namespace) -> int:
    from vocseg_tui.core.recipe.loader import resolve_config
    from vocseg_tui.core.recipe.model import parse_count
    from vocseg_tui.core.recipe.validate import has_errors, validate

    path = Path(args.config)
    resolved = resolve_config(path)
    processes = None
    if args.gpus is not None:
        try:
            processes = max(1, parse_count(args.gpus))
        except ValueError:
            from vocseg_tui.core.errors import VocsegError

            raise VocsegError(f"--gpus {args.gpus!r} is not a number or 'cpu'", "e.g. --gpus 2") from None
    findings = validate(resolved.config, processes=processes, base=Path.cwd())
    code = ExitCode.FAILED if has_errors(findings) else ExitCode.OK
    if args.json:
        print_json({"config": str(path), "ok": code == ExitCode.OK,
                    "findings": [f.to_dict() for f in findings]})
        return code
    for f in findings:
        print(f"{f.severity}: {f.message}" + (f"  [{f.key}]" if f.key else ""))
        print(f"  why: {f.explanation}")
        print(f"  fix: {f.fix}")
    errors = sum(f.severity == "error" for f in findings)
    print(f"{path}: {errors} error(s), {len(findings) - errors} other finding(s)")
    return code
