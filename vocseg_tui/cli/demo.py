"""`vocseg-tui demo CHECKPOINT [IMAGE]`: segment a photo with a checkpoint and its run's config."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 61


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "demo",
        help="segment an image with a checkpoint; writes an overlay PNG with a legend",
        description=(
            "Run the checkpoint's model (built from the config dump in its run folder, never "
            "another config) on IMAGE (default: the cat photo shipped with vocseg-tui) and save "
            "the photo tinted with the VOC palette plus a legend of the classes found, as "
            "outputs/<run>_<checkpoint>_<image>.png in the project."
        ),
        epilog="Exit 0 only when the overlay was written; 2 for bad input (not an image, an image "
               "over the pixel limit, a damaged checkpoint, a run without a config dump, weights of "
               "another model, a GPU that does not exist or a GPU without CUDA).",
    )
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="a .pth file in a run folder")
    parser.add_argument("image", nargs="?", metavar="IMAGE", help="a .jpg/.png (default: the demo photo)")
    parser.add_argument("--out", metavar="FILE", help="where to write the overlay (.png)")
    parser.add_argument("--device", default="cpu",
                        help="cpu, cuda (= cuda:0) or cuda:N, N the GPU index `vocseg-tui gpus` shows; "
                             "that one GPU is pinned for the worker (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def _outputs_dir(args: argparse.Namespace, checkpoint: Path) -> Path:
    """--project's outputs/, else the project the run lives in (<project>/work_dirs/<run>), else ./."""
    from vocseg_tui.core.project import Project

    if args.project:
        return Project.open(args.project).outputs_dir
    run_parent = checkpoint.resolve().parent.parent
    if run_parent.name == "work_dirs":
        return Project(run_parent.parent).outputs_dir
    return Project.open(None).outputs_dir


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.demo import DemoClient, build_request
    from vocseg_tui.core.placement import parse_device

    checkpoint = Path(args.checkpoint).expanduser()
    placement = parse_device(args.device)
    request = build_request(
        checkpoint, Path(args.image) if args.image else None, _outputs_dir(args, checkpoint),
        out=Path(args.out) if args.out else None, placement=placement)
    client = DemoClient()
    try:
        def progress(stage: str) -> None:
            if not args.json:
                print(f"{stage}...", file=sys.stderr)

        result = client.run(request, progress)
    finally:
        client.close()
    if not result.out.is_file():
        return ExitCode.FAILED
    if args.json:
        print_json({"schema": 1, "out": str(result.out), "legend": result.legend,
                    "seconds": round(result.seconds, 3), "image_size": list(result.image_size),
                    "source_size": list(result.source_size), "config": str(request.config),
                    "device": result.device, "gpu": placement.label(),
                    "visible_devices": result.visible_devices})
        return ExitCode.OK
    print(f"wrote {result.out}")
    print(f"  model: {request.checkpoint.name} with {request.config} ({result.seconds:.1f} s)")
    print(f"  device: {placement.label()}" + ("" if placement.is_cpu else
          f" (pinned: CUDA_VISIBLE_DEVICES={result.visible_devices}, {result.device} in the worker)"))
    if result.shrunk:
        print(f"  image: {result.source_size[0]}x{result.source_size[1]}, run at "
              f"{result.image_size[0]}x{result.image_size[1]} (the demo's longest side is limited)")
    for entry in result.legend:
        print(f"  {entry['name']:<14} {entry['share']:>6.1%}")
    return ExitCode.OK
