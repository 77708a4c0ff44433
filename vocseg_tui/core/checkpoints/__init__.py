"""Checkpoints: discovery of runs, integrity, deletion rules (the mIoU of each checkpoint is
read from scalars.json by `core.logs.scalars.validation_miou`).

Used by the Checkpoints screen, `vocseg-tui ckpts`, the demo and resume (which never pick a
checkpoint that fails the integrity check).
"""

from vocseg_tui.core.checkpoints.delete import confirmation_prompts, confirmations_needed, delete_checkpoint
from vocseg_tui.core.checkpoints.discovery import (
    RunListing,
    discover_runs,
    find_checkpoint,
    find_config_dump,
    list_runs,
    pick_default,
    scan_run,
)
from vocseg_tui.core.checkpoints.errors import CheckpointError, ConfirmationRequired
from vocseg_tui.core.checkpoints.integrity import Integrity, check_integrity
from vocseg_tui.core.checkpoints.model import Checkpoint, Run

__all__ = [
    "Checkpoint", "CheckpointError", "ConfirmationRequired", "Integrity", "Run", "RunListing",
    "check_integrity",
    "confirmation_prompts", "confirmations_needed", "delete_checkpoint", "discover_runs",
    "find_checkpoint", "find_config_dump", "list_runs", "pick_default", "scan_run",
]
