"""`vocseg-tui doctor`: is this machine ready to train, and if not, what exactly to fix.

The training stack is probed in a child process (workers/probe_stack.py) so this module, and
the UI that shows it, never import torch. Each check returns a status, what was found, and the
fix for a failure, in words a user can act on.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

Status = Literal["ok", "warn", "fail", "skip"]

MMCV_MIN, MMCV_MAX_EXCLUSIVE = (2, 0, 0), (2, 2, 0)  # the window mmseg 1.2.2 asserts


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    found: str
    fix: str = ""


def _version_tuple(version: str) -> tuple[int, ...]:
    """The release numbers of a version string (`2.0.0rc4` -> (2, 0, 0))."""
    try:
        return Version(version).release
    except InvalidVersion:
        return ()


def run_probe(timeout: float = 120.0) -> dict[str, Any]:
    """Run the stack probe in a child process and return its JSON report."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "vocseg_tui.workers.probe_stack"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    except (subprocess.TimeoutExpired, json.JSONDecodeError, IndexError) as exc:
        return {"error": f"the stack probe did not answer: {exc}"}


def stack_checks(report: dict[str, Any]) -> list[Check]:
    """Turn the probe's report into checks: torch, mmcv (ops and window), mmseg, checkpoints."""
    checks: list[Check] = []
    torch = report.get("torch", {})
    if torch.get("ok"):
        cuda = (f"CUDA {torch['cuda_build']}, {torch['device_count']} GPU(s) visible"
                if torch.get("cuda_available") else
                "CPU build" if not torch.get("cuda_build") else
                f"CUDA {torch['cuda_build']} build, no GPU visible")
        checks.append(Check("torch", "ok", f"{torch['version']} ({cuda})"))
    else:
        checks.append(Check("torch", "fail", torch.get("error", "not installed"),
                            "run `make setup`, or on a GPU server install the CUDA build of "
                            "torch that matches your driver (see README)"))
    mmcv = report.get("mmcv", {})
    if not mmcv.get("ok"):
        checks.append(Check("mmcv", "fail", mmcv.get("error", "not installed"),
                            "run `make setup` (builds mmcv 2.1.0 with its ops against your torch)"))
    else:
        version = _version_tuple(mmcv["version"])
        in_window = MMCV_MIN <= version < MMCV_MAX_EXCLUSIVE
        checks.append(Check(
            "mmcv version", "ok" if in_window else "fail", mmcv["version"],
            "" if in_window else "mmseg 1.2.2 needs mmcv >=2.0.0rc4,<2.2.0: install mmcv==2.1.0",
        ))
        checks.append(Check(
            "mmcv compiled ops", "ok" if mmcv.get("ops") else "fail",
            "mmcv._ext present" if mmcv.get("ops") else mmcv.get("ops_error", "missing"),
            "" if mmcv.get("ops") else
            "mmcv-lite is not enough: reinstall with MMCV_WITH_OPS=1 and --no-build-isolation "
            "(`make setup`), or a prebuilt mmcv wheel matching your torch and CUDA",
        ))
    for name in ("mmengine", "mmseg"):
        entry = report.get(name, {})
        checks.append(Check(
            name, "ok" if entry.get("ok") else "fail",
            entry.get("version", "") if entry.get("ok") else entry.get("error", "not installed"),
            "" if entry.get("ok") else "run `make setup`",
        ))
    ckpt = report.get("checkpoint", {})
    if not ckpt.get("ok"):
        checks.append(Check("checkpoint loading", "skip", ckpt.get("error", "stack missing")))
    elif not ckpt.get("allowlist_load_works", True):
        checks.append(Check(
            "checkpoint loading", "fail",
            f"vocseg-tui's allow-list loader failed: {ckpt.get('allowlist_error', '?')}",
            "report this with `vocseg-tui doctor --json`; resume and demo will not work",
        ))
    elif ckpt.get("default_load_works"):
        checks.append(Check("checkpoint loading", "ok", "torch.load accepts mmengine checkpoints"))
    else:
        checks.append(Check(
            "checkpoint loading", "ok",
            "this torch defaults to weights_only=True: mmseg's own --resume and image_demo.py "
            "crash on mmengine checkpoints; vocseg-tui loads them with an explicit allow-list",
            "resume, evaluate and demo through vocseg-tui (not mmseg's tools) on this torch",
        ))
    return checks


def nvml_check() -> Check:
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            count = pynvml.nvmlDeviceGetCount()
            driver = pynvml.nvmlSystemGetDriverVersion()
        finally:
            pynvml.nvmlShutdown()
        return Check("NVML", "ok", f"driver {driver}, {count} GPU(s)")
    except Exception as exc:
        return Check("NVML", "warn", f"not available ({type(exc).__name__}): CPU only",
                     "on a GPU server, install the NVIDIA driver; without it jobs run on CPU")


def tmux_check() -> Check:
    tmux = shutil.which("tmux")
    if not tmux:
        return Check("tmux", "warn", "not installed",
                     "install tmux (apt-get install tmux) to run jobs in named tmux sessions")
    done = subprocess.run([tmux, "-V"], capture_output=True, text=True, check=False)
    return Check("tmux", "ok", done.stdout.strip() or tmux)


def linger_check() -> Check:
    """Without lingering, systemd-logind may kill a logged-out user's processes."""
    loginctl = shutil.which("loginctl")
    if not Path("/run/systemd/system").is_dir() or not loginctl:
        return Check("lingering", "skip", "systemd-logind not in use here")
    user = pwd.getpwuid(os.getuid()).pw_name
    done = subprocess.run([loginctl, "show-user", user, "--property=Linger"],
                          capture_output=True, text=True, check=False)
    if "Linger=yes" in done.stdout:
        return Check("lingering", "ok", f"enabled for {user}")
    return Check("lingering", "warn", f"not enabled for {user}: jobs may die at logout",
                 f"run `loginctl enable-linger {user}`")


def python_check() -> Check:
    ok = sys.version_info >= (3, 10)
    return Check("Python", "ok" if ok else "fail", sys.version.split()[0],
                 "" if ok else "use Python 3.10 or newer")


def run_checks() -> list[Check]:
    """All checks, in the order the table shows them."""
    return [python_check(), *stack_checks(run_probe()), nvml_check(), tmux_check(),
            linger_check()]
