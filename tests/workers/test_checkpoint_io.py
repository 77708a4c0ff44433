"""Checkpoints of real training load on torch >= 2.6 with the allow-list, and nothing else does.

Run in child processes: the test process itself never imports torch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.training import TrainedRun


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.mark.slow
def test_mmengine_checkpoint_loads_where_plain_torch_load_refuses(trained_sample: TrainedRun) -> None:
    ckpt = trained_sample.work_dir / "epoch_2.pth"
    done = _python(f"""
import torch
try:
    torch.load({str(ckpt)!r}, map_location='cpu')
    print('plain: loaded')
except Exception as exc:
    print('plain: refused', type(exc).__name__)
from vocseg_tui.workers.checkpoint_io import load_checkpoint
ckpt = load_checkpoint({str(ckpt)!r})
print('ours: epoch', ckpt['meta']['epoch'], 'min', ckpt['message_hub']['log_scalars']['train/loss'].min())
""")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "plain: refused UnpicklingError" in done.stdout  # torch 2.13 here
    assert "ours: epoch 2" in done.stdout


def test_a_malicious_checkpoint_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pth"
    done = _python(f"""
import os, torch
class Evil:
    def __reduce__(self):
        return (os.system, ('touch {marker}',))
torch.save({{'meta': {{}}, 'x': Evil()}}, {str(evil)!r})
from vocseg_tui.workers.checkpoint_io import load_checkpoint
try:
    load_checkpoint({str(evil)!r})
    print('loaded')
except Exception as exc:
    print('refused', type(exc).__name__)
""")
    assert "refused UnpicklingError" in done.stdout, done.stdout + done.stderr
    assert not marker.exists()


def test_getattr_is_allowed_only_for_history_buffer_statistics(tmp_path: Path) -> None:
    evil = tmp_path / "getattr.pth"
    done = _python(f"""
import numpy, torch
class Sneaky:
    def __reduce__(self):
        return (getattr, (numpy.ndarray, 'tofile'))
torch.save({{'x': Sneaky()}}, {str(evil)!r})
from vocseg_tui.workers.checkpoint_io import load_checkpoint
try:
    load_checkpoint({str(evil)!r})
    print('loaded')
except Exception as exc:
    print('refused', type(exc).__name__)
""")
    assert "refused" in done.stdout, done.stdout + done.stderr
