"""Run the memory estimator (workers/fit_estimate.py) in a child process, calibrate its
answer, and cache it by config hash in the state dir.

CALIBRATION: the fake-tensor count is what the model's tensors need; the published figure is
`torch.cuda.max_memory_allocated` on a V100, which also holds cuDNN's workspaces, DDP's
gradient buckets and the caching allocator's rounding. One global factor for all models,
fitted once on the published VOC-aug figures (bench/fit.py prints the fit), covers those;
there is no per-model or per-family constant.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.child_answer import json_answer, last_words
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import ensure_private_dir, write_text_atomic
from vocseg_tui.core.project import state_dir

CALIBRATION = 1.115
"""Published peak / fake-tensor peak, one number for every model (see the module docstring):
the median of that ratio over the 30 VOC-aug configs of mmseg 1.2.2 the estimator traces
(bench/fit.py). The fake count is 5-19 % below every published figure but UPerNet's (29-32 %),
as expected of what it leaves out (cuDNN workspaces, DDP buckets, allocator rounding)."""
ESTIMATOR_VERSION = 3
"""Bumped when the worker's counting changes, so cached answers of the old one are not reused."""
GIB = 1024**3
WORKER = "vocseg_tui.workers.fit_estimate"
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])


class FitUnknown(VocsegError):
    """The estimator could not trace the config: the estimate is unknown (it blocks nothing)."""

    def __init__(self, message: str, hint: str = "", op: str = "") -> None:
        super().__init__(message, hint)
        self.op = op


@dataclass(frozen=True)
class FitEstimate:
    """Peak training memory of one process (one GPU) at `batch_per_gpu` images of `crop`."""

    batch_per_gpu: int
    crop: tuple[int, int]
    peak_gib: float
    """Calibrated: what torch.cuda.max_memory_allocated is expected to report."""
    params_gib: float
    """Parameters and buffers."""
    activations_gib: float
    """Saved activations and temporaries at the peak (the part that grows with batch and crop)."""
    optimizer_gib: float
    raw_peak_gib: float
    """The fake-tensor count before calibration."""
    amp: bool = False
    """Traced under autocast (`--amp` or an AmpOptimWrapper config)."""
    activation_dtype: str = "float32"
    """float32, or the autocast dtype AMP was traced with (float16; bfloat16 has the same size)."""
    norm: str = "BN"
    """The config's norm layers: "SyncBN" or "BN" (traced as BN either way)."""
    syncbn_extra_gib: float = 0.0
    """What SyncBN holds beyond BN per process (gathered statistics): stated, not added."""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["crop"] = list(self.crop)
        return d

    def fits(self, free_bytes: int) -> bool:
        return self.peak_gib * GIB <= free_bytes

    def largest_batch(self, free_bytes: int) -> int:
        """The largest batch per GPU that fits in `free_bytes` (0: not even one image), taking
        activations as proportional to the batch and parameters and optimizer state as fixed."""
        per_image = self.activations_gib / self.batch_per_gpu
        fixed = self.raw_peak_gib - self.activations_gib
        if per_image <= 0:
            return self.batch_per_gpu if self.fits(free_bytes) else 0
        return max(0, int((free_bytes / GIB / CALIBRATION - fixed) // per_image))


def _mmseg_version() -> str:
    try:
        return importlib.metadata.version("mmsegmentation")
    except importlib.metadata.PackageNotFoundError:
        return "?"


def config_hash(config: Path | bytes, batch: int | None, crop: tuple[int, int] | None,
                amp: bool = False) -> str:
    """The cache key: the config's bytes (the file's own: a local `_base_` it inherits is not
    part of it; its norm_cfg, BN or SyncBN, and its optim_wrapper are in them), the batch, crop
    and AMP asked for, and the stack's versions (a config inheriting `mmseg::` bases changes
    with the installed mmseg)."""
    digest = hashlib.sha256(config if isinstance(config, bytes) else config.read_bytes())
    key: list[object] = [batch, crop, _mmseg_version(), ESTIMATOR_VERSION]
    if amp:  # the key of a non-AMP estimate is unchanged by the flag's existence
        key.append("amp")
    digest.update(json.dumps(key).encode())
    return digest.hexdigest()[:32]


def _from_answer(answer: dict[str, Any]) -> FitEstimate:
    raw = answer["peak_bytes"] / GIB
    return FitEstimate(
        batch_per_gpu=int(answer["batch_per_gpu"]), crop=(int(answer["crop"][0]), int(answer["crop"][1])),
        peak_gib=round(raw * CALIBRATION, 3), params_gib=round(answer["params_bytes"] / GIB, 3),
        activations_gib=round(answer["activations_bytes"] / GIB, 3),
        optimizer_gib=round(answer["optimizer_bytes"] / GIB, 3), raw_peak_gib=round(raw, 3),
        amp=bool(answer.get("amp", False)), activation_dtype=str(answer.get("activation_dtype", "float32")),
        norm=str(answer.get("norm", "BN")),
        syncbn_extra_gib=round(int(answer.get("syncbn_extra_bytes", 0)) / GIB, 6),
    )


def run_estimator(config: Path, batch: int | None = None, crop: tuple[int, int] | None = None, *,
                  amp: bool = False, cwd: Path | None = None, timeout: float = 600.0) -> dict[str, Any]:
    """The worker's raw JSON answer for `config` (no cache, no calibration)."""
    command = [sys.executable, "-W", "ignore", "-m", WORKER, str(config)]
    if batch is not None:
        command += ["--batch", str(batch)]
    if crop is not None:
        command += ["--crop", str(crop[0]), str(crop[1])]
    if amp:
        command.append("--amp")
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "",
           "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_PARENT, os.environ.get("PYTHONPATH", "")) if p)}
    try:
        done = subprocess.run(command, cwd=cwd or config.parent, capture_output=True, text=True,
                              timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired as exc:
        raise FitUnknown(f"the memory estimate of {config.name} took more than {timeout:.0f} s",
                         "the estimate is unknown; it does not block a launch") from exc
    answer = json_answer(done)
    if answer is None:
        raise FitUnknown(f"the memory estimator failed: {last_words(done)}",
                         "run `vocseg-tui doctor` to check the training stack")
    return answer


def cached_estimate(config: Path | bytes, batch: int | None = None,
                    crop: tuple[int, int] | None = None, amp: bool = False) -> FitEstimate | None:
    """The estimate already computed for this config (by `vocseg-tui fit` or the Recipe area),
    or None: a launch consults it without waiting for a child process. `config` may be the
    text of a config not saved yet (as bytes), as the Recipe area renders it."""
    try:
        cached = state_dir() / "fit-cache" / f"{config_hash(config, batch, crop, amp)}.json"
        answer = json.loads(cached.read_text(encoding="utf-8"))
        return _from_answer(answer) if isinstance(answer, dict) and answer.get("ok") else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def estimate_fit(config: Path, batch: int | None = None, crop: tuple[int, int] | None = None, *,
                 amp: bool = False, cwd: Path | None = None, use_cache: bool = True) -> FitEstimate:
    """Peak memory per GPU of training `config` at `batch` images per GPU (default: the
    config's own); raises FitUnknown naming the op the estimator could not trace."""
    if not config.is_file():
        raise VocsegError(f"config {config} does not exist", "check the path")
    cache_dir = ensure_private_dir(state_dir() / "fit-cache")
    cached = cache_dir / f"{config_hash(config, batch, crop, amp)}.json"
    answer: Any = None
    if use_cache and cached.is_file():
        try:
            answer = json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            answer = None
    if not isinstance(answer, dict):
        answer = run_estimator(config, batch, crop, amp=amp, cwd=cwd)
        if answer.get("ok"):
            write_text_atomic(cached, json.dumps(answer))
    if not answer.get("ok"):
        op = str(answer.get("op") or "?")
        raise FitUnknown(f"memory estimate unknown: the estimator cannot trace {op} ({answer.get('error')})",
                         "the estimate is unknown and blocks nothing; launch and watch the first "
                         "iterations' memory", op=op)
    return _from_answer(answer)
