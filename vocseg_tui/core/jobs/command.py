"""Where the training script is, and a free TCP port for torchrun's rendezvous.

The command lines themselves are decided in one place, the launch plan (core/jobs/plan.py).
"""

from __future__ import annotations

import socket
from pathlib import Path

import vocseg_tui

TRAIN_SCRIPT = Path(vocseg_tui.__file__).resolve().parents[1] / "tools" / "train.py"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
