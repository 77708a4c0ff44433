"""Is the prepared data what training will read? Every listed image and label exists, and labels
are single-channel maps with values in 0..20 or 255, the size of their image.

Existence is checked for every name (one directory scan each, cheap). Pixels are checked on an
evenly spread sample by default and on every label with `deep`, on all cores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vocseg_tui.core.data.pool import run_batches
from vocseg_tui.core.data.progress import CancelToken, EventFn, RateMeter, ignore
from vocseg_tui.core.data.splits import Splits

SAMPLE = 48
BATCH = 64
MAX_REPORTED = 50


@dataclass
class VerifyResult:
    checked_images: int = 0
    checked_labels: int = 0
    total_labels: int = 0
    deep: bool = False
    problems: list[dict[str, str]] = field(default_factory=list)
    problem_count: int = 0
    _seen: set[str] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, file: str, error: str) -> None:
        if file in self._seen:  # a name in both aug and trainaug is one problem, not two
            return
        self._seen.add(file)
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED:
            self.problems.append({"file": file, "error": error})


def _names(folder: Path, suffix: str) -> set[str]:
    if not folder.is_dir():
        return set()
    with os.scandir(folder) as entries:
        return {e.name[: -len(suffix)] for e in entries if e.name.endswith(suffix)}


def check_labels(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, image) paths -> (label file, problem) for each bad one. Runs in pool workers."""
    import numpy as np
    from PIL import Image

    allowed = np.zeros(256, dtype=bool)
    allowed[:21] = allowed[255] = True
    bad = []
    for label_path, image_path in pairs:
        name = "/".join(Path(label_path).parts[-2:])
        try:
            with Image.open(label_path) as label, Image.open(image_path) as image:
                if label.mode not in ("L", "P"):
                    bad.append((name, f"mode {label.mode}, expected one channel (L or P)"))
                    continue
                if label.size != image.size:
                    bad.append((name, f"size {label.size} differs from its image {image.size}"))
                    continue
                values = np.unique(np.asarray(label))
                if not allowed[values].all():
                    odd = [int(v) for v in values if not allowed[v]][:5]
                    bad.append((name, f"values {odd} outside 0..20 and 255"))
        except Exception as exc:
            bad.append((name, f"unreadable: {exc}"))
    return bad


def _spread(items: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def verify(voc_root: Path, splits: Splits, *, deep: bool = False, jobs: int | None = None,
           emit: EventFn = ignore, cancel: CancelToken | None = None) -> VerifyResult:
    cancel = cancel or CancelToken()
    result = VerifyResult(deep=deep)
    images = _names(voc_root / "JPEGImages", ".jpg")
    voc_labels = _names(voc_root / "SegmentationClass", ".png")
    aug_labels = _names(voc_root / "SegmentationClassAug", ".png")
    have = {"SegmentationClass": voc_labels, "SegmentationClassAug": aug_labels}
    to_check: dict[str, tuple[str, str]] = {}
    for listed, folders in ((splits.train + splits.val, ("SegmentationClass",)),
                            (splits.aug, ("SegmentationClassAug",)),
                            (splits.trainaug, ("SegmentationClassAug", "SegmentationClass"))):
        for name in listed:
            if name not in images:
                result.add(f"JPEGImages/{name}.jpg", "listed but missing")
            found = next((f for f in folders if name in have[f]), None)
            if found is None:
                result.add(f"{folders[0]}/{name}.png", "listed but missing")
            elif name in images:
                label = f"{found}/{name}.png"
                to_check[label] = (str(voc_root / label), str(voc_root / "JPEGImages" / f"{name}.jpg"))
    result.checked_images = len(set(splits.trainaug) | set(splits.val))
    pairs = sorted(to_check.values())
    result.total_labels = len(pairs)
    pairs = pairs if deep else _spread(pairs, SAMPLE)
    meter = RateMeter("verify", len(pairs), "labels", emit)
    for batch, bad in run_batches(check_labels, pairs, jobs=jobs, batch=BATCH, cancel=cancel):
        for name, problem in bad:
            result.add(name, problem)
        meter.update(meter.done + len(batch))
    meter.update(meter.done, force=True)
    result.checked_labels = len(pairs)
    return result
