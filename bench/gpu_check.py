"""The device check: every GPU path of vocseg-tui, run for real on a machine with NVIDIA GPUs.

    python bench/gpu_check.py [--wheels DIR] [--site DIR] [--work DIR] [--keep] [--cpu]
                              [--only STEP,...] [--budget SECONDS]
    python bench/gpu_check.py --download-wheels DIR [--python-version 3.12]

For a GPU machine with a CUDA build of torch and no internet (docs/gpu_check.md). In one
command it installs what it brings (wheels in `.whl/`, the mmcv 2.1.0 sdist compiled with CPU
ops only against that torch, all into `.gl/site`), then times, through the product's own entry
points: NVML's inventory against nvidia-smi; the real UPerNet-R50 (mmseg's VOC-aug config,
random init) for 60 iterations at 512x512, batch 4, in fp32 and AMP (images/s after warm-up,
peak `torch.cuda.max_memory_allocated`); stop after an epoch and resume on the GPU;
evaluation and the demo on CUDA. Steps that already hold (the stack installed, mmcv built)
are skipped and say so.

Without a GPU (this project's CI) the same script runs its CPU path: install and build skipped
(the stack is present), NVML "no driver", the CUDA steps skipped with the reason, and a smoke of
the same code paths: R50 at 64x64 for 2 iterations, and stop/resume, evaluation and the demo on
the sample's tiny model.

Prints progress on stderr and ONE JSON object on its last stdout line (schema "vocseg-gpu-check/1").
Exit 0: no step failed; 1: a step failed (the JSON says which and why); 2: bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO))

import gpu_check_wheels as wheels  # noqa: E402  (stdlib-only: runs before anything is installed)
from gpu_check_outcome import Fail, Skip  # noqa: E402
from gpu_check_steps import Context  # noqa: E402  (imports the product only inside its steps)

SCHEMA = "vocseg-gpu-check/1"
DEFAULT_WHEELS = REPO / ".whl"
DEFAULT_SITE = REPO / ".gl" / "site"
DEFAULT_BUDGET_S = 480.0
STEPS = ("install", "mmcv_build", "stack", "nvml", "data", "train_fp32", "train_amp", "stop_resume",
         "eval", "demo")
NEEDS: dict[str, tuple[str, ...]] = {
    "install": (), "mmcv_build": ("install",), "stack": ("mmcv_build",), "nvml": ("install",),
    "data": ("install",), "train_fp32": ("stack", "data"), "train_amp": ("stack", "data"),
    "stop_resume": ("stack", "data"), "eval": ("stop_resume",), "demo": ("stop_resume",),
}


class BadInput(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="gpu_check.py",
        description="Run every GPU path of vocseg-tui for real and print one JSON object.",
        epilog="Exit 0: no step failed; 1: a step failed; 2: bad input. See docs/gpu_check.md.")
    parser.add_argument("--wheels", type=Path, default=None,
                        help=f"carried wheels and the mmcv sdist (default: {DEFAULT_WHEELS} if present)")
    parser.add_argument("--site", type=Path, default=DEFAULT_SITE,
                        help="where the carried packages are installed (default: %(default)s)")
    parser.add_argument("--work", type=Path, default=None,
                        help="an empty or new folder for projects, runs and logs (default: a temporary one)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work folder (kept anyway when a step fails)")
    parser.add_argument("--cpu", action="store_true", help="the CPU path even where a GPU is visible")
    parser.add_argument("--smoke", choices=["quick", "full"], default="quick",
                        help="without a GPU: quick skips the CUDA-only steps; full runs stop/resume, "
                             "evaluation and the demo on CPU with the sample's tiny model (default: quick)")
    parser.add_argument("--only", default=None, metavar="STEP,...",
                        help=f"run these steps and what they need; one of: {', '.join(STEPS)}")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S, metavar="SECONDS",
                        help="time for everything; steps not started in time are skipped "
                             "(default: %(default)s)")
    parser.add_argument("--download-wheels", type=Path, default=None, metavar="DIR",
                        help="download the wheels and the mmcv sdist into DIR (with internet), then exit")
    parser.add_argument("--python-version", default="3.12",
                        help="with --download-wheels: the GPU machine's Python (default: %(default)s)")
    return parser.parse_args(argv)


def selected_steps(only: str | None) -> list[str]:
    if only is None:
        return list(STEPS)
    asked = [s.strip() for s in only.split(",") if s.strip()]
    unknown = [s for s in asked if s not in STEPS]
    if unknown or not asked:
        raise BadInput(f"--only {only!r}: unknown step {', '.join(unknown) or '(none given)'}",
                       f"steps: {', '.join(STEPS)}")
    chosen: set[str] = set()
    todo = list(asked)
    while todo:
        step = todo.pop()
        if step not in chosen:
            chosen.add(step)
            todo.extend(NEEDS[step])
    return [s for s in STEPS if s in chosen]


def check_inputs(args: argparse.Namespace) -> None:
    if args.wheels is not None and not args.wheels.is_dir():
        raise BadInput(f"wheel folder {args.wheels} does not exist",
                       "download it where there is internet: "
                       f"python bench/gpu_check.py --download-wheels {args.wheels}")
    if not args.budget > 0:
        raise BadInput(f"--budget {args.budget} is not a positive number of seconds", "e.g. --budget 480")
    if args.work is not None and args.work.exists() and (not args.work.is_dir() or any(args.work.iterdir())):
        raise BadInput(f"work folder {args.work} exists and is not empty", "pass a new or empty folder")


class Report:
    """The steps' records, in order; prints progress on stderr as they end."""

    def __init__(self, selected: list[str]) -> None:
        self.selected = selected
        self.steps: dict[str, dict[str, Any]] = {}
        self.blocked: set[str] = set()

    def run(self, name: str, body: Callable[[], dict[str, Any]], ctx_remaining: Callable[[], float]) -> None:
        if name not in self.selected:
            self.blocked.add(name)
            self._record(name, "skipped", 0.0, reason="not selected (--only)")
            return
        unmet = [n for n in NEEDS[name] if n in self.blocked]
        if unmet:
            self.blocked.add(name)
            self._record(name, "skipped", 0.0, reason=f"needs {', '.join(unmet)}, which did not complete")
            return
        if ctx_remaining() <= 0:
            self.blocked.add(name)
            self._record(name, "skipped", 0.0, reason="out of time (--budget)")
            return
        started = time.monotonic()
        try:
            figures = body()
        except Skip as skip:
            self._record(name, "skipped", time.monotonic() - started, reason=str(skip))
        except Fail as failure:
            self.blocked.add(name)
            self._record(name, "failed", time.monotonic() - started, reason=str(failure))
        except Exception as error:  # a crash of the check itself: the JSON still comes out
            self.blocked.add(name)
            where = traceback.extract_tb(error.__traceback__)[-1]
            at = f"{Path(where.filename).name}:{where.lineno}"
            self._record(name, "failed", time.monotonic() - started,
                         reason=f"{type(error).__name__}: {error} (at {at})")
        else:
            self._record(name, "ok", time.monotonic() - started, **figures)

    def _record(self, name: str, status: str, seconds: float, **figures: Any) -> None:
        self.steps[name] = {"status": status, "seconds": round(seconds, 2), **figures}
        why = f": {figures['reason']}" if "reason" in figures else ""
        print(f"[gpu_check] {name:<12} {status:<8} {seconds:7.1f} s{why}", file=sys.stderr, flush=True)

    @property
    def failed(self) -> list[str]:
        return [n for n, s in self.steps.items() if s["status"] == "failed"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.download_wheels is not None:
            return download(args)
        check_inputs(args)
        selected = selected_steps(args.only)
    except BadInput as error:
        return bad_input(error.message, error.hint)
    started = time.monotonic()
    deadline = started + args.budget
    site = wheels.Site(args.site.resolve(), REPO)
    site.env.pop("VOCSEG_FAKE_GPUS", None)  # the check reports the real driver, never a fake
    site.activate()
    found = site.probe()
    probe_s = time.monotonic() - started
    if not found.get("torch", {}).get("ok"):
        return bad_input(f"{sys.executable} cannot import torch ({found.get('torch', {}).get('error')})",
                         "run the check with the Python that has your CUDA build of torch")
    wheel_dir = args.wheels or (DEFAULT_WHEELS if DEFAULT_WHEELS.is_dir() else None)
    if not wheels.stack_present(found) and wheel_dir is None:
        why = wheels.first_failure(found) or "wrong versions"
        return bad_input(f"the OpenMMLab stack is not installed ({why}) and there is no wheel folder "
                         "to install it from",
                         "download it where there is internet (docs/gpu_check.md), carry it as "
                         f"{DEFAULT_WHEELS}, or pass --wheels DIR")
    work = (args.work or Path(tempfile.mkdtemp(prefix="vocseg-gpu-check-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    site.env["VOCSEG_STATE_DIR"] = str(work / "state")  # a registry of its own, never the user's
    os.environ["VOCSEG_STATE_DIR"] = site.env["VOCSEG_STATE_DIR"]
    os.environ.pop("VOCSEG_FAKE_GPUS", None)
    cores = os.cpu_count() or 1
    report = Report(selected)
    state: dict[str, Any] = {"found": found}

    def remaining() -> float:
        return deadline - time.monotonic()

    report.run("install", lambda: install(site, wheel_dir, work, state, remaining()), remaining)
    report.run("mmcv_build", lambda: build_mmcv(site, wheel_dir, work, cores, state, remaining()), remaining)
    report.run("stack", lambda: stack(site, state), remaining)
    ctx = make_context(args, site, work, cores, deadline, state)
    import gpu_check_steps as steps

    for name, body in (("nvml", steps.step_nvml), ("data", steps.step_data),
                       ("train_fp32", lambda c: steps.step_train(c, amp=False)),
                       ("train_amp", lambda c: steps.step_train(c, amp=True)),
                       ("stop_resume", steps.step_stop_resume), ("eval", steps.step_eval),
                       ("demo", steps.step_demo)):
        report.run(name, lambda body=body: body(ctx), ctx.remaining)
    stopped = stop_leftovers(site)
    total = time.monotonic() - started
    keep = args.keep or bool(report.failed)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "schema": SCHEMA, "ok": not report.failed, "failed": report.failed,
        "mode": "gpu" if ctx.gpu else "cpu", "cpu_reason": None if ctx.gpu else ctx.cpu_reason,
        "machine": machine(state, cores), "seconds": round(total, 1), "probe_s": round(probe_s, 1),
        "budget_s": args.budget,
        "within_budget": total <= args.budget, "work": str(work) if keep else None,
        "jobs_stopped_at_end": stopped, "steps": report.steps,
    }
    print(json.dumps(result, sort_keys=False, default=str), flush=True)
    return 0 if result["ok"] else 1


def bad_input(message: str, hint: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)
    return 2


def download(args: argparse.Namespace) -> int:
    dest = args.download_wheels.resolve()
    try:
        listing = wheels.download(dest, args.python_version)
    except Fail as error:
        return bad_input(error.message, error.hint)
    print(json.dumps({"schema": SCHEMA, "download": listing, "python_version": args.python_version}),
          flush=True)
    return 0


def install(site: wheels.Site, wheel_dir: Path | None, work: Path, state: dict[str, Any],
            seconds: float) -> dict[str, Any]:
    found = state["found"]
    if wheels.stack_present(found):
        where = Path(str(found["mmseg"]["file"])).parent.parent
        raise Skip(f"already installed: mmengine {found['mmengine']['version']}, "
                   f"mmseg {found['mmseg']['version']} ({where})")
    assert wheel_dir is not None  # main() refused the run otherwise
    files = wheels.carried_files(wheel_dir)
    wheels.pip_install(site, files, work / "logs" / "install.log", timeout=seconds)
    wheels.write_sitecustomize(site)
    site.activate()  # the site folder may be new
    found = state["found"] = site.probe()
    missing = {m: v.get("error") for m, v in found.items()
               if not v.get("ok") and m not in ("mmcv", "mmseg")}  # both need mmcv, built next
    if missing:
        raise Fail(f"installed, but these do not import: {missing}",
                   "carry the missing packages' wheels (docs/gpu_check.md)")
    return {"wheels": len(files), "site": str(site.path),
            "mib": round(sum(f.stat().st_size for f in files) / 2**20, 1)}


def build_mmcv(site: wheels.Site, wheel_dir: Path | None, work: Path, cores: int,
               state: dict[str, Any], seconds: float) -> dict[str, Any]:
    if wheels.mmcv_built(state["found"]):
        mmcv = state["found"]["mmcv"]
        raise Skip(f"mmcv {mmcv['version']} with its compiled ops already importable ({mmcv['file']})")
    sdist = (wheel_dir / wheels.MMCV_SDIST_FILE) if wheel_dir else None
    if sdist is None or not sdist.is_file():
        raise Fail(f"mmcv 2.1.0 with its ops is not importable and {wheels.MMCV_SDIST_FILE} "
                   f"is not in {wheel_dir}", "download the wheels again (docs/gpu_check.md)")
    problems = wheels.build_preflight()
    if problems:
        raise Fail("cannot build mmcv: " + "; ".join(problems))
    ninja = shutil.which("ninja", path=site.env.get("PATH"))
    wheels.pip_install(site, [sdist], work / "logs" / "mmcv-build.log", build_env=wheels.build_env(cores),
                       timeout=seconds)
    found = state["found"] = site.probe()
    if not wheels.mmcv_built(found):
        raise Fail(f"mmcv built, but its ops do not import: {found.get('mmcv')}",
                   f"see {work / 'logs' / 'mmcv-build.log'}")
    if not wheels.stack_present(found):
        raise Fail(f"mmcv built, but the stack does not import: {wheels.first_failure(found)}")
    return {"jobs": cores, "ninja": bool(ninja), "cuda_ops": False, "site": str(site.path)}


def stack(site: wheels.Site, state: dict[str, Any]) -> dict[str, Any]:
    """The product's own stack probe (what `vocseg-tui doctor` runs)."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "vocseg_tui.workers.probe_stack"], capture_output=True,
                          text=True, env=site.env, timeout=300, check=False)
    try:
        probe = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise Fail(f"the stack probe did not answer: {done.stderr.strip()[-400:]}") from None
    state["probe"] = probe
    torch, mmcv = probe.get("torch", {}), probe.get("mmcv", {})
    problems = [f"{k}: {v.get('error')}" for k, v in probe.items() if isinstance(v, dict) and not v.get("ok")]
    if not mmcv.get("ops"):
        problems.append(f"mmcv ops: {mmcv.get('ops_error')}")
    if problems:
        raise Fail("the training stack is not usable: " + "; ".join(problems))
    return {"python": probe.get("python"), "torch": torch.get("version"),
            "cuda_build": torch.get("cuda_build"),
            "cuda_available": torch.get("cuda_available"), "device_count": torch.get("device_count"),
            "mmcv": mmcv.get("version"), "mmengine": probe["mmengine"].get("version"),
            "mmseg": probe["mmseg"].get("version"),
            "checkpoint_allowlist_load": probe.get("checkpoint", {}).get("allowlist_load_works")}


def make_context(args: argparse.Namespace, site: wheels.Site, work: Path, cores: int, deadline: float,
                 state: dict[str, Any]) -> Any:
    torch = state.get("probe", {}).get("torch", {})
    if args.cpu:
        reason = "--cpu given"
    elif "probe" not in state:
        reason = "the stack step did not run, so torch's view of CUDA is unknown"
    elif not torch.get("ok"):
        reason = "torch is not usable (see the stack step)"
    elif not torch.get("cuda_available"):
        hidden = site.env.get("CUDA_VISIBLE_DEVICES")
        reason = (f"torch {torch.get('version')} sees no CUDA device (CUDA build: {torch.get('cuda_build')}"
                  + (f", CUDA_VISIBLE_DEVICES={hidden!r}" if hidden is not None else "") + ")")
    else:
        reason = ""
    return Context(site=site, work=work, gpu=not reason, cpu_reason=reason, cores=cores, deadline=deadline,
                   smoke_full=args.smoke == "full")


def machine(state: dict[str, Any], cores: int) -> dict[str, Any]:
    torch = state.get("probe", {}).get("torch", {})
    return {"python": sys.version.split()[0], "cores": cores, "torch": torch.get("version"),
            "cuda_build": torch.get("cuda_build"), "cuda_devices": torch.get("device_count")}


def stop_leftovers(site: wheels.Site) -> list[int]:
    """Stop any job the check left running (a step that failed or ran out of time)."""
    try:
        from vocseg_tui.core.jobs import Registry
        from vocseg_tui.core.jobs.launch import stop
        from vocseg_tui.core.jobs.states import ACTIVE_STATES

        registry = Registry()
        active = registry.all_jobs(states=ACTIVE_STATES)
        for job in active:
            stop(job.id, registry)
        return [job.id for job in active]
    except Exception:  # nothing to stop, or the stack never installed
        return []


if __name__ == "__main__":
    sys.exit(main())
