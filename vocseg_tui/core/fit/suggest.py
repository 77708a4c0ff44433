"""What to change when a run does not fit a GPU: a smaller batch per GPU, AMP, a smaller crop.

Each suggestion carries its estimated peak, the batch per GPU it runs at (the config's own,
or the largest that fits with that change), the LR the linear scaling rule gives that batch
(base LR x total batch / base batch, from the recipe recorded in the config), and the command
that gets it. The estimates come from `lookup`: `vocseg-tui fit` computes them (child
processes, seconds each); the launch check passes the cache reader, so a launch never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fit.estimate import GIB, FitEstimate
from vocseg_tui.core.recipe.files import ZOO_VARIABLE, literal_dict, read_recipe

CROPS = (512, 384, 256)
"""The smaller crops tried, each below the current one (square, as mmseg's VOC configs)."""

Lookup = Callable[[bool, tuple[int, int] | None], FitEstimate | None]
"""(amp, crop or None for the estimate's own) -> the estimate at the same batch, or None."""


@dataclass(frozen=True)
class Suggestion:
    change: str
    """What changes, in words: "batch 2 per GPU", "AMP", "crop 384x384"."""
    peak_gib: float
    batch_per_gpu: int
    lr: float | None
    """The linear rule's LR at this batch; None when the config records no recipe."""
    command: str
    fits: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Origin:
    """How `recipe` rebuilds this config, and its LR law."""

    flag: str
    """`--from NAME` or `--from-zoo NAME`."""
    gpus: int
    base_lr: float
    base_batch: int
    zoo: bool
    cpu: bool = False
    """The recipe was written for CPU: AMP needs GPUs, so its command asks for one."""


def shown(config: Path) -> str:
    """The config as `recipe --from` and `train` read it (relative to the project): a config in
    the project's configs/ folder as configs/NAME, any other by its full path."""
    return f"configs/{config.name}" if config.parent.name == "configs" else str(config)


def _origin(config: Path) -> _Origin | None:
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    zoo = literal_dict(text, ZOO_VARIABLE)
    if zoo is not None and isinstance(zoo.get("name"), str):
        try:
            return _Origin(f"--from-zoo {zoo['name']}", max(1, int(zoo["gpus"])), float(zoo["official_lr"]),
                           int(zoo["official_batch"]), True)
        except (KeyError, TypeError, ValueError):
            return None
    try:
        recipe = read_recipe(config)
    except VocsegError:  # a config without a readable recipe has no LR law to rescale
        return None
    if recipe is None:
        return None
    return _Origin(f"--from {shown(config)}", recipe.processes, recipe.base_lr, recipe.base_batch, False,
                   recipe.gpus == 0)


def _lr(origin: _Origin | None, batch: int) -> float | None:
    if origin is None:
        return None
    return round(origin.base_lr * origin.gpus * batch / origin.base_batch, 8)


def _at_batch(estimate: FitEstimate, batch: int) -> float:
    """The calibrated peak at another batch: activations scale with it, the rest is fixed."""
    per_image = estimate.activations_gib / estimate.batch_per_gpu
    fixed = estimate.raw_peak_gib - estimate.activations_gib
    return round((fixed + per_image * batch) * estimate.peak_gib / max(estimate.raw_peak_gib, 1e-12), 3)


def _sized(change: str, estimate: FitEstimate, free_bytes: int, origin: _Origin | None,
           command: Callable[[int], str]) -> Suggestion | None:
    """`change` at the config's batch if it fits, else at the largest batch that fits."""
    batch = estimate.batch_per_gpu
    if not estimate.fits(free_bytes):
        batch = min(estimate.largest_batch(free_bytes), estimate.batch_per_gpu)
        if batch < 1:
            own = estimate.batch_per_gpu
            return Suggestion(change, estimate.peak_gib, own, _lr(origin, own), command(own), False)
        change = f"{change}, batch {batch} per GPU"
    return Suggestion(change, _at_batch(estimate, batch), batch, _lr(origin, batch), command(batch), True)


def suggestions(config: Path, estimate: FitEstimate, free_bytes: int, lookup: Lookup) -> list[Suggestion]:
    """The changes that would make `config` fit in `free_bytes`, or [] when it fits already."""
    if estimate.fits(free_bytes):
        return []
    origin = _origin(config)
    flag = origin.flag if origin else f"--from {shown(config)}"
    out: list[Suggestion] = []

    def recipe(batch: int, extra: str = "") -> str:
        return f"vocseg-tui recipe {flag} --batch {batch}{extra} --write configs/..."

    batch = estimate.largest_batch(free_bytes)
    if 0 < batch < estimate.batch_per_gpu:
        out.append(Suggestion(f"batch {batch} per GPU", _at_batch(estimate, batch), batch, _lr(origin, batch),
                              recipe(batch), True))
    if not estimate.amp:
        amp = lookup(True, None)
        if amp is not None:
            def amp_command(b: int) -> str:
                if origin is not None and not origin.zoo:
                    return recipe(b, " --gpus 1 --amp on" if origin.cpu else " --amp on")
                train = f"vocseg-tui train {shown(config)} --amp"
                return train if b == estimate.batch_per_gpu else f"{recipe(b)}; then {train}"
            found = _sized("AMP", amp, free_bytes, origin, amp_command)
            if found:
                out.append(found)
    for side in CROPS:
        if side >= min(estimate.crop):
            continue
        smaller = lookup(estimate.amp, (side, side))
        if smaller is None:
            continue
        if origin is not None and not origin.zoo:
            def crop_command(b: int, side: int = side) -> str:
                return recipe(b, f" --crop {side}")
        else:
            def crop_command(b: int, side: int = side) -> str:
                return (f"vocseg-tui train {shown(config)} --cfg-options crop_size=({side},{side}) "
                        f"(and the pipeline's RandomCrop and data_preprocessor size)")
        found = _sized(f"crop {side}x{side}", smaller, free_bytes, origin, crop_command)
        if found:
            out.append(found)
        if found and found.fits and found.batch_per_gpu == estimate.batch_per_gpu:
            break  # the largest crop that fits at the config's batch: smaller ones only lose accuracy
    return out


def hint_text(found: list[Suggestion]) -> str:
    """The suggestions in one line, for the launch refusal's hint."""
    parts = [f"{s.change}: about {s.peak_gib:.1f} GiB" + (f", lr {s.lr:g}" if s.lr is not None else "")
             + f" (`{s.command}`)" for s in found if s.fits]
    return "; ".join(parts)


__all__ = ["CROPS", "GIB", "Suggestion", "hint_text", "suggestions"]
