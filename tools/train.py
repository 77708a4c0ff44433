"""Train a segmentor: mmseg's tools/train.py, command-line compatible, made safe to resume.

    python tools/train.py CONFIG [--work-dir D] [--resume [CKPT]] [--amp]
                                 [--cfg-options K=V ...] [--launcher none|pytorch|slurm]

What differs from mmseg's own script, and why:
- checkpoints load through vocseg_tui.workers.checkpoint_io's allow-list: on torch >= 2.6
  mmseg's `--resume` dies with "Unsupported global ... HistoryBuffer" (STACK.md);
- `--resume` takes an optional checkpoint; without one it resumes from the last *intact*
  checkpoint found in the work dir, not only the `last_checkpoint` marker (which a crash can
  leave behind, making mmengine silently start from scratch);
- `--cfg-options train_cfg.max_epochs=N` also moves the end of the LR schedule to N (it ended
  where the config's run ended), and says so in the log: mmengine would leave a PolyLR ending at
  the config's own epoch count;
- "stop after this epoch": when the file named by $VOCSEG_STOP_FILE exists, or SIGUSR1 arrived
  (single process), the run saves a checkpoint at the end of the epoch, makes sure
  `last_checkpoint` names it, validates as usual and exits with status 85 (0 under torchrun,
  where the file named by $VOCSEG_STOPPED_MARKER says it stopped); an iteration-based run stops
  at its next checkpoint instead (its epoch is the whole run);
- an iteration-based config (a zoo config unchanged included) resumes at the sampler level:
  mmengine would load and augment every batch already trained (vocseg_tui.workers.iter_resume);
- a NaN guard (on unless `--nan-guard off` or the config's `nan_guard = False`): at the first
  non-finite loss the run stops at once, before any hook can save the broken weights (the last
  good checkpoint stays the last one), and exits 1 after logging "loss became NaN at epoch E,
  iteration I (lr X)", which core/jobs/failure.py reads as the `diverged` failure;
- a run that the config's EarlyStoppingHook ended logs "early-stopped at epoch E" (the job's
  summary, core/jobs/early_stop.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the vocseg_tui package beside tools/

from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.jobs.early_stop import MARKER as EARLY_STOP_MARKER
from vocseg_tui.core.jobs.paths import STOP_FILE_ENV, STOPPED_MARKER_ENV
from vocseg_tui.core.jobs.resume_point import last_good_checkpoint
from vocseg_tui.core.jobs.states import STOPPED_EXIT
from vocseg_tui.core.recipe.schedule import carry_max_epochs, options_keys

# mmengine and mmcv import pkg_resources, whose deprecation warning opened every job log four
# times; it says nothing about the run. Filtered before mmengine is imported (in the functions below).
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from mmengine.config import DictAction

    parser = argparse.ArgumentParser(description="Train a segmentor (mmseg-compatible)")
    parser.add_argument("config", help="train config file path")
    parser.add_argument("--work-dir", help="the dir to save logs and models")
    parser.add_argument(
        "--resume", nargs="?", const="auto", default=None, metavar="CKPT",
        help="resume from CKPT, or (no value) from the last intact checkpoint in the work dir")
    parser.add_argument("--amp", action="store_true", help="enable automatic-mixed-precision training")
    parser.add_argument("--cfg-options", nargs="+", action=DictAction,
                        help="override config settings, key=value (mmengine syntax)")
    parser.add_argument("--launcher", choices=["none", "pytorch", "slurm", "mpi"], default="none")
    parser.add_argument("--nan-guard", choices=["on", "off"], default=None,
                        help="stop at the first non-finite loss (default: the config's nan_guard, on)")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("LOCAL_RANK", str(args.local_rank))
    return args


class StopRequest:
    """Set by SIGUSR1 or by the request file; checked at the end of every epoch."""

    def __init__(self) -> None:
        self.signalled = False
        path = os.environ.get(STOP_FILE_ENV)
        self.file = Path(path) if path else None

    def install(self) -> None:
        signal.signal(signal.SIGUSR1, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.signalled = True

    def requested(self) -> bool:
        return self.signalled or bool(self.file and self.file.exists())


def make_stop_hook(request: StopRequest) -> Any:
    from mmengine.dist import broadcast, get_rank, is_distributed
    from mmengine.hooks import Hook

    class StopAfterEpochHook(Hook):
        """Runs after CheckpointHook (priority LOWEST): the epoch's checkpoint is on disk."""

        priority = "LOWEST"

        def __init__(self) -> None:
            self.stopped_after: int | None = None
            self.unit = ""

        def after_train_epoch(self, runner: Any) -> None:
            import torch

            if runner.epoch + 1 >= runner.max_epochs:
                return  # the run ends here anyway: a stop now would read as unfinished
            flag = torch.tensor([1 if (get_rank() == 0 and request.requested()) else 0])
            if is_distributed():
                broadcast(flag, src=0)  # every rank stops at the same epoch, or DDP hangs
            if not int(flag.item()):
                return
            epoch = runner.epoch + 1
            checkpoint = Path(runner.work_dir) / f"epoch_{epoch}.pth"
            if not checkpoint.is_file():
                runner.save_checkpoint(runner.work_dir, checkpoint.name, by_epoch=True)
            if get_rank() == 0:
                write_text_atomic(Path(runner.work_dir) / "last_checkpoint", str(checkpoint))
            runner.logger.info(f"stop requested: saved {checkpoint.name}; stopping after epoch {epoch}")
            runner.train_loop.stop_training = True
            self.stopped_after = epoch

        def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                             outputs: Any = None) -> None:
            """Iteration-based runs are one big epoch: they stop at the next checkpoint instead."""
            import torch

            saver = next((h for h in runner.hooks if type(h).__name__ == "CheckpointHook"), None)
            if (saver is None or saver.by_epoch or runner.iter + 1 >= runner.max_iters
                    or not saver.every_n_train_iters(runner, saver.interval, saver.save_begin)):
                return  # not a checkpoint iteration (every rank sees the same), or the run ends anyway
            flag = torch.tensor([1 if (get_rank() == 0 and request.requested()) else 0])
            if is_distributed():
                broadcast(flag, src=0)
            if not int(flag.item()):
                return
            done = runner.iter + 1
            checkpoint = Path(runner.work_dir) / f"iter_{done}.pth"
            if get_rank() == 0:
                write_text_atomic(Path(runner.work_dir) / "last_checkpoint", str(checkpoint))
            runner.logger.info(f"stop requested: saved {checkpoint.name}; stopping at iteration {done}")
            runner.train_loop.stop_training = True
            self.stopped_after = done
            self.unit = "iter "  # the `stopped` marker says which: "iter N", or "N" (an epoch)

    return StopAfterEpochHook()


class Diverged(Exception):
    """The loss stopped being finite; the message says where (failure.py reads it)."""


def make_nan_guard() -> Any:
    from mmengine.dist import all_reduce, is_distributed
    from mmengine.hooks import Hook
    from mmengine.runner import EpochBasedTrainLoop

    class NanGuardHook(Hook):
        """Runs first after every iteration (priority VERY_HIGH), before a CheckpointHook could
        save the weights the non-finite step just broke. Under torchrun every rank agrees (one
        tiny all-reduce), so all stop at the same iteration and none waits in a collective."""

        priority = "VERY_HIGH"

        def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None,
                             outputs: Any = None) -> None:
            import math

            import torch

            loss = _loss_of(outputs)
            bad = loss is not None and not math.isfinite(loss)
            if is_distributed():
                flag = torch.tensor([1.0 if bad else 0.0])
                all_reduce(flag)
                bad = bool(flag.item() > 0)
            if not bad:
                return
            what = "inf" if loss is not None and math.isinf(loss) else "NaN"
            if isinstance(runner.train_loop, EpochBasedTrainLoop):
                where = f"epoch {runner.epoch + 1}, iteration {batch_idx + 1}"
            else:
                where = f"iteration {runner.iter + 1}"
            raise Diverged(f"loss became {what} at {where} (lr {_lr_of(runner)})")

    return NanGuardHook()


def _loss_of(outputs: Any) -> float | None:
    """The total loss of one iteration's log vars (mmengine's `loss`), as a float."""
    if not isinstance(outputs, dict):
        return None
    value = outputs.get("loss")
    if value is None:
        parts = [v for k, v in outputs.items() if "loss" in k]
        if not parts:
            return None
        return float(sum(float(v) for v in parts))
    return float(value)


def _lr_of(runner: Any) -> str:
    try:
        rates = runner.optim_wrapper.get_lr()
        first = next(iter(rates.values()))
        return f"{float(first[0]):.6g}"
    except Exception:  # an optimizer wrapper of another shape: the message goes on without it
        return "unknown"


def build_config(args: argparse.Namespace) -> Any:
    from mmengine.config import Config
    from mmengine.logging import print_log

    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        old_epochs = (cfg.get("train_cfg") or {}).get("max_epochs")
        cfg.merge_from_dict(args.cfg_options)
        for message in carry_max_epochs(cfg, old_epochs, options_keys(args.cfg_options)):
            print_log(message, logger="current", level=logging.INFO)
    from vocseg_tui.workers.iter_resume import install as install_iter_resume

    for message in install_iter_resume(cfg):
        print_log(message, logger="current", level=logging.INFO)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir", None) is None:
        cfg.work_dir = os.path.join("./work_dirs", Path(args.config).stem)
    if args.amp:
        if cfg.optim_wrapper.type == "AmpOptimWrapper":
            print_log("AMP training is already enabled in your config.", logger="current",
                      level=logging.WARNING)
        else:
            assert cfg.optim_wrapper.type == "OptimWrapper", (
                "`--amp` is only supported when the optimizer wrapper type is `OptimWrapper`")
            cfg.optim_wrapper.type = "AmpOptimWrapper"
            cfg.optim_wrapper.loss_scale = "dynamic"
    if args.resume is not None:
        checkpoint = args.resume
        if checkpoint == "auto":
            found = last_good_checkpoint(Path(cfg.work_dir))
            checkpoint = str(found) if found else None
            if checkpoint is None:
                print_log(f"--resume: no intact checkpoint in {cfg.work_dir}; starting from scratch",
                          logger="current", level=logging.WARNING)
        elif not Path(checkpoint).is_file():
            raise SystemExit(f"error: --resume {checkpoint}: no such checkpoint file")
        if checkpoint is not None:
            cfg.resume = True
            cfg.load_from = checkpoint
    return cfg


def init_cpu_process_group(launcher: str, backend: str) -> bool:
    """mmengine 0.10.7's `init_dist` calls `torch.cuda.set_device` even for gloo, which a CPU
    build of torch (or a process whose GPUs are hidden) cannot do; on CPU we join torchrun's (or
    srun's) group ourselves (env://) and the Runner, seeing a group, skips its own
    initialisation. Only on CPU: on GPUs mmengine's own path runs (set_device(LOCAL_RANK), or
    SLURM_LOCALID under srun, then init_process_group with the plan's nccl), and a GPU run that
    finds no CUDA device stops here instead of training slowly over gloo on the CPU."""
    import torch
    import torch.distributed as dist

    if launcher not in ("pytorch", "slurm") or torch.cuda.is_available():
        return False
    if backend != "gloo":
        raise SystemExit(f"error: this run was planned for GPUs (launcher {launcher}, backend {backend}), "
                         "but torch sees no CUDA device (CUDA_VISIBLE_DEVICES="
                         f"{os.environ.get('CUDA_VISIBLE_DEVICES')!r}, CUDA build: {torch.version.cuda})")
    if launcher == "slurm":  # the env:// variables from what srun gives every task
        hosts = subprocess.run(["scontrol", "show", "hostnames", os.environ["SLURM_NODELIST"]],
                               capture_output=True, text=True, check=True).stdout.split()
        os.environ.setdefault("MASTER_PORT", "29500")
        os.environ.setdefault("MASTER_ADDR", hosts[0])
        os.environ.update(WORLD_SIZE=os.environ["SLURM_NTASKS"], RANK=os.environ["SLURM_PROCID"],
                          LOCAL_RANK=os.environ["SLURM_LOCALID"])
    if not dist.is_initialized():
        dist.init_process_group(backend="gloo")
    return True


def leave_process_group() -> None:
    """Wait for every rank, then tear gloo down: a rank that simply exits while gloo's threads
    still run dies with "terminate called without an active exception" (seen under srun)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def record_attempt(runner: Any, argv: list[str] | None) -> None:
    """This attempt's reproducibility record (vocseg_tui.workers.repro), once the Runner has
    dumped the config it trains; a record that cannot be written is a warning, never a failure."""
    from mmengine.logging import print_log

    from vocseg_tui.workers.repro import write_record

    work_dir = Path(runner.work_dir)
    name = Path(runner.cfg.filename).name if runner.cfg.filename else f"{runner.timestamp}.py"
    dump = work_dir / name
    path, error = write_record(runner.cfg.to_dict(), work_dir=work_dir,
                               config_dump=dump if dump.is_file() else None, stamp=runner.timestamp,
                               argv=list(sys.argv if argv is None else argv))
    if error is not None:
        print_log(f"reproducibility record not written: {error}", logger="current", level=logging.WARNING)
    else:
        print_log(f"reproducibility record: {path}", logger="current", level=logging.INFO)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    request = StopRequest()
    request.install()

    import mmseg.utils
    from mmengine.runner import Runner
    from mmseg.registry import RUNNERS

    from vocseg_tui.workers.checkpoint_io import install_allowlist

    mmseg.utils.register_all_modules(init_default_scope=False)
    install_allowlist()
    cfg = build_config(args)
    backend = cfg.get("env_cfg", {}).get("dist_cfg", {}).get("backend", "nccl")
    if init_cpu_process_group(args.launcher, backend) and cfg.get("model_wrapper_cfg") is None:
        # mmengine passes device_ids=[LOCAL_RANK], which DDP refuses for a CPU module.
        cfg.model_wrapper_cfg = dict(type="MMDistributedDataParallel", device_ids=None,
                                     broadcast_buffers=False,
                                     find_unused_parameters=cfg.get("find_unused_parameters", False))
    runner = Runner.from_cfg(cfg) if "runner_type" not in cfg else RUNNERS.build(cfg)
    if runner.rank == 0:
        record_attempt(runner, argv)
    hook = make_stop_hook(request)
    runner.register_hook(hook, priority="LOWEST")
    guard = args.nan_guard if args.nan_guard is not None else ("on" if cfg.get("nan_guard", True) else "off")
    if guard == "on":
        runner.register_hook(make_nan_guard(), priority="VERY_HIGH")
    try:
        runner.train()
    except Diverged as error:
        runner.logger.error(f"{error}: stopped without saving these weights; "
                            "the last checkpoint is the last good one")
        leave_process_group()
        return 1
    leave_process_group()
    early = next((h for h in runner.hooks if type(h).__name__ == "EarlyStoppingHook"), None)
    if (early is not None and hook.stopped_after is None and runner.train_loop.stop_training
            and runner.epoch < runner.max_epochs):  # read by core/jobs/early_stop.py
        runner.logger.info(f"{EARLY_STOP_MARKER} {runner.epoch}: mIoU did not improve for "
                           f"{early.patience} validations")
    if hook.stopped_after is None:
        return 0
    marker = os.environ.get(STOPPED_MARKER_ENV)
    if marker and runner.rank == 0:
        write_text_atomic(Path(marker), f"{hook.unit}{hook.stopped_after}\n")
    return 0 if args.launcher != "none" else STOPPED_EXIT


if __name__ == "__main__":
    sys.exit(main())
