"""`vocseg-tui [--project DIR] [--theme T]` opens the app without building the commands' parser;
everything else still meets the full parser and its errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vocseg_tui.cli import opens_app


def test_global_options_alone_open_the_app() -> None:
    args = opens_app(["--project", "runs/a", "--theme=light"])
    assert args is not None
    assert (args.project, args.theme, args.command) == ("runs/a", "light", None)
    assert opens_app([]) is not None


@pytest.mark.parametrize("argv", [["jobs"], ["--project", "p", "jobs", "--json"], ["--help"], ["-h"],
                                  ["--version"], ["--theme", "blue"], ["--project"], ["--bogus"]])
def test_anything_else_goes_to_the_full_parser(argv: list[str]) -> None:
    assert opens_app(argv) is None


def test_a_bad_global_option_is_still_a_usage_error() -> None:
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", "--theme", "blue"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert "invalid choice: 'blue'" in done.stderr and "Traceback" not in done.stderr


def test_version_still_answers() -> None:
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", "--version"],
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("vocseg-tui ")
