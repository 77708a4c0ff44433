"""Opening the app loads what its first screen shows and nothing else (bench/startup.py).

The child opens the app exactly as `vocseg-tui --project DIR` does (`cli.main`), with only
`App.run` wrapped to run headless and report, at the first frame, the project and theme the app
got and every module loaded by then.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from vocseg_tui.core.project import Project

FIRST_FRAME = """
import json, sys
from textual.app import App

async def report(pilot):
    await pilot.pause()
    app = pilot.app
    print(json.dumps({"project": str(app.project.root), "theme": app.theme, "mode": app.current_mode,
                      "modules": sorted(sys.modules)}))
    app.exit()

run = App.run
App.run = lambda self, *a, **k: run(self, headless=True, size=(80, 24), auto_pilot=report)
from vocseg_tui.cli import main
raise SystemExit(main(sys.argv[1:]))
"""

NOT_BEFORE_THE_FIRST_FRAME = (
    # the training stack and the numeric libraries (the Demo, Logs and GPUs screens use them)
    "torch", "mmengine", "mmcv", "mmseg", "numpy", "PIL", "scipy",
    "textual_image", "textual_plotext", "plotext", "pynvml", "psutil", "sqlite3",
    # the other areas and the headless commands
    "vocseg_tui.core.jobs", "vocseg_tui.core.gpus", "vocseg_tui.core.slurm",
    "vocseg_tui.core.recipe", "vocseg_tui.core.logs", "vocseg_tui.core.checkpoints",
    "vocseg_tui.core.sample", "vocseg_tui.workers",
    "vocseg_tui.tui.screens.gpus", "vocseg_tui.tui.screens.recipe", "vocseg_tui.tui.screens.jobs",
    "vocseg_tui.tui.screens.logs", "vocseg_tui.tui.screens.checkpoints",
    "vocseg_tui.tui.screens.demo", "vocseg_tui.tui.screens.help",
    "vocseg_tui.cli.jobs", "vocseg_tui.cli.gpus", "vocseg_tui.cli.recipe", "vocseg_tui.cli.doctor",
)


def open_first_frame(*argv: str, cwd: Path | None = None) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME, *argv], cwd=cwd, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_first_frame_loads_only_what_the_data_screen_shows(sample_project: Project) -> None:
    report = open_first_frame("--project", str(sample_project.root))
    assert report["mode"] == "data"
    modules = report["modules"]
    assert isinstance(modules, list)
    loaded = [name for name in NOT_BEFORE_THE_FIRST_FRAME
              if any(m == name or m.startswith(name + ".") for m in modules)]
    assert loaded == []
    assert "vocseg_tui.tui.screens.data" in modules  # the check looks at a real first frame


def test_the_app_path_still_parses_the_global_options(sample_project: Project, tmp_path: Path) -> None:
    report = open_first_frame("--theme", "light", "--project", str(sample_project.root), cwd=tmp_path)
    assert report["project"] == str(sample_project.root)
    assert report["theme"] == "textual-light"
    abbreviated = open_first_frame("--proj", str(sample_project.root), cwd=tmp_path)
    assert abbreviated["project"] == str(sample_project.root)
    here = open_first_frame(cwd=sample_project.root)
    assert Path(str(here["project"])).resolve() == sample_project.root.resolve()
