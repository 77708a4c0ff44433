"""What a demo needs, checked before any process starts: checkpoint, its run's config dump,
an image (readable, within the pixel limit), the output path and where it runs (a Placement:
the worker's environment and its torch device, decided in core, never by a screen).

The config is never chosen by the user: it is the dump mmengine wrote into the checkpoint's
run folder, the exact model the weights belong to (the tutorial's hand-typed command often
names a different config, which loads with missing keys and draws noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from vocseg_tui.core.checkpoints import CheckpointError, find_checkpoint
from vocseg_tui.core.demo.errors import DemoError
from vocseg_tui.core.demo.image import ImageRefused, header_size
from vocseg_tui.core.placement import Placement

ASSETS = Path(__file__).resolve().parents[2] / "assets"
DEMO_IMAGE = ASSETS / "chelsea.jpg"
"""The photo shipped with the project (CC0, see vocseg_tui/assets/README.md)."""
__all__ = ["DEMO_IMAGE", "DemoError", "DemoRequest", "ImageRefused", "build_request", "check_image",
           "output_name"]


@dataclass(frozen=True)
class DemoRequest:
    """One inference: everything the worker needs, as absolute paths."""

    config: Path
    checkpoint: Path
    image: Path
    out: Path
    placement: Placement = field(default_factory=Placement.cpu)
    """Where the worker runs: the client starts it with `placement.environment()`."""

    @property
    def device(self) -> str:
        return self.placement.device

    def to_json(self) -> dict[str, Any]:
        return {"config": str(self.config), "checkpoint": str(self.checkpoint), "image": str(self.image),
                "out": str(self.out), "device": self.device}


def output_name(run: str, checkpoint: Path, image: Path) -> str:
    """`<run>_<checkpoint>_<image>.png`, e.g. `sample_tiny_epoch_3_chelsea.png`."""
    return f"{run}_{checkpoint.stem}_{image.stem}.png"


def check_image(image: Path) -> Path:
    """The image exists, is within the pixel limit (from its header) and Pillow recognises it
    (the worker decodes it, shrunk to the demo's working size)."""
    image = image.expanduser()
    if not image.is_file():
        raise DemoError(f"image {image} does not exist", "pick an existing .jpg or .png")
    header_size(image)
    try:
        with Image.open(image) as opened:
            opened.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DemoError(f"{image.name} is not an image that can be read",
                        "pick a .jpg or .png photo") from None
    return image.resolve()


def build_request(checkpoint: Path, image: Path | None, outputs_dir: Path, *,
                  out: Path | None = None, placement: Placement | None = None) -> DemoRequest:
    """Validate the inputs and name the output; raises DemoError/CheckpointError (nothing written)."""
    run, ckpt = find_checkpoint(checkpoint)
    if not ckpt.ok:
        raise CheckpointError(f"{ckpt.name} is damaged: {ckpt.problem}",
                              "pick another checkpoint of this run (the list marks damaged ones)")
    if run.config_dump is None:
        raise DemoError(f"run {run.name} has no config dump in {run.work_dir}",
                        "the demo uses the config mmengine saved beside the checkpoints; "
                        "copy the run's config there as <config name>.py")
    picture = check_image(image or DEMO_IMAGE)
    target = out or outputs_dir / output_name(run.name, ckpt.path, picture)
    if target.suffix.lower() != ".png":
        raise DemoError(f"output {target} must be a .png file", "name the output FILE.png")
    return DemoRequest(run.config_dump.resolve(), ckpt.path.resolve(), picture,
                       target.expanduser().absolute(), placement or Placement.cpu())
