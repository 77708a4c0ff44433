"""Peak training memory of a config per GPU, with fake tensors: no real compute, no GPU.

`python -m vocseg_tui.workers.fit_estimate CONFIG [--batch B] [--crop H W] [--amp] [--gpus G]`
prints one JSON object. The model is built and two training steps (forward, backward, optimizer step) run
under PyTorch's FakeTensorMode, where every tensor has a shape and a size but no data; the
MemTracker (torch.distributed._tools) counts live storages as they come and go. The second
step is the steady state mmseg's logged `memory` reflects: the optimizer's state exists and
gradients are freed by zero_grad between steps.

AMP (`--amp`, or a config whose optim_wrapper is AmpOptimWrapper): the forward runs under
torch.autocast as mmengine's AmpOptimWrapper runs it, so activations of the ops autocast lowers
(convolutions, matmuls) are counted at 2 bytes; weights, gradients and optimizer state stay
fp32, as in torch AMP. Fake tensors here are CPU tensors: CPU autocast in float16 (the sizes of
CUDA's fp16), or bfloat16 (the same 2 bytes) where float16 is refused; the answer says which.
The wrapper itself is traced as a plain OptimWrapper (its GradScaler needs CUDA and holds one
scalar).

SyncBN: the model is traced with plain BN (revert_sync_batchnorm; no process group here). Per
BN layer and process, SyncBN adds what torch's SyncBatchNorm allocates beyond BN: the gathered
statistics, world_size x (2C + 1) fp32 (a temporary of the layer's forward), and the counts
saved for backward, world_size int32. `syncbn_extra_bytes` is that sum (all saved counts plus
the largest temporary) at `--gpus` processes; it is kilobytes, so it is stated, not added.

Not counted: the data preprocessor (it only normalises the batch), DDP's gradient buckets,
the allocator's rounding and caching (one global calibration constant in core/fit covers
those). An op without a fake implementation (an mmcv CUDA/C++ kernel, a data-dependent
shape) makes the answer `{"ok": false, "op": ...}`: the estimate is unknown, never a guess.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from typing import Any

GIB = 1024**3


def _op_name(exc: BaseException) -> str:
    func = getattr(exc, "func", None)
    if func is not None:
        return str(func)
    text = str(exc)
    found = re.search(r"(aten\.[\w.]+|mmcv[\w.]*|_ext\.\w+|\w+_forward)", text)
    if found:
        return found.group(1)
    # The deepest frame outside torch itself: the model code that called what cannot be traced.
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if "site-packages/torch/" not in frame.filename and __file__ != frame.filename:
            where = frame.filename.rsplit("site-packages/", 1)[-1]
            return f"{frame.line or frame.name} ({where}:{frame.lineno})"
    return type(exc).__name__


def _load(config: str, crop: tuple[int, int] | None) -> tuple[Any, tuple[int, int]]:
    from mmengine.config import Config

    cfg = Config.fromfile(config)
    size = crop or tuple(cfg.get("crop_size") or (cfg.model.get("data_preprocessor") or {}).get("size")
                         or (512, 512))
    return cfg, (int(size[0]), int(size[1]))


def _no_metrics() -> None:
    """mmseg's training accuracy indexes with a boolean mask (a data-dependent shape fake tensors
    cannot have); it runs under no_grad and holds no memory for backward, so it is replaced."""
    import torch
    from mmseg.models.decode_heads import decode_head

    def accuracy(pred: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        return torch.zeros((), device=pred.device)

    decode_head.accuracy = accuracy  # type: ignore[attr-defined]


def _samples(batch: int, crop: tuple[int, int], num_classes: int, device: Any) -> list[Any]:
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    samples = []
    for _ in range(batch):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.zeros((1, *crop), dtype=torch.long, device=device))
        s.set_metainfo({"img_shape": crop, "pad_shape": crop, "ori_shape": crop})
        samples.append(s)
    return samples


def _opaque_ops(model: Any) -> list[str]:
    """mmcv ops whose kernels are C++ (its `_ext` extension): fake tensors have no data for them
    to read, so calling one would fail or hang; they are named instead of traced."""
    import inspect

    found = []
    for module in model.modules():
        kind = type(module)
        if not kind.__module__.startswith("mmcv.ops"):
            continue
        try:
            source = inspect.getsource(inspect.getmodule(kind))  # type: ignore[arg-type]
        except (OSError, TypeError):
            continue
        if "load_ext(" in source:
            found.append(f"{kind.__module__}.{kind.__name__}")
    return sorted(set(found))


class OpaqueOp(Exception):
    """The model holds an op the fake tensors cannot follow."""

    def __init__(self, op: str) -> None:
        super().__init__(f"{op} runs mmcv's C++ kernel, which fake tensors cannot trace")
        self.func = op


def _peak_tracker(base: Any) -> Any:
    """MemTracker counting the global peak only. Its per-module statistics deep-copy a snapshot
    at every module call (minutes for HRNet) and refuse a module called twice outside any
    other (DANet's and ANN's heads call their classifier conv several times): neither is
    needed, so the module hooks do nothing. Gradients then count as backward temporaries,
    which leaves the total unchanged."""

    class PeakTracker(base):  # type: ignore[misc, valid-type]
        def _pre_fw_hook(self, module: Any, inputs: Any) -> None:
            pass

        def _post_fw_hook(self, module: Any, inputs: Any, outputs: Any) -> None:
            pass

        def _pre_bw_hook(self, module: Any, args: Any) -> None:
            pass

        def _post_bw_hook(self, module: Any, args: Any) -> None:
            pass

    return PeakTracker


def _norms(model: Any) -> tuple[str, list[int]]:
    """"SyncBN" or "BN" (the config's own) and the channel count of every SyncBN layer."""
    import torch

    synced = [int(m.num_features) for m in model.modules() if isinstance(m, torch.nn.SyncBatchNorm)]
    return ("SyncBN" if synced else "BN"), synced


def syncbn_extra(channels: list[int], gpus: int) -> int:
    """Bytes SyncBN holds beyond BN at the peak of one process (see the module docstring)."""
    if not channels:
        return 0
    saved_counts = len(channels) * gpus * 4
    largest_gather = max(gpus * (2 * c + 1) * 4 for c in channels)
    return saved_counts + largest_gather


def _autocast_dtype() -> tuple[Any, str]:
    """float16 where CPU autocast takes it (CUDA's AMP dtype), else bfloat16: both 2 bytes."""
    import torch

    try:
        with torch.autocast("cpu", dtype=torch.float16):
            pass
        return torch.float16, "float16"
    except (RuntimeError, ValueError):
        return torch.bfloat16, "bfloat16"


def _is_amp(cfg: Any) -> bool:
    wrapper = cfg.get("optim_wrapper") or {}
    return str(wrapper.get("type", "")) == "AmpOptimWrapper"


def _plain_wrapper(cfg: Any) -> None:
    """AmpOptimWrapper -> OptimWrapper (its GradScaler needs CUDA); autocast is applied here."""
    wrapper = cfg.optim_wrapper
    wrapper["type"] = "OptimWrapper"
    for key in ("loss_scale", "dtype", "use_fsdp"):
        wrapper.pop(key, None)


def estimate(config: str, batch: int | None, crop: tuple[int, int] | None, *, amp: bool = False,
             gpus: int | None = None) -> dict[str, Any]:
    import torch
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.distributed._tools.mem_tracker import MemTracker

    register_all_modules()
    cfg, size = _load(config, crop)
    per_gpu = batch or int(cfg.train_dataloader.batch_size)
    amp = amp or _is_amp(cfg)
    if amp:
        _plain_wrapper(cfg)
    dtype, dtype_name = _autocast_dtype() if amp else (None, "float32")
    world = int(gpus or cfg.get("num_gpus") or 8)
    _no_metrics()
    cfg.model.pop("pretrained", None)  # no weights are read: shapes are all that matter
    if isinstance(cfg.model.get("backbone"), dict):
        cfg.model.backbone.pop("init_cfg", None)
    from torch.fx.experimental.symbolic_shapes import ShapeEnv

    # A ShapeEnv lets a value read in Python (`.item()`, e.g. mmseg's avg_non_ignore loss
    # normaliser) be a symbol instead of failing the trace.
    with FakeTensorMode(allow_non_fake_inputs=True, shape_env=ShapeEnv()):
        built = MODELS.build(cfg.model)
        norm, synced = _norms(built)
        model = revert_sync_batchnorm(built)
        del built
        opaque = _opaque_ops(model)
        if opaque:
            raise OpaqueOp(", ".join(opaque))
        model.train()
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        params = sum(p.numel() * p.element_size() for p in model.parameters())
        buffers = sum(b.numel() * b.element_size() for b in model.buffers())
        num_classes = int(getattr(model.decode_head, "num_classes", 21)) if hasattr(model, "decode_head") \
            else 21
        tracker = _peak_tracker(MemTracker)()
        tracker.track_external(model, wrapper.optimizer)
        with tracker:
            for _ in range(2):
                inputs = torch.zeros((per_gpu, 3, *size))
                with torch.autocast("cpu", dtype=dtype, enabled=amp):
                    losses = model.loss(inputs, _samples(per_gpu, size, num_classes, inputs.device))
                    loss, _ = model.parse_losses(losses)
                wrapper.update_params(loss)
                del inputs, losses, loss
        peak = tracker.get_tracker_snapshot("peak")
    totals = {getattr(k, "value", str(k)): int(v) for k, v in next(iter(peak.values()), {}).items()}
    peak_bytes = int(totals.get("Total", 0))
    opt = int(totals.get("Optstate", 0))
    grads = int(totals.get("Gradient", 0))
    return {
        "ok": True, "batch_per_gpu": per_gpu, "crop": list(size), "peak_bytes": peak_bytes,
        "params_bytes": params + buffers, "grads_bytes": grads, "optimizer_bytes": opt,
        "activations_bytes": max(0, peak_bytes - params - buffers - grads - opt),
        "breakdown": totals, "amp": amp, "activation_dtype": dtype_name, "norm": norm,
        "gpus": world, "syncbn_extra_bytes": syncbn_extra(synced, world),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config")
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--crop", type=int, nargs=2, default=None, metavar=("H", "W"))
    parser.add_argument("--amp", action="store_true", help="trace under autocast (mixed precision)")
    parser.add_argument("--gpus", type=int, default=None,
                        help="processes, for SyncBN's gathered statistics (default: num_gpus, else 8)")
    args = parser.parse_args(argv)
    try:
        result = estimate(args.config, args.batch, tuple(args.crop) if args.crop else None, amp=args.amp,
                          gpus=args.gpus)
    except Exception as exc:  # every failure becomes an answer, never a traceback
        result = {"ok": False, "op": _op_name(exc), "error": str(exc).strip().splitlines()[0][:400]
                  if str(exc).strip() else type(exc).__name__}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
