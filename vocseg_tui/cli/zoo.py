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
    import tempfile

    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.recipe import dataset_size_from_lists, write_config
    from vocseg_tui.core.recipe.loader import resolve_config
    from vocseg_tui.core.recipe.model import parse_count
    from vocseg_tui.core.recipe.validate import validate
    from vocseg_tui.core.zoo import find_model
    from vocseg_tui.core.zoo.recipe import zoo_recipe

    model = find_model(args.from_zoo)
    try:
        gpus = parse_count(args.gpus) if args.gpus is not None else model.gpus
        batch = parse_count(args.batch) if args.batch is not None else model.batch_per_gpu
    except ValueError:
        raise VocsegError("--gpus and --batch take whole numbers (--gpus also 'cpu')",
                          "e.g. --gpus 2 --batch 8") from None
    official = resolve_config(model.mmseg_config, cwd=project.root).config
    recipe = zoo_recipe(model, official, gpus=gpus, batch_per_gpu=batch,
                        dataset_size=dataset_size_from_lists(project.voc_root), name=args.name,
                        pretrained=args.pretrained)
    written = None
    if args.write:
        target = Path(args.write)
        written = write_config(target if target.is_absolute() else project.root / target, recipe.text,
                               overwrite=args.force)
        checked = resolve_config(written, cwd=project.root).config
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{recipe.model}.py"
            path.write_text(recipe.text, encoding="utf-8")
            checked = resolve_config(path, cwd=project.root).config
    findings = validate(checked, processes=max(1, gpus), base=project.root, source=args.write or "CONFIG")
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
