"""The UI side of the inference worker: spawn it once, send requests, read progress and results.

The worker (`python -m vocseg_tui.workers.inference`) is a child process that imports torch and
mmseg and keeps the last model loaded, so a second demo on the same checkpoint costs only the
forward pass. It speaks JSON lines: one request per line on its stdin; progress lines and one
final `done` line per request on its stdout. Its stderr (mmengine's chatter, warnings) goes to
a log file in the state dir, so a crash can be explained without a pipe filling up.

`DemoClient.run` blocks until the result: the TUI calls it from a thread worker, the CLI
directly. Requests are serialised by a lock; the worker exits when its stdin closes, so it
never outlives the UI.

The worker is started with the request's placement environment (one GPU pinned, or every GPU
hidden for CPU), never with an inherited CUDA_VISIBLE_DEVICES. CUDA reads that variable once,
so a request for another device stops the worker (freeing its GPU memory) and starts a new
one; `use()` does the same as soon as the device choice changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from vocseg_tui.core.demo.request import DemoError, DemoRequest
from vocseg_tui.core.placement import Placement
from vocseg_tui.core.project import state_dir

WORKER_MODULE = "vocseg_tui.workers.inference"
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])


@dataclass(frozen=True)
class DemoResult:
    """What a finished demo produced."""

    out: Path
    legend: list[dict[str, Any]]
    """Classes present, most pixels first: index, name, color, pixels, share."""
    image_size: tuple[int, int]
    """(width, height) of the photo; the PNG is this wide and legend_height taller."""
    legend_height: int
    seconds: float
    """Wall time inside the worker for this request."""
    reused_model: bool
    """True when the model was already loaded (a warm demo)."""
    timings: dict[str, float] = field(default_factory=dict)
    source_size: tuple[int, int] = (0, 0)
    """(width, height) of the file; larger than image_size when the demo shrank it."""
    device: str = "cpu"
    """The torch device the worker ran on (`cuda:0` is the one GPU pinned for it)."""
    visible_devices: str | None = None
    """CUDA_VISIBLE_DEVICES as the worker saw it ("" hides every GPU)."""

    @property
    def shrunk(self) -> bool:
        return self.source_size != self.image_size and self.source_size != (0, 0)


class DemoClient:
    """One long-lived inference worker process, started on first use."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python
        self._process: subprocess.Popen[str] | None = None
        self._environment: dict[str, str] | None = None
        """The placement variables the running worker was started with."""
        self._lock = threading.Lock()
        self._next_id = 0
        self.log_path = state_dir() / "demo-worker.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs (what `ps` and nvidia-smi show)."""
        return self._process.pid if self.running and self._process is not None else None

    def use(self, placement: Placement) -> bool:
        """Stop a worker that runs on another device than `placement` (waits for a request in
        flight). The next demo starts one there. True when a worker was stopped."""
        with self._lock:
            if not self.running or self._environment == placement.environment():
                return False
            self._stop()
            return True

    def _start(self, placement: Placement) -> subprocess.Popen[str]:
        wanted = placement.environment()
        if self._process is not None and self._process.poll() is None:
            if self._environment == wanted:
                return self._process
            self._stop()  # CUDA_VISIBLE_DEVICES cannot change inside a running process
        env = {**os.environ, **wanted, "PYTHONPATH": os.pathsep.join(
            p for p in (_PACKAGE_PARENT, os.environ.get("PYTHONPATH", "")) if p)}
        self._environment = wanted
        with open(self.log_path, "w", encoding="utf-8") as log:
            self._process = subprocess.Popen(
                [self._python, "-m", WORKER_MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log, text=True, bufsize=1, env=env, close_fds=True,
            )
        return self._process

    def run(self, request: DemoRequest, on_progress: Callable[[str], None] | None = None) -> DemoResult:
        """Run one demo; raises DemoError with the worker's message when it fails."""
        with self._lock:
            process = self._start(request.placement)
            self._next_id += 1
            message = {"id": self._next_id, "op": "demo", **request.to_json()}
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(json.dumps(message) + "\n")
                process.stdin.flush()
            except (BrokenPipeError, OSError):
                raise self._died() from None
            return self._read_until_done(process.stdout, self._next_id, on_progress)

    def _read_until_done(self, stdout: IO[str], request_id: int,
                         on_progress: Callable[[str], None] | None) -> DemoResult:
        while True:
            line = stdout.readline()
            if not line:
                raise self._died()
            try:
                reply = json.loads(line)
            except ValueError:
                continue  # not ours (the worker routes prints to stderr, but be lenient)
            if reply.get("id") != request_id:
                continue
            if reply.get("event") == "progress":
                if on_progress is not None:
                    on_progress(str(reply.get("stage", "")))
                continue
            if not reply.get("ok"):
                raise DemoError(str(reply.get("message", "the demo failed")), str(reply.get("hint", "")))
            return DemoResult(
                out=Path(reply["out"]), legend=list(reply["legend"]),
                image_size=(int(reply["image_size"][0]), int(reply["image_size"][1])),
                legend_height=int(reply["legend_height"]), seconds=float(reply["seconds"]),
                reused_model=bool(reply["reused_model"]), timings=dict(reply.get("timings", {})),
                source_size=_size(reply.get("source_size") or reply["image_size"]),
                device=str(reply.get("device", "cpu")), visible_devices=reply.get("visible_devices"),
            )

    def _died(self) -> DemoError:
        code = self._process.wait(timeout=10) if self._process is not None else None
        self._process, self._environment = None, None
        tail = ""
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            tail = lines[-1] if lines else ""
        except OSError:
            pass
        return DemoError(f"the inference worker exited (status {code}){': ' + tail if tail else ''}",
                         f"see {self.log_path}; the next demo starts a fresh worker")

    def close(self, wait: float = 5.0) -> None:
        """Stop the worker: it exits when its stdin closes (after the request in hand); past
        `wait` seconds it is killed (it holds nothing that could be left half-written)."""
        self._stop(wait)

    def _stop(self, wait: float = 5.0) -> None:
        process, self._process, self._environment = self._process, None, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def _size(value: Any) -> tuple[int, int]:
    return int(value[0]), int(value[1])
