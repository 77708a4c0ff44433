"""`vocseg-tui zoo [--family F] [--json]`: the VOC-aug models of the installed mmseg's zoo.

Read from the wheel's metafiles (cached per mmseg version), so a newer mmseg lists its new
models without a change here. An unknown family exits 2 with the closest names.
"""

from __future__ import annotations

import argparse
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

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
        cuda = f"  (needs CUDA: {m.cuda_only_op})" if m.cuda_only_op else ""
        print(f"{m.name:<{width}}  {m.backbone:<22} {m.iters // 1000:>4}k x {m.batch:<4}  "
              f"{_num(m.miou):>6} {_num(m.miou_ms_flip):>7} {_num(m.memory_gb, '{:.1f}'):>6}{cuda}")
    print(f"{len(models)} VOC-aug model(s); weights and config paths: --json")
    return ExitCode.OK
