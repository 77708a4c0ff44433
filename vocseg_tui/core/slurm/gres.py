"""GPUs in Slurm's GRES strings, parsed in one place (the GPUs panel and the launch check)."""

from __future__ import annotations

import re

# `gpu:4`, `gpu:a100:4`, `gpu:a100:4(IDX:0-3)`, `gpu:3g.20gb:2(S:0-1)`; other GRES are ignored.
_GPU = re.compile(r"(?:^|,)gpu(?::([^:,()]+))?:(\d+)(?=\(|,|$)")
_ALLOC_GPUS = re.compile(r"gres/gpu(?::[^=,]+)?=(\d+)")


def gpus_in_gres(gres: str) -> tuple[int, tuple[str, ...]]:
    """GPUs in a GRES string like `gpu:a100:4(IDX:0-3),gpu:v100:2`: how many, and their types."""
    found = _GPU.findall(gres)
    return sum(int(count) for _, count in found), tuple(dict.fromkeys(t for t, _ in found if t))


def allocated_gpus(tres: str) -> int | None:
    """GPUs in a job's allocated TRES (`...,gres/gpu=2`), None when the TRES does not say."""
    found = _ALLOC_GPUS.search(tres)
    return int(found.group(1)) if found else None
