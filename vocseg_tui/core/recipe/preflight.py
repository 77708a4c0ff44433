"""The launch check: what this machine and this launch need that the config alone cannot say.

The validator (validate.py) judges a config wherever it will run; the Recipe area saves what it
passes. A launch fails in its first minute for reasons outside the config text: the dataset
files it names are not here, the pretrained weights need a download this machine cannot make,
or a CUDA-only feature (AMP, SyncBN across processes) meets a CPU launch. `launch_findings`
finds those before anything is registered; `vocseg-tui check` and every launch run it, and the
diagnosis (core/logs/diagnose.py) names the same causes when they happen anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from vocseg_tui.core.recipe.validate import (
    SEVERITIES,
    Context,
    Finding,
    norm_types,
    pretrained_weights,
    validate,
)
from vocseg_tui.core.recipe.weights import reachable, weights_status

DATALOADERS = ("train_dataloader", "val_dataloader")
"""What a training run builds (the test loader only matters to `tools/test.py`)."""
MAX_LISTED = 4
CUDA_ONLY_OPS = {"CARAFEPack": "CARAFE upsampling", "CARAFE": "CARAFE upsampling"}
"""mmcv ops with a CUDA kernel only (mmcv 2.1's csrc/pytorch/cpu has no CARAFE)."""


def _datasets(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every leaf dataset dict, through ConcatDataset / RepeatDataset / ClassBalancedDataset."""
    if not isinstance(node, Mapping):
        return
    inner = node.get("datasets")
    if isinstance(inner, list):
        for item in inner:
            yield from _datasets(item)
    elif isinstance(node.get("dataset"), Mapping):
        yield from _datasets(node["dataset"])
    else:
        yield node


def _under(base: Path, root: str, path: str) -> Path:
    """`path` as mmengine's BaseDataset joins it: to data_root unless absolute, then the cwd."""
    joined = Path(path) if Path(path).is_absolute() or not root else Path(root) / path
    return joined if joined.is_absolute() else base / joined


def missing_dataset_files(cfg: Mapping[str, Any], base: Path) -> list[tuple[str, str]]:
    """(path, dataloader) for each data_root, ann_file or image / label folder the config names
    that does not exist; relative paths are taken from `base` (the folder training runs in)."""
    missing: list[tuple[str, str]] = []
    for loader in DATALOADERS:
        node = cfg.get(loader)
        for dataset in _datasets(node.get("dataset") if isinstance(node, Mapping) else None):
            root = str(dataset.get("data_root") or "")
            wanted: list[tuple[Path, bool]] = [(_under(base, "", root), True)] if root else []
            if isinstance(dataset.get("ann_file"), str) and dataset["ann_file"]:
                wanted.append((_under(base, root, dataset["ann_file"]), False))
            prefix = dataset.get("data_prefix")
            folders = prefix.values() if isinstance(prefix, Mapping) else []
            wanted += [(_under(base, root, v), True) for v in folders if isinstance(v, str) and v]
            for full, is_dir in wanted:
                if full.is_dir() if is_dir else full.is_file():
                    continue
                shown = str(full.relative_to(base)) if full.is_relative_to(base) else str(full)
                if (shown, loader) not in missing:
                    missing.append((shown, loader))
    return missing


def _dataset(cfg: Mapping[str, Any], base: Path) -> Iterator[Finding]:
    missing = missing_dataset_files(cfg, base)
    if not missing:
        return
    listed = ", ".join(f"{path} ({loader})" for path, loader in missing[:MAX_LISTED])
    more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
    yield Finding("dataset-missing", "error", f"dataset files the config names do not exist: {listed}{more}",
                  f"paths are read from {base} (where training runs); mmseg stops while building "
                  "the dataset (AssertionError: Failed to load `ann_file`, FileNotFoundError)",
                  "prepare the data: `vocseg-tui prepare` (or the Data area, key 1), or fix data_root / "
                  "ann_file in the config", "train_dataloader.dataset")


def _weights_offline(ctx: Context, can_reach: Callable[[str], bool]) -> Iterator[Finding]:
    weights, key = pretrained_weights(ctx)
    status = weights_status(weights, ctx.base)
    if status.kind != "download" or status.url is None or can_reach(status.url):
        return
    yield Finding("weights-offline", "error",
                  f"pretrained weights {weights} need a download this machine cannot make",
                  f"{status.message}, but {status.url.split('/')[2]} cannot be reached from here: the "
                  "run would fail with URLError while building the model",
                  f"download {status.url} where there is internet and copy it to {status.path} (this "
                  f"check then passes), or set {key} to a local .pth file", key)


def _cuda_only(ctx: Context, amp: bool) -> Iterator[Finding]:
    wrapper = ctx.get("optim_wrapper.type")
    if amp or wrapper == "AmpOptimWrapper":
        yield Finding("amp-cpu", "error", "AMP (mixed precision) on a CPU launch",
                      "mmengine's AmpOptimWrapper runs on GPUs only: the run stops at once with "
                      "`AmpOptimizerWrapper is only available training on gpu`",
                      "launch without --amp, optim_wrapper = dict(type='OptimWrapper'), or on GPUs",
                      "optim_wrapper.type")
    norms = norm_types(ctx.get("model", {}))
    if ctx.processes and ctx.processes > 1 and norms & {"SyncBN", "MMSyncBN"}:
        yield Finding("syncbn-cpu", "error", f"SyncBN with {ctx.processes} CPU processes",
                      "SyncBatchNorm runs on CUDA only: a multi-process CPU run fails at the first "
                      "step (SyncBatchNorm expected input tensor to be on GPU)",
                      "norm_cfg = dict(type='BN', requires_grad=True), or train on GPUs",
                      "model.backbone.norm_cfg")
    ops = sorted({name for t, name in CUDA_ONLY_OPS.items() if f"'{t}'" in repr(ctx.get("model", {}))})
    for name in ops:
        yield Finding("cuda-op-cpu", "error", f"{name} on a CPU launch",
                      f"mmcv implements {name} for CUDA only", "train on GPUs, or use another head",
                      "model")


def launch_findings(cfg: Mapping[str, Any], *, base: Path, processes: int | None, cpu: bool | None,
                    amp: bool = False, can_reach: Callable[[str], bool] = reachable) -> list[Finding]:
    """What fails in a launch's first minute on this machine: missing dataset files, a weights
    download that cannot happen, CUDA-only features on CPU (`cpu` None: the device is unknown,
    so that part is skipped). Errors first."""
    ctx = Context(cfg, processes, base)
    findings = [*_dataset(cfg, base), *_weights_offline(ctx, can_reach)]
    if cpu:
        findings += list(_cuda_only(ctx, amp))
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def launch_check(cfg: Mapping[str, Any], *, base: Path, processes: int | None, cpu: bool | None,
                 amp: bool = False, source: str = "CONFIG",
                 can_reach: Callable[[str], bool] = reachable) -> list[Finding]:
    """Everything a launch is judged by: the validator's findings and this machine's, one
    finding per rule (the machine's are more specific), errors first."""
    machine = launch_findings(cfg, base=base, processes=processes, cpu=cpu, amp=amp, can_reach=can_reach)
    covered = {f.rule for f in machine} | ({"weights-download"} if any(
        f.rule == "weights-offline" for f in machine) else set())
    config = [f for f in validate(cfg, processes=processes, base=base, source=source)
              if f.rule not in covered]
    return sorted([*config, *machine], key=lambda f: SEVERITIES.index(f.severity))
