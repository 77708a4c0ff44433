"""The headless commands as scripts use them: real processes, output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def vocseg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vocseg_tui", *args], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=180)


def test_help_lists_the_commands() -> None:
    done = vocseg("--help")
    assert done.returncode == 0
    for command in ("sample", "doctor"):
        assert command in done.stdout
    assert "Exit codes" in done.stdout


def test_sample_creates_a_project_and_refuses_to_clobber(tmp_path: Path) -> None:
    done = vocseg("sample", str(tmp_path / "proj"), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["images"] > 0 and Path(summary["config"]).is_file()
    again = vocseg("sample", str(tmp_path / "proj"))
    assert again.returncode == 2
    assert again.stderr.startswith("error: ") and "hint: " in again.stderr
    assert "Traceback" not in again.stderr


def test_missing_project_is_a_clear_error(tmp_path: Path) -> None:
    done = vocseg("--project", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "vocseg-tui sample" in done.stderr


def test_doctor_reports_the_stack_with_fixes() -> None:
    done = vocseg("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(done.stdout)}
    assert {"Python", "torch", "mmcv version", "mmcv compiled ops", "mmseg",
            "checkpoint loading", "NVML", "tmux", "lingering"} <= checks.keys()
    assert checks["mmcv compiled ops"]["status"] == "ok"  # the set-up builds them
    assert checks["mmseg"]["status"] == "ok"
    # No driver on CI machines: NVML is a warning with a fix, never a failure.
    if checks["NVML"]["status"] != "ok":
        assert checks["NVML"]["status"] == "warn" and "CPU only" in checks["NVML"]["found"]
    assert done.returncode == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)


def test_doctor_table_is_readable() -> None:
    done = vocseg("doctor")
    assert "mmcv compiled ops" in done.stdout and "Traceback" not in done.stderr
