"""The training command line of a job: `python tools/train.py ...`, or torchrun for N processes.

Built from the job's options in one place, so the launch (for display and the registry) and the
supervisor (with a master port that is free at the moment training really starts, which for a
queued job may be hours later) produce the same thing. The command always names the work dir
and, for a resumed attempt, the checkpoint: never a bare `--resume`.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import vocseg_tui

TRAIN_SCRIPT = Path(vocseg_tui.__file__).resolve().parents[1] / "tools" / "train.py"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def train_command(config: str, work_dir: str, options: dict[str, Any], resume_from: str = "",
                  port: int | None = None) -> list[str]:
    """argv of the training; `options`: nproc, amp, cfg_options (list of K=V), cpu."""
    nproc = int(options.get("nproc", 1))
    cfg_options = list(options.get("cfg_options", []))
    chose_backend = any(o.startswith("env_cfg.dist_cfg.backend=") for o in cfg_options)
    if options.get("cpu") and nproc > 1 and not chose_backend:
        cfg_options.append("env_cfg.dist_cfg.backend=gloo")  # NCCL needs GPUs
    script = [str(TRAIN_SCRIPT), config, "--work-dir", work_dir]
    if resume_from:
        script += ["--resume", resume_from]
    if options.get("amp"):
        script.append("--amp")
    if cfg_options:
        script += ["--cfg-options", *cfg_options]
    if nproc == 1:
        return [sys.executable, *script, "--launcher", "none"]
    return [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(nproc),
            "--master-port", str(port or free_port()), *script, "--launcher", "pytorch"]
