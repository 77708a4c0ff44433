"""The device check's steps after installation: each drives the product through its public
entry points (the `vocseg-tui` CLI in child processes, or core functions) and returns figures.

A step raises `Skip(reason)` when it does not apply here (no GPU, no driver) and `Fail(reason)`
when it ran and the product did not do what it should; anything else it raises is reported as a
failure too. No figure is hard-coded: every number comes from a log, a file or a clock.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gpu_check_outcome import Fail, Skip
from gpu_check_wheels import Site

END_STATES = {"succeeded", "failed", "stopped", "lost"}
WARMUP_ITERS = 10
"""Iterations left out of images/s on the GPU: cuDNN autotuning (mmseg sets cudnn_benchmark)
and the data loader's first batches."""
CUDA_PROBE = """
import json, torch
print(json.dumps([{"index": i, "name": torch.cuda.get_device_name(i),
                   "uuid": "GPU-" + str(torch.cuda.get_device_properties(i).uuid)}
                  for i in range(torch.cuda.device_count())]))
"""


@dataclass
class Context:
    """What the steps share: where they work, which machine this is, and what earlier steps made."""

    site: Site
    work: Path
    gpu: bool
    """Run the CUDA path (torch sees a GPU and --cpu was not given)."""
    cpu_reason: str
    """Why the CUDA steps are skipped (when not `gpu`)."""
    cores: int
    deadline: float
    """time.monotonic() by which everything must be done."""
    smoke_full: bool = False
    """Without a GPU, also run stop/resume, evaluation and the demo on CPU (the sample's tiny
    model) instead of skipping them."""
    made: dict[str, Any] = field(default_factory=dict)

    @property
    def plan(self) -> Any:
        """The data plan (gpu_check_data imports the product: only after the install step)."""
        from gpu_check_data import cpu_plan, gpu_plan

        return gpu_plan(self.cores) if self.gpu else cpu_plan()

    @property
    def gpus_flag(self) -> str:
        return "0" if self.gpu else "cpu"

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def skip_cuda_step(self, what: str) -> None:
        """Raise Skip for a CUDA step without a GPU, unless --smoke full asked for it on CPU."""
        if not self.gpu and not self.smoke_full:
            raise Skip(f"{what} on CUDA needs a GPU: {self.cpu_reason} "
                       "(--smoke full runs it on CPU with the sample's tiny model)")


# --- the CLI and the registry -------------------------------------------------------------------

def cli(ctx: Context, *args: str, cwd: Path, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
    """`vocseg-tui ARGS` as a user types it; a refusal becomes `Fail` with the product's words."""
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", *args], cwd=cwd, env=ctx.site.env,
                          capture_output=True, text=True, timeout=min(timeout, max(5.0, ctx.remaining())),
                          check=False)
    if done.returncode != 0:
        said = " ".join(line.strip() for line in done.stderr.splitlines()
                        if line.startswith(("error:", "hint:"))) or done.stderr.strip()[-400:]
        raise Fail(f"`vocseg-tui {' '.join(args[:2])} ...` exited {done.returncode}: {said}")
    return done


def json_out(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON object a `--json` command printed last (anything printed before it is ignored)."""
    lines = done.stdout.strip().splitlines()
    command = " ".join(map(str, done.args[2:5]))
    try:
        value = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise Fail(f"`{command} ...` printed no JSON: {done.stdout[-300:]!r}") from None
    if not isinstance(value, dict):
        raise Fail(f"`{command} ...` printed {value!r}, not a JSON object")
    return value


def launch(ctx: Context, cwd: Path, *args: str) -> int:
    return int(json_out(cli(ctx, "train", *args, "--json", cwd=cwd))["id"])


def wait_job(ctx: Context, job_id: int, states: set[str] = END_STATES) -> Any:
    """Poll the registry (as `vocseg-tui jobs` does) until the job is in `states`."""
    from vocseg_tui.core.jobs import Registry
    from vocseg_tui.core.jobs.status import refresh

    registry = Registry()
    job = registry.get(job_id)
    while ctx.remaining() > 0:
        job = refresh(registry, registry.get(job_id))
        if job.state.value in states:
            return job
        time.sleep(0.25)
    raise Fail(f"job {job_id} still {job.state.value} when the check's time ran out; log: {job.log_path}")


def _log_tail(job: Any, lines: int = 3) -> str:
    try:
        text = job.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    wanted = [line for line in text if "Error" in line or line.startswith("error:")][-lines:]
    return " | ".join(wanted or text[-lines:])[:600]


def require_state(job: Any, state: str) -> None:
    if job.state.value != state:
        raise Fail(f"job {job.id} ended {job.state.value}, not {state}: {job.failure or ''} "
                   f"{_log_tail(job)} (log: {job.log_path})")


def job_device(job: Any) -> dict[str, Any]:
    """Where the job trained: its GPUs, the CUDA_VISIBLE_DEVICES the launch gave it, and what
    mmengine's environment report says about CUDA."""
    try:
        log = job.log_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        log = ""
    return {"gpus": list(job.gpus), "cuda_visible_devices": job.env.get("CUDA_VISIBLE_DEVICES"),
            "cuda_available_in_job": "CUDA available: True" in log}


def require_device(ctx: Context, job: Any) -> dict[str, Any]:
    device = job_device(job)
    if ctx.gpu and not device["cuda_available_in_job"]:
        raise Fail(f"job {job.id} did not see CUDA (CUDA_VISIBLE_DEVICES={device['cuda_visible_devices']!r})")
    return device


def train_rows(work_dir: Path) -> list[dict[str, Any]]:
    """The training iterations mmengine logged (vis_data/scalars.json of every run in the dir)."""
    rows: list[dict[str, Any]] = []
    for scalars in sorted(work_dir.glob("*/vis_data/scalars.json")):
        for line in scalars.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if "lr" in row and "time" in row:
                rows.append(row)
    return rows


# --- the steps ----------------------------------------------------------------------------------

def step_nvml(ctx: Context) -> dict[str, Any]:
    """NVML's inventory (the product's) against nvidia-smi's own list: same GPUs, same UUIDs."""
    from vocseg_tui.core.gpus import MIB, take_inventory

    inventory = take_inventory()
    smi = shutil.which("nvidia-smi")
    listed = _nvidia_smi(smi) if smi else None
    if inventory.cpu_only:
        if listed:
            raise Fail(f"NVML found no GPU ({inventory.cpu_only_reason}) but nvidia-smi lists {len(listed)}")
        raise Skip(f"no driver: {inventory.cpu_only_reason or 'NVML found no GPU'}"
                   + ("" if smi else "; nvidia-smi is not installed either"))
    ours = [{"index": g.index, "uuid": g.uuid, "memory_total_mib": g.memory_total // MIB, "name": g.name,
             "error": g.error} for g in inventory.gpus]
    figures: dict[str, Any] = {"driver": inventory.driver, "source": inventory.source, "gpus": len(ours),
                               "inventory": ours, "nvidia_smi": listed,
                               "refresh_ms": round(inventory.elapsed_s * 1000, 2)}
    if inventory.source != "nvml":
        raise Fail(f"the inventory came from {inventory.source!r}, not the driver")
    if listed is None:
        raise Fail("nvidia-smi is not installed: nothing to compare NVML's inventory with")
    if [(g["index"], g["uuid"]) for g in ours] != [(g["index"], g["uuid"]) for g in listed]:
        raise Fail(f"NVML and nvidia-smi disagree: ours {[(g['index'], g['uuid']) for g in ours]}, "
                   f"nvidia-smi {[(g['index'], g['uuid']) for g in listed]}")
    figures["memory_total_matches"] = all(
        abs(a["memory_total_mib"] - b["memory_total_mib"]) <= 1 for a, b in zip(ours, listed, strict=True))
    failed = [g for g in ours if g["error"]]
    if failed:
        raise Fail(f"GPUs with a failed query: {failed}")
    if ctx.gpu:
        figures["cuda_order"] = _cuda_order(ctx, ours)
    return figures


def _nvidia_smi(smi: str) -> list[dict[str, Any]] | None:
    done = subprocess.run([smi, "--query-gpu=index,uuid,memory.total", "--format=csv,noheader,nounits"],
                          capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        return []
    rows = []
    for line in done.stdout.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 3 and parts[0].isdigit():
            rows.append({"index": int(parts[0]), "uuid": parts[1], "memory_total_mib": int(float(parts[2]))})
    return rows


def _cuda_order(ctx: Context, nvml: list[dict[str, Any]]) -> dict[str, Any]:
    """CUDA's device order (its default, FASTEST_FIRST) against NVML's, by UUID: where they
    differ, only UUID pinning (or CUDA_DEVICE_ORDER=PCI_BUS_ID) names the right board."""
    env = {k: v for k, v in ctx.site.env.items() if k not in ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER")}
    done = subprocess.run([sys.executable, "-c", CUDA_PROBE], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    try:
        cuda = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": (done.stderr.strip().splitlines() or ["no answer"])[-1][:300]}
    return {"cuda_uuids": [d["uuid"] for d in cuda],
            "same_as_nvml_order": [d["uuid"] for d in cuda] == [g["uuid"] for g in nvml]}


def step_data(ctx: Context) -> dict[str, Any]:
    """The synthetic VOC-aug project and the R50 config (and, on CPU, the sample project)."""
    from gpu_check_data import shm_free_mib, write_project, write_r50_config

    plan = ctx.plan
    project = write_project(ctx.work / "r50", plan)
    config = write_r50_config(project, plan, max_epochs=2)
    ctx.made.update(r50_project=project, r50_config=config)
    figures: dict[str, Any] = {"images_train": plan.train, "images_val": plan.val,
                               "image_size": list(plan.size), "crop": list(plan.crop), "batch": plan.batch,
                               "iters_per_epoch": plan.iters_per_epoch, "num_workers": plan.num_workers,
                               "shm_free_mib": shm_free_mib(),
                               "config": str(config)}
    if not ctx.gpu and ctx.smoke_full:  # stop/resume, eval and demo on the sample's tiny model
        from vocseg_tui.core.data import splits
        from vocseg_tui.core.data.convert import convert_all
        from vocseg_tui.core.project import Project
        from vocseg_tui.core.sample import create_sample

        summary = create_sample(ctx.work / "sample")
        sample = Project(summary.root)
        convert_all(sample.sbd_root / "cls", sample.voc_root / "SegmentationClassAug", jobs=1)
        splits.write(sample.voc_root, splits.compute(sample.voc_root, sample.sbd_root))
        ctx.made.update(sample_project=sample, sample_config=summary.config)
        figures["sample_project"] = str(sample.root)
    return figures


def step_train(ctx: Context, *, amp: bool) -> dict[str, Any]:
    """One epoch of UPerNet-R50 through `vocseg-tui train`: images/s and peak CUDA memory."""
    from gpu_check_data import THROUGHPUT_OPTIONS

    if amp and not ctx.gpu:
        raise Skip(f"AMP needs CUDA (mmengine's AmpOptimWrapper refuses a CPU-only run): {ctx.cpu_reason}")
    plan, project = ctx.plan, ctx.made["r50_project"]
    work_dir = project.work_dirs / ("throughput_amp" if amp else "throughput_fp32")
    job_id = launch(ctx, project.root, str(ctx.made["r50_config"]), "--gpus", ctx.gpus_flag,
                    "--work-dir", str(work_dir), *(["--amp"] if amp else []),
                    "--cfg-options", *THROUGHPUT_OPTIONS)
    job = wait_job(ctx, job_id)
    require_state(job, "succeeded")
    device = require_device(ctx, job)
    rows = train_rows(work_dir)
    if len(rows) != plan.iters_per_epoch:
        raise Fail(f"mmengine logged {len(rows)} iterations, not {plan.iters_per_epoch}",
                   f"log: {job.log_path}")
    warmup = min(WARMUP_ITERS, len(rows) - 1) if ctx.gpu else 1
    timed = [float(r["time"]) for r in rows[warmup:]]
    losses = [float(r["loss"]) for r in rows]
    if not all(math.isfinite(x) for x in losses):
        raise Fail(f"the loss is not finite: {losses}")
    memory = [int(r["memory"]) for r in rows if "memory" in r]
    figures: dict[str, Any] = {
        "precision": "amp" if amp else "fp32", "smoke": not ctx.gpu, "job": job_id, **device,
        "iterations": len(rows), "warmup_iters": warmup, "batch": plan.batch, "crop": list(plan.crop),
        "images_per_s": round(plan.batch * len(timed) / sum(timed), 2),
        "s_per_iter_median": round(statistics.median(timed), 4),
        "data_time_s_mean": round(statistics.fmean(float(r["data_time"]) for r in rows[warmup:]), 4),
        "max_memory_allocated_mib": max(memory) if memory else None,
        "loss_first": round(losses[0], 4), "loss_last": round(losses[-1], 4),
        "job_seconds": round((job.ended_at or time.time()) - job.created_at, 1),
    }
    if ctx.gpu and not memory:
        raise Fail("mmengine logged no CUDA memory: the job did not train on the GPU")
    return figures


def step_stop_resume(ctx: Context) -> dict[str, Any]:
    """Launch, `stop --after-epoch`, `resume`: the new attempt continues at epoch 2, on the GPU."""
    ctx.skip_cuda_step("stop and resume")
    if ctx.gpu:
        project, config, extra = ctx.made["r50_project"], ctx.made["r50_config"], []
        per_epoch = ctx.plan.iters_per_epoch
    else:  # the sample's tiny model: 13 iterations an epoch, two epochs
        project, config = ctx.made["sample_project"], ctx.made["sample_config"]
        extra, per_epoch = ["--cfg-options", "train_cfg.max_epochs=2"], 13
    work_dir = project.work_dirs / "stop_resume"
    started = time.monotonic()
    first = launch(ctx, project.root, str(config), "--gpus", ctx.gpus_flag, "--work-dir", str(work_dir),
                   *extra)
    cli(ctx, "stop", str(first), "--after-epoch", cwd=project.root)
    stopped = wait_job(ctx, first)
    require_state(stopped, "stopped")
    first_s = time.monotonic() - started
    saved = sorted(p.name for p in work_dir.glob("epoch_*.pth"))
    if saved != ["epoch_1.pth"]:
        raise Fail(f"after the stop the work dir holds {saved}, not just epoch_1.pth")
    marker = (work_dir / "last_checkpoint").read_text(encoding="utf-8").strip()
    if Path(marker).name != "epoch_1.pth":
        raise Fail(f"last_checkpoint names {marker}, not epoch_1.pth")
    second = int(json_out(cli(ctx, "resume", str(first), "--json", cwd=project.root))["id"])
    resumed = wait_job(ctx, second)
    require_state(resumed, "succeeded")
    log = resumed.log_path.read_text(encoding="utf-8", errors="replace")
    found = re.search(r"resumed epoch: (\d+), iter: (\d+)", log)
    trained = [int(e) for e in re.findall(r"Saving checkpoint at (\d+) epochs", log)]
    figures: dict[str, Any] = {
        "smoke": not ctx.gpu, "first_job": first, "resumed_job": second, "first_seconds": round(first_s, 1),
        "resumed_seconds": round((resumed.ended_at or time.time()) - resumed.created_at, 1),
        "stopped_after_epoch": 1, "resumed_from": Path(resumed.resume_from).name,
        "resumed_at": {"epoch": int(found.group(1)), "iter": int(found.group(2))} if found else None,
        "epochs_trained_after_resume": trained,
        "checkpoint_mib": round((work_dir / "epoch_1.pth").stat().st_size / 2**20, 1),
        "first": job_device(stopped), "resumed": require_device(ctx, resumed),
    }
    if resumed.parent_id != first or figures["resumed_from"] != "epoch_1.pth":
        raise Fail(f"job {second} is not a resume of job {first} from epoch_1.pth: {figures['resumed_from']}")
    if figures["resumed_at"] != {"epoch": 1, "iter": per_epoch}:
        raise Fail(f"the resumed attempt started at {figures['resumed_at']}, not epoch 1, iter {per_epoch}")
    if trained != [2] or "Epoch(train) [1]" in log:
        raise Fail(f"after resuming, epochs {trained} were trained (expected only epoch 2)")
    if ctx.gpu and resumed.gpus != stopped.gpus:
        raise Fail(f"the resumed attempt trains on GPUs {resumed.gpus}, the first on {stopped.gpus}")
    ctx.made["checkpoint"] = work_dir / "epoch_2.pth"
    return figures


def _device_name(ctx: Context) -> str:
    return "cuda" if ctx.gpu else "cpu"


def step_eval(ctx: Context) -> dict[str, Any]:
    """Evaluation of the resumed run's checkpoint through the core (the Checkpoints area's path)."""
    from vocseg_tui.core.checkpoints.discovery import find_checkpoint
    from vocseg_tui.core.checkpoints.evaluate import evaluation_status, start_evaluation
    from vocseg_tui.core.placement import parse_gpus

    ctx.skip_cuda_step("evaluation")
    run, checkpoint = find_checkpoint(ctx.made["checkpoint"])
    # The GPU the check trained on, pinned like the Checkpoints area pins it (cuda:0 inside).
    paths = start_evaluation(run, checkpoint, devices=parse_gpus("0" if ctx.gpu else "cpu")).paths
    status = evaluation_status(checkpoint)
    while status.state == "running" and ctx.remaining() > 0:
        time.sleep(0.25)
        status = evaluation_status(checkpoint)
    if status.state != "done":
        raise Fail(f"evaluation ended {status.state}: {status.message} (log: {paths.log})")
    log = paths.log.read_text(encoding="utf-8", errors="replace")
    on_cuda = "evaluating on cuda:0" in log  # tools/test.py's first line names its device
    if ctx.gpu and not on_cuda:
        raise Fail(f"the evaluation did not see CUDA (log: {paths.log})")
    metrics = status.metrics
    return {"smoke": not ctx.gpu, "device": "cuda" if on_cuda else "cpu", "checkpoint": checkpoint.name,
            "images": metrics.get("images"), "mIoU": metrics.get("mIoU"), "aAcc": metrics.get("aAcc"),
            "tool_seconds": metrics.get("seconds")}


def step_demo(ctx: Context) -> dict[str, Any]:
    """`vocseg-tui demo CKPT --device cuda`: the overlay is written, the classes listed."""
    ctx.skip_cuda_step("the demo")
    checkpoint: Path = ctx.made["checkpoint"]
    out = ctx.work / f"demo_{_device_name(ctx)}.png"
    done = cli(ctx, "demo", str(checkpoint), "--device", _device_name(ctx), "--out", str(out), "--json",
               cwd=checkpoint.parent)
    result = json_out(done)
    if not out.is_file() or out.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        raise Fail(f"the demo did not write a PNG at {out}")
    return {"smoke": not ctx.gpu, "device": _device_name(ctx), "worker_seconds": result.get("seconds"),
            "image_size": result.get("image_size"),
            "classes": [e.get("name") for e in result.get("legend", [])], "out": str(out)}
