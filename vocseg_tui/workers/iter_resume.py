"""Iteration-based runs resume at the sampler level: O(1) in the iteration resumed at.

mmengine 0.10.7's IterBasedTrainLoop resumes at iteration k by calling `next()` on the
dataloader k times: every skipped batch is loaded and augmented (minutes at 30k iterations of
VOC's pipeline; upstream fixes are unmerged). Here, without forking mmengine:

- `ResumableInfiniteSampler` is mmengine's InfiniteSampler (same seed, same permutations, same
  rank slicing, so a run that never resumes sees exactly what stock mmengine gives it) that can
  be told to start at position p of its rank's stream: whole permutations before p are drawn
  (a randperm each, milliseconds) but no sample is loaded;
- `ResumableIterBasedTrainLoop`, on resume, moves the sampler to k x batch size with the
  checkpoint's seed (stock mmengine restores the seed only after the sampler was built with the
  new run's one), rebuilds the dataloader iterator (workers had prefetched from position 0), and
  trains on; with a sampler it cannot move it falls back to mmengine's skipping, and says so;
- `install(cfg)` rewrites a config's stock `IterBasedTrainLoop` / `InfiniteSampler` into these
  (an unchanged zoo config included) and returns the log lines that say so.

Imported by tools/train.py only (this module imports torch and mmengine).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator, Sized
from typing import Any

import torch
from mmengine.dataset import InfiniteSampler
from mmengine.logging import print_log
from mmengine.registry import DATA_SAMPLERS, LOOPS
from mmengine.runner.loops import IterBasedTrainLoop, _InfiniteDataloaderIterator

SAMPLER = "ResumableInfiniteSampler"
LOOP = "ResumableIterBasedTrainLoop"
_STOCK_SAMPLERS = ("InfiniteSampler", "mmengine.InfiniteSampler")
_STOCK_LOOPS = ("IterBasedTrainLoop", "mmengine.IterBasedTrainLoop")


@DATA_SAMPLERS.register_module(name=SAMPLER, force=True)
class ResumableInfiniteSampler(InfiniteSampler):  # type: ignore[misc]
    """InfiniteSampler whose stream can start at a position of the same permutations."""

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: int | None = None) -> None:
        self.start = 0
        super().__init__(dataset, shuffle=shuffle, seed=seed)

    def resume_at(self, position: int, seed: int | None = None) -> None:
        """Make the next `iter()` yield this rank's stream from `position` (samples of this rank)."""
        if seed is not None:
            self.seed = seed
        self.start = position
        self.indices = self._indices_of_rank()

    def _indices_of_rank(self) -> Iterator[int]:
        first = self.start * self.world_size + self.rank  # in the stream of all ranks
        passes, offset = divmod(first, self.size)
        generator = torch.Generator()
        generator.manual_seed(self.seed)

        def stream() -> Iterator[int]:
            for _ in range(passes):  # keep the generator where an uninterrupted run has it
                if self.shuffle:
                    torch.randperm(self.size, generator=generator)
            while True:
                if self.shuffle:
                    yield from torch.randperm(self.size, generator=generator).tolist()
                else:
                    yield from range(self.size)

        return itertools.islice(stream(), offset, None, self.world_size)


@LOOPS.register_module(name=LOOP, force=True)
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):  # type: ignore[misc]
    """IterBasedTrainLoop that resumes by moving its sampler, not by loading skipped batches."""

    def run(self) -> Any:
        """mmengine's IterBasedTrainLoop.run, with the resume skip replaced by `_skip_trained`."""
        self.runner.call_hook("before_train")
        self.runner.call_hook("before_train_epoch")  # the whole run is one big epoch
        if self._iter > 0:
            self._skip_trained()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)  # type: ignore[has-type]
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None and self._iter >= self.val_begin
                    and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)):
                self.runner.val_loop.run()
        self.runner.call_hook("after_train_epoch")
        self.runner.call_hook("after_train")
        return self.runner.model

    def _skip_trained(self) -> None:
        sampler = getattr(self.dataloader, "sampler", None)
        batch_size = getattr(self.dataloader, "batch_size", None)
        if not isinstance(sampler, ResumableInfiniteSampler) or batch_size is None:
            print_log(f"resume: the sampler {type(sampler).__name__} cannot start at an iteration; "
                      f"loading the {self._iter} batches already trained to skip them",
                      logger="current", level=logging.WARNING)
            for _ in range(self._iter):
                next(self.dataloader_iterator)  # type: ignore[has-type]
            return
        sampler.resume_at(self._iter * batch_size, seed=self._checkpoint_seed())
        # Loader workers prefetched from position 0 when the loop was built: start over.
        self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)
        print_log(f"resume: the sampler starts at iteration {self._iter} "
                  f"(sample {self._iter * batch_size} of this rank); no trained batch is loaded again",
                  logger="current", level=logging.INFO)

    def _checkpoint_seed(self) -> int | None:
        """The seed the interrupted run's sampler had: mmengine builds the sampler with the runner's
        seed (unless `diff_rank_seed`, or the config names the sampler's own seed: then it is kept),
        and `Runner.resume` restores that seed only afterwards."""
        sampler_cfg = (self.runner.cfg.get("train_dataloader") or {}).get("sampler") or {}
        if self.runner._randomness_cfg.get("diff_rank_seed", False) or sampler_cfg.get("seed") is not None:
            return None
        seed = self.runner.seed
        return int(seed) if seed is not None else None


def install(cfg: Any) -> list[str]:
    """Point a config's stock iteration-based loop and infinite sampler at the resumable ones.

    Returns what was changed, for the log; nothing for epoch-based or custom loops and samplers."""
    train_cfg = cfg.get("train_cfg") or {}
    loop_type = train_cfg.get("type")
    iteration_based = loop_type in _STOCK_LOOPS or (loop_type is None and train_cfg.get("by_epoch") is False)
    if not iteration_based:
        return []
    messages = []
    train_cfg.pop("by_epoch", None)
    train_cfg["type"] = LOOP
    messages.append(f"iteration-based run: train_cfg.type {loop_type or 'IterBasedTrainLoop'} -> {LOOP} "
                    "(resumes at the sampler level, no trained batch loaded again)")
    sampler = (cfg.get("train_dataloader") or {}).get("sampler") or {}
    if isinstance(sampler, dict) and sampler.get("type") in _STOCK_SAMPLERS:
        messages.append(f"iteration-based run: train_dataloader.sampler.type {sampler['type']} -> {SAMPLER}")
        sampler["type"] = SAMPLER
    else:
        kind = sampler.get("type") if isinstance(sampler, dict) else type(sampler).__name__
        messages.append(f"iteration-based run: sampler {kind} kept; a resume loads the trained batches")
    return messages
