"""Resolve a config through mmengine, in a child process (the UI never imports mmengine).

Resolving is what makes the validator honest: inherited values (`_base_` files, package
scoped `mmseg::` bases, variables) are checked as mmengine will see them at launch.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.child_answer import json_answer, last_words
from vocseg_tui.core.errors import VocsegError


class ConfigLoadError(VocsegError):
    """mmengine could not load (or build) the config."""


@dataclass(frozen=True)
class Resolved:
    config: dict[str, Any]
    build: dict[str, Any] | None


def _answer(result: object, path: Path | str) -> Resolved:
    if not isinstance(result, dict):
        raise ConfigLoadError("the config loader gave no answer",
                              "run `vocseg-tui doctor` to check the training stack")
    if not result.get("ok"):
        stage = "build the model or data of" if result.get("stage") == "build" else "load"
        raise ConfigLoadError(f"mmengine could not {stage} {Path(path).name}: {result.get('error')}",
                              "fix the config (see the message), then check again")
    return Resolved(config=result["config"], build=result.get("build"))


def _target(path: Path | str) -> tuple[str, bool]:
    shipped = isinstance(path, str) and "::" in path
    if not shipped and not Path(path).is_file():
        raise ConfigLoadError(f"config {path} does not exist", "check the path")
    return (str(path) if shipped else str(Path(path).resolve())), shipped


class ConfigLoader:
    """A long-lived loader child process: mmengine is imported once, each check then takes
    milliseconds. Thread-safe (one request at a time); restarted if it dies; `close()` ends it.
    """

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def _start(self) -> subprocess.Popen[str]:
        if self._closed:
            raise ConfigLoadError("the config loader was closed")
        proc = subprocess.Popen(
            [sys.executable, "-m", "vocseg_tui.workers.config_loader", "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "CUDA_VISIBLE_DEVICES": ""}, start_new_session=True,
        )
        self._proc = proc
        if self._closed:  # closed while starting: do not leave the child behind
            self.close()
            raise ConfigLoadError("the config loader was closed")
        self._read(proc)  # the "ready" line
        return proc

    def _read(self, proc: subprocess.Popen[str]) -> object:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            if not selector.select(self.timeout):
                self._kill()
                raise ConfigLoadError(f"the config loader did not answer in {self.timeout:.0f} s",
                                      "is the data folder on a slow or hung file system?")
        line = proc.stdout.readline()
        if not line:
            self._kill()
            raise ConfigLoadError("the config loader stopped", "run `vocseg-tui doctor` to check the stack")
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            return None

    def resolve(self, path: Path | str, *, cwd: Path | None = None, build: bool = False,
                cfg_options: Sequence[str] = ()) -> Resolved:
        target, shipped = _target(path)
        request = {"config": target, "build": build, "cfg_options": list(cfg_options),
                   "cwd": str((cwd or (Path.cwd() if shipped else Path(path).parent)).resolve())}
        with self._lock:
            proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
            assert proc.stdin is not None
            try:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
            except OSError:
                self._kill()
                proc = self._start()
                assert proc.stdin is not None
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
            return _answer(self._read(proc), path)

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def release(self) -> None:
        """Stop the child now (it holds no state); the next request starts a fresh one. A
        request in flight fails with ConfigLoadError, which its caller reports or ignores."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        """Stop the child for good: later requests are refused."""
        self._closed = True
        self.release()


def resolve_config(path: Path | str, *, cwd: Path | None = None, build: bool = False,
                   timeout: float = 120.0, cfg_options: Sequence[str] = ()) -> Resolved:
    """Load `path` with mmengine in a one-shot child process; `build` also builds model and data.

    `path` may also name a config shipped in a package, e.g. `mmseg::upernet/x.py`.
    `cfg_options` (K=V, as `train --cfg-options` takes them) are merged as training merges them.
    """
    target, shipped = _target(path)
    command = [sys.executable, "-m", "vocseg_tui.workers.config_loader", target]
    if build:
        command.append("--build")
    if cfg_options:
        command += ["--cfg-options", *cfg_options]
    try:
        done = subprocess.run(
            command, cwd=cwd or (Path.cwd() if shipped else Path(path).parent), capture_output=True,
            text=True, timeout=timeout, check=False, env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
        )
    except subprocess.TimeoutExpired as exc:
        raise ConfigLoadError(f"loading {path} took more than {timeout:.0f} s",
                              "is the data folder on a slow or hung file system?") from exc
    result = json_answer(done)
    if result is None:
        raise ConfigLoadError(f"the config loader failed: {last_words(done)}",
                              "run `vocseg-tui doctor` to check the training stack")
    return _answer(result, path)
