"""The architecture's promises, checked the same way on every machine."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "mmengine", "mmcv", "mmseg")


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a dev dependency; run `make setup`"
    done = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_core_imports_without_textual_rich_or_training_stack() -> None:
    code = (
        "import importlib, pkgutil, sys, vocseg_tui.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'vocseg_tui.core.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = [m for m in ('textual', 'rich', *{HEAVY!r}) if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_opening_every_screen_leaves_the_training_stack_unloaded(tmp_path: Path) -> None:
    """The UI process must never pay torch's 1 s and 270 MB, nor mmseg's 2.5 s and 460 MB."""
    code = f"""
import asyncio, sys
from vocseg_tui.core.project import Project
from vocseg_tui.core.sample import create_sample
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens import AREAS

async def main():
    create_sample({str(tmp_path / 'p')!r})
    app = make_app(Project.open({str(tmp_path / 'p')!r}))
    async with app.run_test(size=(120, 40)) as pilot:
        for area in AREAS:
            await pilot.press(area.key)
            await pilot.pause()
            assert app.current_mode == area.mode, (app.current_mode, area.mode)
        await pilot.press("question_mark")
        await pilot.pause()
    print(",".join(m for m in {HEAVY!r} if m in sys.modules))

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1:] in ([], [""]), done.stdout
