"""Deleting checkpoints to free disk, with the confirmation rules the screen and CLI follow.

Any deletion needs one confirmation. The best checkpoint (the one worth keeping) and the last
one (what a resume starts from) need a second, explicit one. Deleting the last checkpoint moves
the `last_checkpoint` marker to the newest intact step checkpoint left (or removes it), so a
later `--resume` never points at a missing file.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from vocseg_tui.core.checkpoints.discovery import scan_run
from vocseg_tui.core.checkpoints.errors import CheckpointError, ConfirmationRequired
from vocseg_tui.core.checkpoints.model import Checkpoint
from vocseg_tui.core.fsutil import write_text_atomic


def confirmations_needed(ckpt: Checkpoint) -> int:
    """1 for an ordinary checkpoint, 2 for the best or the last."""
    return 2 if ckpt.best or ckpt.last else 1


def confirmation_prompts(ckpt: Checkpoint) -> list[str]:
    """What to ask, in order: one question per confirmation needed."""
    prompts = [f"Delete {ckpt.name} ({ckpt.size / 2**20:.1f} MiB) from {ckpt.run}?"]
    if ckpt.best and ckpt.last:
        prompts.append(f"{ckpt.name} is the BEST and the LAST checkpoint of {ckpt.run}. Really delete it?")
    elif ckpt.best:
        prompts.append(f"{ckpt.name} is the BEST checkpoint of {ckpt.run}. Really delete it?")
    elif ckpt.last:
        prompts.append(f"{ckpt.name} is the LAST checkpoint of {ckpt.run}: resume starts from it. "
                       "Really delete it?")
    return prompts


def delete_checkpoint(ckpt: Checkpoint, *, confirmations: int) -> Path | None:
    """Delete the file after `confirmations` yes-answers; return the new last checkpoint, if any.

    Raises ConfirmationRequired (nothing deleted) when fewer confirmations were given than
    `confirmations_needed` asks for.
    """
    needed = confirmations_needed(ckpt)
    if confirmations < needed:
        raise ConfirmationRequired(
            f"{ckpt.name} is the {'best' if ckpt.best else 'last'} checkpoint of {ckpt.run}",
            "confirm twice to delete it (`--yes --yes` on the command line)")
    try:
        ckpt.path.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        raise CheckpointError(f"cannot delete {ckpt.path}: {error.strerror}",
                              "check the file's permissions") from None
    return _repoint_last_marker(ckpt) if ckpt.last else None


def _repoint_last_marker(deleted: Checkpoint) -> Path | None:
    work_dir = deleted.path.parent
    marker = work_dir / "last_checkpoint"
    remaining = [c for c in scan_run(work_dir).checkpoints if c.ok and c.kind in ("epoch", "iter")]
    if not remaining:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()
        return None
    newest = remaining[0].path  # scan_run lists the newest step first
    write_text_atomic(marker, str(newest.resolve()))
    return newest
