"""The training recipe: what a user chooses, each field checked with a message of its own.

A `Recipe` can only exist in a valid state: construction validates every field and raises a
`RecipeFieldError` that names the field, so the form can put the message under the right
input and the CLI can say which flag is wrong. `recipe_from_strings` turns the raw text of a
form into a recipe or a dict of per-field errors, never an exception the UI has to catch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.voc import TRAINAUG_SIZE

ARCHS = ("r50", "tiny")
BACKBONES = ("ResNetV1c", "ResNet")
# The weights each backbone was trained with. ResNetV1c has a deep (3-conv) stem that
# torchvision's ResNet-50 lacks: loading one into the other leaves layers random, silently.
MATCHING_WEIGHTS = {"ResNetV1c": "open-mmlab://resnet50_v1c", "ResNet": "torchvision://resnet50"}
MODEL_LR = {
    "r50": (0.01, 16),  # mmseg's pretrained UPerNet-R50 recipe
    # A tiny model from scratch needs a far higher base LR than the pretrained R50 recipe to
    # learn anything in the sample's 39 iterations: 0.4 at 16 scales to 0.05 at batch 2.
    "tiny": (0.4, 16),
}
"""Each model's own base LR at its base batch: what switching the model resets them to."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class RecipeFieldError(VocsegError):
    """One field of the recipe is wrong; `field` says which."""

    def __init__(self, field_name: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.field = field_name


def weights_mismatch(backbone: str, pretrained: str | None) -> str | None:
    """Why `pretrained` does not fit `backbone`, or None when it fits (or is a local file)."""
    if not pretrained:
        return None
    if backbone == "ResNetV1c" and pretrained.startswith("torchvision://"):
        return (f"{pretrained} is torchvision's ResNet (V1b, 7x7 stem); ResNetV1c has a deep "
                "3-conv stem, which would stay randomly initialised (mmengine only warns)")
    if backbone == "ResNet" and pretrained.startswith("open-mmlab://resnet") and "v1c" in pretrained:
        return (f"{pretrained} holds a deep-stem ResNetV1c; mmseg's ResNet (V1b) has a 7x7 stem, "
                "so the stem weights would not load")
    return None


@dataclass(frozen=True)
class Recipe:
    """A training recipe for UPerNet on VOC-aug. `gpus == 0` means CPU (one process)."""

    name: str = "upernet_r50_voc12aug_epoch"
    gpus: int = 2
    batch_per_gpu: int = 4
    base_lr: float = MODEL_LR["r50"][0]
    base_batch: int = MODEL_LR["r50"][1]
    max_epochs: int = 61
    val_interval: int = 1
    ckpt_interval: int = 1
    max_keep_ckpts: int = 3
    crop: tuple[int, int] = (512, 512)
    arch: str = "r50"
    backbone: str = "ResNetV1c"
    pretrained: str | None = "open-mmlab://resnet50_v1c"
    amp: bool = False
    num_workers: int = 4
    seed: int = 0
    work_dir: str = ""
    dataset_size: int = TRAINAUG_SIZE
    log_interval: int = 50
    nan_guard: bool = True
    """tools/train.py stops the run at the first non-finite loss (the config's `nan_guard`)."""
    patience: int = 0
    """Stop when mIoU has not improved for this many validations (0 = off; EarlyStoppingHook)."""

    def __post_init__(self) -> None:
        if not self.work_dir:
            object.__setattr__(self, "work_dir", f"work_dirs/{self.name}")
        object.__setattr__(self, "crop", tuple(self.crop))
        if self.pretrained == "":
            object.__setattr__(self, "pretrained", None)
        check_recipe(self)

    @property
    def processes(self) -> int:
        """Training processes: one per GPU, one on CPU."""
        return max(1, self.gpus)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (crop as a list), the form stored in configs as `vocseg_recipe`."""
        data = asdict(self)
        data["crop"] = list(self.crop)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recipe:
        """The inverse of `to_dict`; unknown keys are refused so typos do not vanish."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise VocsegError(f"unknown recipe keys: {', '.join(unknown)}",
                              f"known keys: {', '.join(sorted(known))}")
        values = dict(data)
        if "crop" in values:
            values["crop"] = tuple(values["crop"])
        return cls(**values)

    def with_changes(self, **changes: Any) -> Recipe:
        return replace(self, **changes)


def model_defaults(arch: str, backbone: str) -> dict[str, Any]:
    """What belongs to model `arch` and follows a switch to it: its base LR at its base batch,
    and its weights (the tiny model trains from scratch; R50 from the backbone's ImageNet ones)."""
    lr, batch = MODEL_LR[arch]
    return {"base_lr": lr, "base_batch": batch,
            "pretrained": None if arch == "tiny" else MATCHING_WEIGHTS.get(backbone)}


def _int_range(name: str, value: object, low: int, high: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecipeFieldError(name, f"{what} must be a whole number, not {value!r}")
    if value < low:
        raise RecipeFieldError(name, f"{what} must be at least {low}, not {value}")
    if value > high:
        raise RecipeFieldError(name, f"{what} of {value} is absurd (at most {high})",
                               "check for an extra digit")


def check_recipe(r: Recipe) -> None:
    """Raise `RecipeFieldError` for the first wrong field (fields in form order)."""
    if not isinstance(r.name, str) or not _NAME.match(r.name):
        raise RecipeFieldError("name", f"config name {r.name!r} is not a plain file name",
                               "letters, digits, '_', '.', '-' (no slashes), at most 100")
    _int_range("gpus", r.gpus, 0, 64, "the GPU count (0 = CPU)")
    _int_range("batch_per_gpu", r.batch_per_gpu, 1, 256, "images per GPU")
    if isinstance(r.base_lr, bool) or not isinstance(r.base_lr, (int, float)) or math.isnan(r.base_lr):
        raise RecipeFieldError("base_lr", f"the base LR must be a number, not {r.base_lr!r}")
    if r.base_lr <= 0:
        raise RecipeFieldError("base_lr", f"the base LR must be positive, not {r.base_lr}")
    if r.base_lr > 10 or math.isinf(r.base_lr):
        raise RecipeFieldError("base_lr", f"a base LR of {r.base_lr} is absurd (at most 10)",
                               "the official recipe uses 0.01 at batch 16")
    _int_range("base_batch", r.base_batch, 1, 4096, "the base batch")
    _int_range("max_epochs", r.max_epochs, 1, 10_000, "the number of epochs")
    for name, what in (("val_interval", "validation"), ("ckpt_interval", "checkpoint")):
        value = getattr(r, name)
        _int_range(name, value, 1, 10_000, f"the {what} interval (epochs)")
        if value > r.max_epochs:
            raise RecipeFieldError(name, f"a {what} interval of {value} epochs is longer than the run "
                                   f"({r.max_epochs} epochs): it would never happen",
                                   f"use at most {r.max_epochs}")
    if r.max_keep_ckpts != -1:
        _int_range("max_keep_ckpts", r.max_keep_ckpts, 1, 1000, "checkpoints to keep (-1 = all)")
    if len(r.crop) != 2:
        raise RecipeFieldError("crop", f"the crop must be height x width, not {r.crop!r}")
    for side in r.crop:
        _int_range("crop", side, 32, 4096, "each side of the crop (pixels)")
    if r.arch not in ARCHS:
        raise RecipeFieldError("arch", f"unknown model size {r.arch!r}", f"one of {', '.join(ARCHS)}")
    if r.backbone not in BACKBONES:
        raise RecipeFieldError("backbone", f"unknown backbone {r.backbone!r}",
                               f"one of {', '.join(BACKBONES)}")
    if r.pretrained is not None and (not isinstance(r.pretrained, str) or "\0" in r.pretrained):
        raise RecipeFieldError("pretrained", f"pretrained weights {r.pretrained!r} are not a path or URL")
    reason = weights_mismatch(r.backbone, r.pretrained)
    if reason:
        raise RecipeFieldError("pretrained", f"weights do not fit the backbone: {reason}",
                               f"use {MATCHING_WEIGHTS[r.backbone]} (the Recipe screen's f key does it)")
    if not isinstance(r.amp, bool):
        raise RecipeFieldError("amp", f"AMP must be on or off, not {r.amp!r}")
    if r.amp and r.gpus == 0:
        raise RecipeFieldError("amp", "AMP (mixed precision) needs GPUs", "switch AMP off for CPU")
    _int_range("num_workers", r.num_workers, 0, 128, "data loader workers")
    _int_range("seed", r.seed, 0, 2**31 - 1, "the seed")
    if not isinstance(r.work_dir, str) or not r.work_dir.strip() or "\0" in r.work_dir:
        raise RecipeFieldError("work_dir", "the work dir must be a folder path")
    _int_range("dataset_size", r.dataset_size, 1, 10_000_000, "the dataset size (images)")
    _int_range("log_interval", r.log_interval, 1, 100_000, "the log interval (iterations)")
    if not isinstance(r.nan_guard, bool):
        raise RecipeFieldError("nan_guard", f"the NaN guard must be on or off, not {r.nan_guard!r}")
    _int_range("patience", r.patience, 0, 10_000, "the patience (validations; 0 = off)")
    validations = r.max_epochs // r.val_interval
    if r.patience and r.patience >= validations:
        raise RecipeFieldError("patience", f"a patience of {r.patience} validations never stops the run "
                               f"early: it validates only {validations} times",
                               f"use at most {max(1, validations - 1)}, or 0 (off)")


def parse_count(text: str) -> int:
    """A whole number as people type it (`1,000`, `1_000`); `cpu` means 0 GPUs."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if cleaned.lower() == "cpu":
        return 0
    return int(cleaned)


def _parse_float(text: str) -> float:
    return float(text.strip())


def _parse_crop(text: str) -> tuple[int, int]:
    parts = [p for p in re.split(r"[x×,\s]+", text.strip().strip("()")) if p]
    if len(parts) == 1:
        parts = parts * 2
    if len(parts) != 2:
        raise ValueError(text)
    return int(parts[0]), int(parts[1])


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


PARSERS: dict[str, Callable[[str], Any]] = {
    "name": str.strip, "gpus": parse_count, "batch_per_gpu": parse_count, "base_lr": _parse_float,
    "base_batch": parse_count, "max_epochs": parse_count, "val_interval": parse_count,
    "ckpt_interval": parse_count, "max_keep_ckpts": parse_count, "crop": _parse_crop,
    "arch": str.strip, "backbone": str.strip, "pretrained": lambda t: t.strip() or None,
    "amp": _parse_bool, "num_workers": parse_count, "seed": parse_count, "work_dir": str.strip,
    "dataset_size": parse_count, "log_interval": parse_count, "nan_guard": _parse_bool,
    "patience": parse_count,
}
LABELS = {
    "gpus": "GPUs", "batch_per_gpu": "images per GPU", "base_lr": "base LR",
    "base_batch": "base batch", "max_epochs": "epochs", "crop": "crop",
}


def recipe_from_strings(
    base: Recipe, values: Mapping[str, str],
) -> tuple[Recipe | None, dict[str, str]]:
    """Apply form text to `base`: the new recipe, or None and one error message per field.

    Every field is parsed first (empty and non-numeric text is caught per field), then the
    recipe is built; a cross-field error is attributed to the field that names it.
    """
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name, text in values.items():
        parse = PARSERS.get(name)
        if parse is None:
            errors[name] = f"unknown field {name}"
            continue
        if name not in ("pretrained", "work_dir") and not text.strip():
            errors[name] = f"{LABELS.get(name, name.replace('_', ' '))} is empty"
            continue
        try:
            changes[name] = parse(text)
        except (ValueError, OverflowError):
            errors[name] = f"{text.strip()!r} is not a valid {LABELS.get(name, name.replace('_', ' '))}"
    if errors:
        return None, errors
    # The work dir follows the name unless the user set one explicitly.
    renamed = "name" in changes and changes["name"] != base.name
    if renamed and changes.get("work_dir", base.work_dir) == f"work_dirs/{base.name}":
        changes["work_dir"] = ""
    try:
        return replace(base, **changes), {}
    except RecipeFieldError as exc:
        return None, {exc.field: exc.message + (f" ({exc.hint})" if exc.hint else "")}
