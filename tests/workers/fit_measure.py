"""Run as a child by the fit test: one real CPU training step of a config, memory counted from
real tensors, independently of the estimator's fake-tensor tracker.

Measured at the end of the second step's forward: parameters and buffers, the optimizer's
state (after the first step created it), and every tensor autograd saved for backward
(unique storages, via saved_tensors_hooks). Prints one JSON object."""

from __future__ import annotations

import json
import sys

import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules


def samples(batch: int, crop: tuple[int, int]) -> list[SegDataSample]:
    out = []
    for _ in range(batch):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 21, (1, *crop)))
        s.set_metainfo({"img_shape": crop, "pad_shape": crop, "ori_shape": crop})
        out.append(s)
    return out


def main(config: str, batch: int) -> None:
    register_all_modules()
    cfg = Config.fromfile(config)
    crop = tuple(cfg.crop_size)
    cfg.model.pop("pretrained", None)
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).train()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    inputs = torch.randn(batch, 3, *crop)
    loss, _ = model.parse_losses(model.loss(inputs, samples(batch, crop)))
    wrapper.update_params(loss)
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        saved[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss, _ = model.parse_losses(model.loss(inputs, samples(batch, crop)))
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    state = sum(v.numel() * v.element_size() for s in wrapper.optimizer.state.values()
                for v in s.values() if isinstance(v, torch.Tensor))
    saved.pop(inputs.untyped_storage().data_ptr(), None)  # the batch is data, not an activation
    for t in [*model.parameters(), *model.buffers()]:  # conv saves its weight: a parameter, counted once
        saved.pop(t.untyped_storage().data_ptr(), None)
    print(json.dumps({"params_bytes": params + buffers, "optimizer_bytes": state,
                      "saved_bytes": sum(saved.values())}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
