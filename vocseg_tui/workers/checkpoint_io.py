"""Load mmengine checkpoints on torch >= 2.6 without turning pickle safety off.

torch 2.6 made `weights_only=True` the default of `torch.load`, and mmengine 0.10.7's
checkpoints hold more than tensors: the message hub's `HistoryBuffer`s, numpy arrays and
scalars (and `bytes` for an empty buffer), and `builtins.getattr(HistoryBuffer, 'min')` for
the buffers' statistics methods.
So `--resume` and `image_demo.py` crash with "Unsupported global". The usual workaround,
`weights_only=False` (or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`), lets any checkpoint run any
code. Instead we allow exactly those types, and `getattr` only in the one shape mmengine
writes: a public statistics method of `HistoryBuffer`. Everything else is still refused.

Used by tools/train.py (resume, load_from), evaluation and the demo worker.
"""

from __future__ import annotations

import os
from typing import Any


def _restricted_getattr(owner: Any, name: str) -> Any:
    """`getattr`, but only `HistoryBuffer.<statistics method>` as mmengine pickles it."""
    from mmengine.logging.history_buffer import HistoryBuffer

    known = {"min", "max", "mean", "current", *HistoryBuffer._statistics_methods}
    if isinstance(owner, type) and issubclass(owner, HistoryBuffer) and name in known:
        return getattr(owner, name)
    raise RuntimeError(f"checkpoint asks for getattr({owner!r}, {name!r}), which is not allowed")


def allowlist() -> list[Any]:
    """The globals an mmengine checkpoint may reference, and nothing else."""
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer

    core = getattr(np, "_core", None) or np.core  # numpy 2 renamed numpy.core
    multiarray = core.multiarray
    module = multiarray.__name__
    dtype_classes = [type(np.dtype(code)) for code in "?bBhHiIlLqQefdgFDGUSV"]
    return [
        HistoryBuffer,
        (multiarray.scalar, f"{module}.scalar"),
        (multiarray._reconstruct, f"{module}._reconstruct"),
        bytes,  # empty numpy buffers pickle their data as builtins.bytes
        np.ndarray,
        np.dtype,
        *dtype_classes,
        (_restricted_getattr, "builtins.getattr"),
    ]


def install_allowlist() -> None:
    """Make this process's `torch.load` (mmengine's too) accept mmengine checkpoints."""
    import torch.serialization

    if hasattr(torch.serialization, "add_safe_globals"):
        torch.serialization.add_safe_globals(allowlist())


def load_checkpoint(path: str | os.PathLike[str], map_location: str = "cpu") -> Any:
    """Load a checkpoint with `weights_only=True` and the allow-list above."""
    import torch

    install_allowlist()
    return torch.load(os.fspath(path), map_location=map_location, weights_only=True)
