"""Probe the training stack in a child process and print one JSON object.

`vocseg-tui doctor` runs this as `python -m vocseg_tui.workers.probe_stack` so the UI and CLI
processes never import torch or mmseg themselves. Every probe is wrapped: a missing or broken
package is reported as data, never as a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from typing import Any


def _last_line(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1][:300] if text else type(exc).__name__


def probe_torch() -> dict[str, Any]:
    try:
        import torch
    except Exception as exc:
        return {"ok": False, "error": _last_line(exc)}
    cuda = torch.cuda.is_available()
    return {
        "ok": True,
        "version": torch.__version__,
        "cuda_build": torch.version.cuda,
        "cuda_available": cuda,
        "device_count": torch.cuda.device_count() if cuda else 0,
    }


def probe_mmcv() -> dict[str, Any]:
    try:
        import mmcv
    except Exception as exc:
        return {"ok": False, "error": _last_line(exc)}
    result: dict[str, Any] = {"ok": True, "version": mmcv.__version__}
    try:
        import mmcv._ext

        result["ops"] = True
    except Exception as exc:
        result["ops"] = False
        result["ops_error"] = _last_line(exc)
    return result


def probe_version(module: str) -> dict[str, Any]:
    try:
        imported = __import__(module)
    except Exception as exc:
        return {"ok": False, "error": _last_line(exc)}
    return {"ok": True, "version": getattr(imported, "__version__", "?")}


def probe_checkpoint_load() -> dict[str, Any]:
    """Does this torch's default `torch.load` accept what mmengine puts in checkpoints?"""
    try:
        import torch
        from mmengine.logging import HistoryBuffer
    except Exception as exc:
        return {"ok": False, "error": _last_line(exc)}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.pth")
        torch.save({"message_hub": {"log_scalars": {"loss": HistoryBuffer()}}}, path)
        result: dict[str, Any] = {"ok": True, "default_load_works": True}
        try:
            torch.load(path, map_location="cpu")
        except Exception as exc:
            result.update(default_load_works=False, error=_last_line(exc))
        try:
            from vocseg_tui.workers.checkpoint_io import load_checkpoint

            load_checkpoint(path)
            result["allowlist_load_works"] = True
        except Exception as exc:
            result.update(allowlist_load_works=False, allowlist_error=_last_line(exc))
    return result


def main() -> int:
    report = {
        "python": sys.version.split()[0],
        "torch": probe_torch(),
        "mmcv": probe_mmcv(),
        "mmengine": probe_version("mmengine"),
        "mmseg": probe_version("mmseg"),
        "checkpoint": probe_checkpoint_load(),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
