"""Evaluate a checkpoint on the val split: mmseg's tools/test.py, command-line compatible.

    python tools/test.py CONFIG CHECKPOINT [--work-dir D] [--out DIR] [--metrics FILE]
                         [--device auto|cpu|cuda] [--cfg-options K=V ...]

What differs from mmseg's own script, and why:
- the checkpoint loads through vocseg_tui.workers.checkpoint_io's allow-list (on torch >= 2.6
  mmseg's own script dies with "Unsupported global"), and strictly: weights of another model
  are refused with the keys that differ, not silently half-loaded;
- it always evaluates the *val* split (val_dataloader and val_evaluator of the config);
- it writes the metrics, including IoU and accuracy per class, as JSON (`--metrics`, default
  `<work-dir>/metrics.json`), atomically, so the Checkpoints screen can show a per-class table;
- the default work dir is `<run>/eval/<checkpoint name>/`, so evaluation never adds a log folder
  to the run's own history.
- `--device`: `cuda` runs on the first visible GPU (`cuda:0`; the caller pins the GPU it wants
  with CUDA_VISIBLE_DEVICES, as vocseg-tui does) and is refused when CUDA is not available,
  rather than quietly evaluating on CPU; `cpu` hides every GPU; `auto` (mmseg's behaviour)
  takes `cuda:0` when CUDA is available, else CPU. The device and CUDA_VISIBLE_DEVICES it ran
  with go into the log and the metrics file.
`--out DIR` keeps mmseg's meaning: save the predicted label maps there.
Exit status: 0 metrics written; 2 bad input (message on stderr); anything else a crash.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the vocseg_tui package beside tools/

from vocseg_tui.core.checkpoints.integrity import check_integrity
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import write_text_atomic

# mmengine and mmcv import pkg_resources, whose deprecation warning opened every log four times.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)


PER_CLASS: dict[str, Any] = {}
"""Filled by the metric below: mmseg's IoUMetric prints per-class values but returns only means."""
DEVICES = ("auto", "cpu", "cuda")


def hide_gpus_for_cpu(argv: list[str] | None) -> None:
    """`--device cpu` hides every GPU before anything imports torch: CUDA reads
    CUDA_VISIBLE_DEVICES once, at its first use, and mmengine picks its device at import."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--device", choices=DEVICES, default="auto")
    known, _ = early.parse_known_args(argv)
    if known.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""


def resolve_device(asked: str) -> str:
    """The torch device this evaluation runs on; a GPU asked for but not there is bad input."""
    import torch

    from vocseg_tui.workers.inference import cuda_unavailable

    if torch.cuda.is_available():
        if asked == "cpu":  # only when torch was imported before hide_gpus_for_cpu could act
            raise VocsegError("--device cpu, but CUDA was already initialised with a GPU visible",
                              "start tools/test.py with CUDA_VISIBLE_DEVICES= to evaluate on CPU")
        return "cuda:0"
    if asked == "cuda":
        raise VocsegError(cuda_unavailable(torch, "the evaluation"),
                          "evaluate on CPU (--gpus cpu, or CPU in the GPUs area), or check the GPU "
                          "with nvidia-smi and that torch is a CUDA build")
    return "cpu"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(description="Evaluate a checkpoint on the val split (mmseg-compatible)")
    parser.add_argument("config", help="the run's config (its dump in the work dir)")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument("--work-dir", help="where logs go (default: <run>/eval/<checkpoint name>)")
    parser.add_argument("--out", help="save the predicted label maps to this folder (as mmseg's --out)")
    parser.add_argument("--metrics", help="metrics JSON file (default: <work-dir>/metrics.json)")
    parser.add_argument("--device", choices=DEVICES, default="auto",
                        help="cuda: cuda:0 or refuse; cpu: hide every GPU; auto: cuda:0 when available")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction,
                        help="override config settings, key=value (mmengine syntax)")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    return args


def register_metric() -> str:
    """An IoUMetric that also keeps the per-class IoU and accuracy it computes."""
    from mmseg.evaluation.metrics import IoUMetric
    from mmseg.registry import METRICS

    class PerClassIoUMetric(IoUMetric):  # type: ignore[misc]
        def compute_metrics(self, results: list[Any]) -> dict[str, float]:
            import numpy as np

            metrics: dict[str, float] = super().compute_metrics(results)
            columns = tuple(zip(*results, strict=False))
            if len(columns) == 4:
                totals = [sum(column) for column in columns]
                per = self.total_area_to_metrics(*totals, self.metrics, self.nan_to_num, self.beta)
                names = list(self.dataset_meta["classes"])
                PER_CLASS["classes"] = [
                    {"name": name,
                     **{key: _pct(np.asarray(value)[i]) for key, value in per.items() if key != "aAcc"}}
                    for i, name in enumerate(names)]
                PER_CLASS["images"] = len(results)
            return metrics

    METRICS.register_module(name="VocsegPerClassIoUMetric", module=PerClassIoUMetric, force=True)
    return "VocsegPerClassIoUMetric"


def _pct(value: Any) -> float | None:
    number = float(value)
    return None if number != number else round(number * 100, 2)  # NaN: class absent from val


def build_config(args: argparse.Namespace, metric: str) -> Any:
    from mmengine.config import Config

    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    checkpoint = Path(args.checkpoint).resolve()
    cfg.work_dir = args.work_dir or str(checkpoint.parent / "eval" / checkpoint.stem)
    cfg.test_dataloader = cfg.val_dataloader
    evaluator = dict(cfg.val_evaluator)
    evaluator["type"] = metric
    if args.out is not None:
        evaluator["output_dir"] = args.out
        evaluator["keep_results"] = True
    cfg.test_evaluator = evaluator
    cfg.load_from = None  # loaded strictly below, through the allow-list
    cfg.visualizer = dict(type="SegLocalVisualizer", vis_backends=[dict(type="LocalVisBackend")])
    return cfg


def load_strictly(runner: Any, checkpoint: Path) -> None:
    from vocseg_tui.workers.checkpoint_io import load_checkpoint
    from vocseg_tui.workers.inference import check_keys

    model = runner.model.module if hasattr(runner.model, "module") else runner.model
    saved = load_checkpoint(checkpoint)
    state = saved.get("state_dict", saved) if isinstance(saved, dict) else None
    if not isinstance(state, dict):
        raise VocsegError(f"{checkpoint.name} holds no model weights", "pick an mmseg checkpoint")
    check_keys(model.state_dict(), state, checkpoint.name, "the config")
    model.load_state_dict(state, strict=True)


def main(argv: list[str] | None = None) -> int:
    hide_gpus_for_cpu(argv)
    args = parse_args(argv)
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    checkpoint = Path(args.checkpoint).resolve()
    try:
        if not Path(args.config).is_file():
            raise VocsegError(f"config {args.config} does not exist", "pass the run's config dump")
        verdict = check_integrity(checkpoint)
        if not verdict.ok:
            raise VocsegError(f"{checkpoint.name} cannot be evaluated: {verdict.reason}",
                              "pick an intact checkpoint (`vocseg-tui ckpts` marks damaged ones)")
        import mmseg.utils
        from mmengine.runner import Runner

        from vocseg_tui.workers.checkpoint_io import install_allowlist

        device = resolve_device(args.device)
        print(f"evaluating on {device} (CUDA_VISIBLE_DEVICES={visible!r})", flush=True)
        mmseg.utils.register_all_modules(init_default_scope=False)
        install_allowlist()
        started = time.time()
        cfg = build_config(args, register_metric())
        runner = Runner.from_cfg(cfg)
        load_strictly(runner, checkpoint)
        metrics = runner.test()
    except VocsegError as error:
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return 2
    result = {
        "checkpoint": str(checkpoint), "config": str(Path(args.config).resolve()), "split": "val",
        "images": PER_CLASS.get("images"), "seconds": round(time.time() - started, 2),
        "finished_at": time.time(), "device": device, "visible_devices": visible,
        **{key: float(value) for key, value in (metrics or {}).items()},
        "classes": PER_CLASS.get("classes", []),
    }
    target = Path(args.metrics) if args.metrics else Path(cfg.work_dir) / "metrics.json"
    write_text_atomic(target, json.dumps(result, indent=1) + "\n")
    print(f"metrics written to {target}: mIoU {result.get('mIoU')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
