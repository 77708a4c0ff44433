"""A new run length carries into the LR schedule.

`--cfg-options train_cfg.max_epochs=N` changes how long the loop runs, but mmengine leaves every
`param_scheduler` where the config put it: a PolyLR written with `end=max_epochs` (30) still
ends at epoch 30, so a 5-epoch run barely decays and a 60-epoch run sits at the minimum LR for
its second half. What users mean by "train N epochs" is the same schedule stretched to N, so
schedulers that ended where the run ended are moved to the new end. tools/train.py applies it
to the config it trains, and the config loader to the config the launch check judges, so both
see the same schedule. Schedulers ending earlier (a warm-up) are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any

MAX_EPOCHS_OPTION = "train_cfg.max_epochs"


def options_keys(cfg_options: Iterable[str] | MutableMapping[str, Any] | None) -> set[str]:
    """The keys set by `--cfg-options` (given as K=V strings or as mmengine's parsed dict)."""
    if cfg_options is None:
        return set()
    if isinstance(cfg_options, MutableMapping):
        return {str(key) for key in cfg_options}
    return {item.split("=", 1)[0] for item in cfg_options}


def _schedulers(cfg: MutableMapping[str, Any]) -> Sequence[Any]:
    schedulers = cfg.get("param_scheduler") or []
    return [schedulers] if isinstance(schedulers, MutableMapping) else list(schedulers)


def carry_max_epochs(cfg: MutableMapping[str, Any], old_epochs: Any, set_keys: set[str]) -> list[str]:
    """Move the end of each epoch-counted scheduler that ended at `old_epochs` to the config's
    (new) `train_cfg.max_epochs`, when the options set max_epochs but no scheduler themselves.
    Returns one message per change (empty when nothing changed), for the run's log."""
    train_cfg = cfg.get("train_cfg") or {}
    new_epochs = train_cfg.get("max_epochs") if isinstance(train_cfg, MutableMapping) else None
    if MAX_EPOCHS_OPTION not in set_keys or any(k.startswith("param_scheduler") for k in set_keys):
        return []  # the run length was not changed, or the schedule was set by hand too
    if not isinstance(old_epochs, int) or not isinstance(new_epochs, int) or old_epochs == new_epochs:
        return []
    messages = []
    for scheduler in _schedulers(cfg):
        if not isinstance(scheduler, MutableMapping) or not scheduler.get("by_epoch", True):
            continue
        if scheduler.get("end") == old_epochs:
            scheduler["end"] = new_epochs
            kind = scheduler.get("type", "scheduler")
            messages.append(f"{MAX_EPOCHS_OPTION}={new_epochs}: {kind} now ends at epoch {new_epochs} "
                            f"(the config's schedule ended at {old_epochs})")
    return messages
