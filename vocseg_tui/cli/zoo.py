"""`vocseg-tui zoo [--family F] [--json]`: the VOC-aug models of the installed mmseg's zoo.

Read from the wheel's metafiles (cached per mmseg version), so a newer mmseg lists its new
models without a change here. An unknown family exits 2 with the closest names.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vocseg_tui.cli.output import ExitCode, print_json

if TYPE_CHECKING:
    from vocseg_tui.core.project import Project

ORDER = 32


def register(commands: Any) -> None:
    zoo = commands.add_parser(
        "zoo", help="the VOC-aug models of mmseg's zoo: schedule, published mIoU, memory, weights",
        description="List every VOC-aug model config found in the installed mmsegmentation's metafiles: "
                    "name, family, backbone, crop, official schedule (iterations x batch), published "
                    "mIoU and mIoU(ms+flip), training memory per GPU, weights URL. Start a recipe from "
                    "one with `vocseg-tui recipe --from-zoo NAME`.",
    )
    zoo.add_argument("--family", default=None, metavar="F",
                     help="only this family (config folder, e.g. pspnet, or method, e.g. DeepLabV3+)")
    zoo.add_argument("--json", action="store_true", help="print one JSON object")
    zoo.set_defaults(handler=run_zoo)


def _num(value: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if value is None else fmt.format(value)


def run_zoo(args: argparse.Namespace) -> int:
    from vocseg_tui.core.zoo import list_models

    models = list_models(args.family)
    if args.json:
        print_json({"schema": 1, "models": [m.to_dict() for m in models]})
        return ExitCode.OK
    width = max((len(m.name) for m in models), default=4)
    print(f"{'name':<{width}}  {'backbone':<22} {'schedule':>12}  {'mIoU':>6} {'ms+flip':>7} {'mem GB':>6}")
    for m in models:
        print(f"{m.name:<{width}}  {m.backbone:<22} {m.iters // 1000:>4}k x {m.batch:<4}  "
              f"{_num(m.miou):>6} {_num(m.miou_ms_flip):>7} {_num(m.memory_gb, '{:.1f}'):>6}")
    print(f"{len(models)} VOC-aug model(s); weights and config paths: --json")
    return ExitCode.OK


def run_zoo_recipe(args: argparse.Namespace, project: Project) -> int:
    """`recipe --from-zoo NAME`: render, write (if asked), and check the config as mmengine reads it."""
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.recipe.model import parse_count
    from vocseg_tui.core.zoo.build import build_from_zoo

    try:
        gpus = parse_count(args.gpus) if args.gpus is not None else None
        batch = parse_count(args.batch) if args.batch is not None else None
    except ValueError:
        raise VocsegError("--gpus and --batch take whole numbers (--gpus also 'cpu')",
                          "e.g. --gpus 2 --batch 8") from None
    built = build_from_zoo(project, args.from_zoo, gpus=gpus, batch_per_gpu=batch, run_name=args.name,
                           pretrained=args.pretrained, write_to=Path(args.write) if args.write else None,
                           overwrite=args.force)
    model, recipe, findings, written = built.model, built.recipe, built.findings, built.written
    gpus, batch = recipe.gpus, recipe.batch_per_gpu
    if args.json:
        print_json({"schema": 1, **recipe.to_dict(), "findings": [f.to_dict() for f in findings],
                    "written": str(written) if written else None})
        return ExitCode.OK
    device = "CPU" if gpus == 0 else f"{gpus} GPU(s)"
    print(f"from the zoo: {model.name} ({recipe.mmseg_config})")
    print(f"  launch          {device} x {batch} images = batch {recipe.total_batch}")
    print(f"  lr ({recipe.optimizer})       {recipe.lr:g}  (= {recipe.official_lr:g} x "
          f"{recipe.total_batch} / {recipe.official_batch})")
    print(f"  epochs          {recipe.max_epochs}  (~ {recipe.official_iters:,} x {recipe.official_batch} / "
          f"{recipe.dataset_size:,}); {recipe.iters_per_epoch:,} iterations per epoch")
    goal = "unpublished" if recipe.target_miou is None else (
        f"{recipe.target_miou} mIoU ({recipe.target_miou_ms_flip} with ms+flip)")
    print(f"  target          {goal}")
    print(f"  weights         {recipe.pretrained or 'none (random init)'}")
    for f in findings:
        print(f"{f.severity}: {f.message}\n  fix: {f.fix}")
    print(f"wrote {written}" if written else "(not written: --write PATH)")
    return ExitCode.OK
