"""`vocseg-tui fit CONFIG [--batch B] [--json]`: peak training memory per GPU, before launch.

The estimate runs in a child process on fake tensors (no GPU, no real compute) and is cached
by config hash; `fits` compares it with each local GPU's free memory. A config the estimator
cannot trace exits 2 naming the op: the estimate is "unknown".
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vocseg_tui.cli.output import ExitCode, print_json

if TYPE_CHECKING:
    from vocseg_tui.core.fit import FitEstimate
    from vocseg_tui.core.fit.suggest import Suggestion

ORDER = 34


def register(commands: Any) -> None:
    fit = commands.add_parser(
        "fit", help="estimate a config's peak training memory per GPU (no GPU needed) and where it fits",
        description="Estimate the peak training memory of one process (one GPU) of CONFIG at a batch "
                    "per GPU, with PyTorch's fake tensors in a child process (seconds, no GPU), and "
                    "compare it with each local GPU's free memory. Exit 2 when it cannot be estimated.",
    )
    fit.add_argument("config", help="config file; relative to the project (--project), as `train` reads it")
    fit.add_argument("--batch", type=int, default=None, metavar="B",
                     help="images per GPU (default: the config's train_dataloader.batch_size)")
    fit.add_argument("--crop", type=int, nargs=2, default=None, metavar=("H", "W"),
                     help="training crop (default: the config's crop_size)")
    fit.add_argument("--amp", action="store_true",
                     help="estimate under mixed precision (a config with AmpOptimWrapper is by itself)")
    fit.add_argument("--json", action="store_true", help="print one JSON object")
    fit.set_defaults(handler=run_fit)


def _fits(estimate: FitEstimate) -> list[dict[str, Any]]:
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.gpus import GIB, take_inventory

    try:
        inventory = take_inventory()
    except VocsegError:
        return []
    return [{"index": g.index, "name": g.name, "free_gib": round(g.memory_free / GIB, 2),
             "fits": estimate.fits(g.memory_free), "largest_batch": estimate.largest_batch(g.memory_free)}
            for g in inventory.gpus if g.ok]


def run_fit(args: argparse.Namespace) -> int:
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.fit import CALIBRATION, estimate_fit

    root = Path(args.project).resolve() if args.project else Path.cwd()
    path = Path(args.config) if Path(args.config).is_absolute() else root / args.config
    if args.batch is not None and args.batch < 1:
        raise VocsegError(f"--batch {args.batch} is no batch", "give 1 or more images per GPU")
    if args.crop is not None and min(args.crop) < 8:
        raise VocsegError(f"--crop {args.crop[0]} {args.crop[1]} is too small", "e.g. --crop 512 512")
    crop = tuple(args.crop) if args.crop else None
    estimate = estimate_fit(path, args.batch, crop, amp=args.amp, cwd=root)
    fits = _fits(estimate)
    found = _suggestions(path, root, estimate, fits, args.batch, crop)
    if args.json:
        print_json({"schema": 1, "config": str(path), **estimate.to_dict(), "calibration": CALIBRATION,
                    "fits": fits, "suggestions": [s.to_dict() for s in found]})
        return ExitCode.OK
    precision = (f"AMP, activations in {estimate.activation_dtype}" if estimate.amp else "fp32")
    print(f"{path.name}: about {estimate.peak_gib:.2f} GiB per GPU at {estimate.batch_per_gpu} image(s) "
          f"of {estimate.crop[0]}x{estimate.crop[1]} ({precision}, {estimate.norm})")
    print(f"  parameters {estimate.params_gib:.2f} GiB, optimizer state {estimate.optimizer_gib:.2f} GiB, "
          f"activations at the peak {estimate.activations_gib:.2f} GiB")
    for g in fits:
        print(f"  GPU {g['index']} ({g['name']}): {g['free_gib']:.1f} GiB free: "
              + ("fits" if g["fits"] else f"won't fit (batch {g['largest_batch']} per GPU would)"))
    if estimate.norm == "SyncBN":
        print(f"  SyncBN adds {estimate.syncbn_extra_gib * 1024**2:.0f} KiB per GPU (gathered statistics): "
              "negligible, not added")
    if not fits:
        print("  (no GPU here to compare with)")
    if found:
        print(f"  to fit GPU {max(fits, key=lambda g: g['free_gib'])['index']}:")
    for s in found:
        lr = f", lr {s.lr:g}" if s.lr is not None else ""
        print(f"    {s.change}: about {s.peak_gib:.2f} GiB{lr}" + ("" if s.fits else " (still too big)"))
        print(f"      {s.command}")
    return ExitCode.OK


def _suggestions(path: Path, root: Path, estimate: FitEstimate, fits: list[dict[str, Any]],
                 batch: int | None, asked_crop: tuple[int, int] | None) -> list[Suggestion]:
    """Against the local GPU with the most free memory, when the run does not fit it; the AMP and
    smaller-crop estimates are computed here (seconds each, then cached)."""
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.fit import estimate_fit
    from vocseg_tui.core.fit.suggest import suggestions
    from vocseg_tui.core.gpus import GIB

    if not fits:
        return []
    best = max(fits, key=lambda g: g["free_gib"])

    def lookup(amp: bool, crop: tuple[int, int] | None) -> FitEstimate | None:
        try:
            return estimate_fit(path, batch, crop or asked_crop, amp=amp, cwd=root)
        except VocsegError:
            return None

    return suggestions(path, estimate, int(best["free_gib"] * GIB), lookup)
