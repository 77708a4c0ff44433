"""The inference worker: a long-lived child process that keeps one model loaded.

    python -m vocseg_tui.workers.inference      (JSON lines: requests on stdin, replies on stdout)

Request: {"id", "op": "demo", "config", "checkpoint", "image", "out", "device"}.
Replies: {"id", "event": "progress", "stage"} lines, then one {"id", "event": "done", "ok", ...};
a done reply names the device it ran on and CUDA_VISIBLE_DEVICES as this process got it.

Where it runs is fixed when it starts: the client pins one GPU (seen here as `cuda:0`) or hides
every GPU, and starts a new worker for another device. A request for CUDA where none is visible
is refused ("CUDA is not available ..."), never quietly run on CPU. Images are decoded at the
demo's working size (core.demo.image: header-checked pixel limit, longest side shrunk), so a
huge photo costs bounded memory. Swapping models drops the old one first, collects it and
returns its cached CUDA blocks to the driver, so a second checkpoint does not stack on the
first one's GPU memory.

The model is built with mmseg's `init_model` from the run's own config dump and its weights are
loaded through the allow-list (checkpoint_io), strictly: a checkpoint of another model (missing,
unexpected or differently shaped keys) is refused with a clear message instead of drawing noise
as mmseg's non-strict load would. The model stays loaded (keyed by config, checkpoint, their
mtimes, and device), so the next demo on it costs the forward pass only. Any failure of one
request is reported and the worker keeps serving; nothing is written unless the overlay is whole.

stdout is the protocol channel: at start-up the real stdout is kept for replies and fd 1 is
pointed at stderr, so prints and C-level output from torch/mmengine never corrupt it.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any

from vocseg_tui.core.checkpoints import check_integrity
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import atomic_writer

_Key = tuple[str, int, str, int, int, str]


class Worker:
    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.key: _Key | None = None
        self.model: Any = None

    def send(self, **reply: Any) -> None:
        self.out.write(json.dumps(reply) + "\n")
        self.out.flush()

    def handle(self, request: dict[str, Any]) -> None:
        rid = request.get("id")
        started = time.perf_counter()
        try:
            if request.get("op") != "demo":
                raise VocsegError(f"unknown request {request.get('op')!r}", "this worker only runs demos")
            reply = self.demo(request, lambda stage: self.send(id=rid, event="progress", stage=stage))
            reply["seconds"] = time.perf_counter() - started
            self.send(id=rid, event="done", ok=True, **reply)
        except VocsegError as error:
            self.send(id=rid, event="done", ok=False, message=error.message, hint=error.hint)
        except Exception as error:  # report, log, keep serving
            traceback.print_exc()
            self.send(id=rid, event="done", ok=False, message=f"inference failed: {error}",
                      hint="see the worker log (demo-worker.log in the state dir)")

    def demo(self, request: dict[str, Any], progress: Any) -> dict[str, Any]:
        from vocseg_tui.core.demo.overlay import compose

        image, source_size = read_image(Path(request["image"]))
        config, checkpoint = Path(request["config"]), Path(request["checkpoint"])
        device = str(request.get("device") or "cpu")
        timings: dict[str, float] = {}
        reused = self.key == model_key(config, checkpoint, device)
        if not reused:
            progress("loading model")
            tick = time.perf_counter()
            self.release_model()  # before loading: two models need not fit at once
            self.model = load_model(config, checkpoint, device)
            self.key = model_key(config, checkpoint, device)
            timings["load_s"] = time.perf_counter() - tick
        progress("running inference")
        tick = time.perf_counter()
        labels = predict(self.model, image)
        timings["infer_s"] = time.perf_counter() - tick
        progress("drawing overlay")
        tick = time.perf_counter()
        canvas, entries = compose(image, labels)
        out = Path(request["out"])
        with atomic_writer(out, "wb") as handle:
            canvas.save(handle, format="PNG")  # type: ignore[arg-type]
        timings["draw_s"] = time.perf_counter() - tick
        height, width = labels.shape
        return {"out": str(out), "legend": [e.to_json() for e in entries], "image_size": [width, height],
                "source_size": list(source_size), "legend_height": canvas.height - height,
                "reused_model": reused, "timings": timings, "device": device,
                "visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}

    def release_model(self) -> None:
        """Forget the loaded model and give its memory back: mmseg models hold reference
        cycles, so dropping the name is not enough, and PyTorch's caching allocator keeps freed
        CUDA blocks for this process until `empty_cache()`."""
        self.model, self.key = None, None
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_initialized():
            torch.cuda.empty_cache()


def model_key(config: Path, checkpoint: Path, device: str) -> _Key:
    """Identity of a loaded model: a rewritten checkpoint or config is loaded again."""
    try:
        c, k = config.stat(), checkpoint.stat()
    except OSError:
        return (str(config), -1, str(checkpoint), -1, -1, device)
    return (str(config), c.st_mtime_ns, str(checkpoint), k.st_mtime_ns, k.st_size, device)


def read_image(path: Path) -> tuple[Any, tuple[int, int]]:
    """The photo as an RGB uint8 array at the demo's working size, and its size in the file;
    or a clear error (an image over the pixel limit is refused from its header)."""
    from vocseg_tui.core.demo.image import load_rgb

    return load_rgb(path)


def load_model(config: Path, checkpoint: Path, device: str) -> Any:
    """Build the run's model and load the checkpoint strictly, through the allow-list."""
    if not config.is_file():
        raise VocsegError(f"the run has no config dump ({config} is missing)",
                          "the demo uses the config mmengine saved in the run folder")
    verdict = check_integrity(checkpoint)
    if not verdict.ok:
        raise VocsegError(f"{checkpoint.name} is damaged: {verdict.reason}", "pick another checkpoint")
    import torch
    from mmseg.apis import init_model

    from vocseg_tui.workers.checkpoint_io import install_allowlist, load_checkpoint

    install_allowlist()
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise VocsegError(cuda_unavailable(torch), "run the demo on CPU (--device cpu, or CPU in the "
                          "GPUs area), or check the GPU with nvidia-smi and that torch is a CUDA build")
    try:
        model = init_model(str(config), None, device=device)
    except VocsegError:
        raise
    except Exception as error:
        raise VocsegError(f"the run's config {config.name} does not build a model: {error}",
                          "check the config dump in the run folder") from None
    try:
        saved = load_checkpoint(checkpoint)
    except Exception as error:
        raise VocsegError(f"{checkpoint.name} could not be loaded: {error}",
                          "pick another checkpoint") from None
    state = saved.get("state_dict", saved) if isinstance(saved, dict) else None
    if not isinstance(state, dict):
        raise VocsegError(f"{checkpoint.name} holds no model weights", "pick an mmseg checkpoint")
    check_keys(model.state_dict(), state, checkpoint.name, config.name)
    model.load_state_dict(state, strict=True)
    meta = saved.get("meta", {}) if isinstance(saved, dict) else {}
    if isinstance(meta, dict) and "dataset_meta" in meta:
        model.dataset_meta = meta["dataset_meta"]
    return model


def cuda_unavailable(torch: Any, where: str = "the inference worker") -> str:
    """Why a GPU run cannot start in this process, with what it was given (also tools/test.py's)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
    return (f"CUDA is not available in {where} (CUDA_VISIBLE_DEVICES={visible!r}, "
            f"torch {torch.__version__}, {build})")


def check_keys(expected: dict[str, Any], found: dict[str, Any], ckpt: str, config: str) -> None:
    """Refuse weights that do not fit the model (mmseg would load them non-strictly)."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    shapes = sorted(k for k in set(expected) & set(found)
                    if tuple(expected[k].shape) != tuple(getattr(found[k], "shape", ())))
    if not (missing or unexpected or shapes):
        return
    parts = [f"{len(v)} {what}" for what, v in
             (("missing", missing), ("unexpected", unexpected), ("with another shape", shapes)) if v]
    example = (missing or unexpected or shapes)[0]
    raise VocsegError(
        f"{ckpt} is a checkpoint of another model than {config}: {', '.join(parts)} keys (e.g. {example})",
        "run the demo on a checkpoint of this run; the config dump beside it defines the model")


def predict(model: Any, image: Any) -> Any:
    """Class index per pixel (H x W, int64) at the photo's own size."""
    import numpy as np
    import torch
    from mmseg.apis import inference_model

    with torch.no_grad():
        result = inference_model(model, np.ascontiguousarray(image[..., ::-1]))  # mmseg expects BGR
    return result.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)


def main() -> int:
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to the log, not into the protocol
    sys.stdout = sys.stderr
    worker = Worker(protocol)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            worker.send(id=None, event="done", ok=False, message="request is not JSON", hint="")
            continue
        worker.handle(request)
    return 0


if __name__ == "__main__":
    sys.exit(main())
