"""Does a run fit the GPUs it is launched on? The launch check and the GPUs screen ask here.

Only an estimate already computed is used (the cache of `vocseg-tui fit` and the Recipe
area): a launch never waits seconds for the estimator, and no estimate means no refusal
("unknown never blocks a launch")."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from vocseg_tui.core.fit.estimate import GIB, FitEstimate, cached_estimate
from vocseg_tui.core.fit.suggest import hint_text, shown, suggestions
from vocseg_tui.core.gpus import Inventory, take_inventory


def wont_fit(estimate: FitEstimate, inventory: Inventory, indices: Sequence[int]) -> list[tuple[int, float]]:
    """(index, free GiB) of each GPU in `indices` with less free memory than the estimate."""
    short = []
    for index in indices:
        gpu = inventory.by_index(index)
        if gpu is not None and gpu.ok and not estimate.fits(gpu.memory_free):
            short.append((index, gpu.memory_free / GIB))
    return short


def memory_refusal(config: Path, indices: Sequence[int], *, amp: bool = False,
                   read: Callable[[], Inventory] = take_inventory) -> tuple[str, str] | None:
    """(message, hint) when the cached estimate of `config` exceeds a chosen GPU's free memory.
    The hint lists the suggestions (core/fit/suggest.py) whose estimates are cached."""
    if not indices:
        return None
    estimate = cached_estimate(config, amp=amp) or (cached_estimate(config) if amp else None)
    if estimate is None:
        return None
    short = wont_fit(estimate, read(), indices)
    if not short:
        return None
    listed = ", ".join(f"GPU {i} has {free:.1f} GiB free" for i, free in short)
    free = int(min(free for _, free in short) * GIB)
    found = hint_text(suggestions(config, estimate, free,
                                  lambda a, crop: cached_estimate(config, None, crop, a)))
    if not found:
        batch = estimate.largest_batch(free)
        found = (f"batch {batch} per GPU would fit (write it with its LR rescaled: `vocseg-tui recipe "
                 f"{_origin(config)} --batch {batch} --write ...`)" if batch else "")
    more = (f" (`vocseg-tui fit {shown(config)}` estimates AMP and smaller crops)"
            if "AMP" not in found else "")
    return (f"{config.name} needs about {estimate.peak_gib:.1f} GiB per GPU at {estimate.batch_per_gpu} "
            f"image(s) per GPU; {listed}",
            "choose GPUs with more free memory (`vocseg-tui gpus`), "
            + (f"{found}{more}, " if found else f"{more.strip()}, ")
            + "or launch anyway with --force")


QUEUE_MARGIN = 1.10
"""A queued launch waits for the estimate plus 10 %: the estimate's median error is 3 %, its
worst 24 % (bench/fit.py), and the other users' memory may grow while the run starts."""


def queue_min_free_gib(config: Path) -> float:
    """What `--queue` waits for without `--min-free-gib`: the cached estimate plus the margin,
    or 0 (the queue's old default) when there is no estimate."""
    estimate = cached_estimate(config) if config.is_file() else None
    return round(estimate.peak_gib * QUEUE_MARGIN, 3) if estimate else 0.0


def _origin(config: Path) -> str:
    """How `recipe` starts from this config again: `--from-zoo NAME` for a zoo config."""
    try:
        found = re.search(r"vocseg_zoo = \{'name': '([^']+)'", config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        found = None
    return f"--from-zoo {found.group(1)}" if found else f"--from {shown(config)}"


def current_need(configs: Sequence[Path]) -> tuple[Path, FitEstimate] | None:
    """The newest of `configs` (by modification time) that has an estimate, and that estimate:
    what the GPUs screen marks "won't fit" against. Only cached estimates are read."""
    def mtime(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    for path in sorted(configs, key=mtime, reverse=True):
        estimate = _cached(path, mtime(path))
        if estimate is not None:
            return path, estimate
    return None


@functools.lru_cache(maxsize=64)
def _cached(path: Path, mtime: float) -> FitEstimate | None:
    """Per (path, mtime): a screen refreshing every second hashes each config once."""
    return cached_estimate(path) if mtime else None
