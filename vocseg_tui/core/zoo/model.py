"""One VOC-aug entry of mmseg's model zoo, as its metafile publishes it."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

CROP_RE = re.compile(r"-(\d+)x(\d+)$")
SCHEDULE_RE = re.compile(r"_(\d+)xb(\d+)-(\d+)k_")


@dataclass(frozen=True)
class ZooModel:
    """A published VOC-aug config: what it is, how it was trained, what it reached."""

    name: str
    family: str
    """The config folder in mmseg (`mmseg::<family>/<file>.py`), e.g. deeplabv3plus, hrnet."""
    collection: str
    """The metafile's "In Collection" (the method), e.g. DeepLabV3+, FCN for fcn_hr18s."""
    backbone: str
    crop: tuple[int, int]
    gpus: int
    batch_per_gpu: int
    batch: int
    """Total official batch (gpus x batch_per_gpu)."""
    iters: int
    miou: float | None
    miou_ms_flip: float | None
    memory_gb: float | None
    """Published training memory per GPU (mmseg logs torch.cuda.max_memory_allocated)."""
    weights: str | None
    config: str
    """The config's path inside mmseg's configs, e.g. deeplabv3plus/deeplabv3plus_r50-....py."""

    @property
    def mmseg_config(self) -> str:
        """The package-scoped name mmengine resolves: `mmseg::family/file.py`."""
        return f"mmseg::{self.config}"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["crop"] = list(self.crop)
        d["mmseg_config"] = self.mmseg_config
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ZooModel:
        d = {k: v for k, v in d.items() if k != "mmseg_config"}
        d["crop"] = tuple(d["crop"])
        return cls(**d)


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def from_metafile_entry(entry: dict[str, Any]) -> ZooModel | None:
    """The entry as a ZooModel, or None when it is not a VOC-aug result or lacks its schedule."""
    results = entry.get("Results") or {}
    if isinstance(results, list):
        results = next((r for r in results if isinstance(r, dict)), {})
    if "VOC 2012 + Aug" not in str(results.get("Dataset", "")):
        return None
    name = str(entry.get("Name", ""))
    config = str(entry.get("Config", "")).removeprefix("configs/")
    crop, schedule = CROP_RE.search(name), SCHEDULE_RE.search(name)
    if not config or crop is None or schedule is None:
        return None
    meta = entry.get("Metadata") or {}
    metrics = results.get("Metrics") or {}
    arch = [str(a) for a in meta.get("Architecture") or []]
    gpus, per_gpu = int(schedule.group(1)), int(schedule.group(2))
    family = config.split("/", 1)[0]
    return ZooModel(
        name=name, family=family, collection=str(entry.get("In Collection", family)),
        backbone=arch[0] if arch else "", crop=(int(crop.group(1)), int(crop.group(2))),
        gpus=gpus, batch_per_gpu=per_gpu, batch=int(meta.get("Batch Size") or gpus * per_gpu),
        iters=int(schedule.group(3)) * 1000, miou=_float(metrics.get("mIoU")),
        miou_ms_flip=_float(metrics.get("mIoU(ms+flip)")), memory_gb=_float(meta.get("Memory (GB)")),
        weights=str(entry["Weights"]) if entry.get("Weights") else None, config=config,
    )
