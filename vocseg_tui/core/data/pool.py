"""Run batches of file work on all cores, with progress and cancel between batches.

Workers come from a fork server, not a plain fork: forking a process that runs UI threads can
deadlock, while the fork server is a clean single-threaded process that imports the label code
once (`PRELOAD`) and then forks each worker in milliseconds, instead of every spawned worker
importing numpy and scipy again. A small job runs in-process, where any pool costs more than the
work itself.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

from vocseg_tui.core.data.progress import CancelToken

T = TypeVar("T")
R = TypeVar("R")
IN_PROCESS_BELOW = 96
PRELOAD = ["vocseg_tui.core.data.labels", "vocseg_tui.core.data.verify", "PIL.PngImagePlugin"]


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_batches(func: Callable[[list[T]], R], items: list[T], *, jobs: int | None, batch: int,
                cancel: CancelToken, nice: int = 0, help_in_process: bool = False,
                ) -> Iterator[tuple[list[T], R]]:
    """Yield (batch, func(batch)) as batches finish, in any order.

    `nice` lowers the workers' priority: work that overlaps a download should only use CPU the
    download and extraction leave idle (and a shared server's other users deserve it too).
    `help_in_process`: this process converts batches too while it waits, so no core idles while
    the pool starts (a headless run has nothing else to do; a UI process must not).
    """
    batches = [items[i:i + batch] for i in range(0, len(items), batch)]
    jobs = max(1, jobs or default_jobs())
    if jobs == 1 or len(items) < IN_PROCESS_BELOW:
        for part in batches:
            cancel.check()
            yield part, func(part)
        return
    queue = iter(batches)
    with ProcessPoolExecutor(max_workers=min(jobs, len(batches)), mp_context=_context(),
                             initializer=os.nice, initargs=(nice,)) as pool:
        pending: dict[Future[R], list[T]] = {}

        def top_up() -> bool:
            """Keep two batches per worker in flight; False once every batch is handed out."""
            while len(pending) < 2 * jobs:
                part = next(queue, None)
                if part is None:
                    return False
                pending[pool.submit(func, part)] = part
            return True

        try:
            more = top_up()
            while pending or more:
                finished, _ = wait(pending, timeout=0 if help_in_process and more else 0.2,
                                   return_when=FIRST_COMPLETED)
                cancel.check()
                for future in finished:
                    yield pending.pop(future), future.result()
                more = top_up()
                if help_in_process and more and (own := next(queue, None)) is not None:
                    yield own, func(own)
        finally:
            for future in pending:
                future.cancel()
