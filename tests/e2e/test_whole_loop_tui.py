"""The whole loop in a real terminal, tried as a new user would (issue 9, part 1).

The real `vocseg-tui` runs in tmux: keys are typed with send-keys and every step asserts on
what the screen shows (capture-pane). In between, the app is quit and the tmux server killed,
as when an SSH connection drops, and the job must carry on regardless.

The app runs in a home folder of its own, with the project at ~/sample-project as a new user's
would be, so the screens show `~/...` paths. Set VOCSEG_TOUR_DIR to keep the screens this test
saw (README's Tour is made from them), and VOCSEG_TOUR_HOME to an existing folder to use as that
home, for example one holding the checkout the test runs from, so the job's command reads
`~/vocseg-tui/.venv/bin/python ...` too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.e2e.tmux import TmuxTerminal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (make setup installs it)"),
]
# Long enough that the user can quit, reconnect and look at the curves before asking the job
# to stop after the epoch it is in (the sample trains about one epoch a second here).
EPOCHS = 30


def jobs_from_outside(project: Path) -> list[dict[str, object]]:
    done = subprocess.run([sys.executable, "-m", "vocseg_tui", "--project", str(project), "jobs",
                           "--json"], capture_output=True, text=True, check=True, timeout=60)
    return list(json.loads(done.stdout)["jobs"])


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[list[TmuxTerminal]]:
    opened: list[TmuxTerminal] = []
    yield opened
    tour = os.environ.get("VOCSEG_TOUR_DIR")
    for number, terminal in enumerate(opened):
        if tour:
            Path(tour).mkdir(parents=True, exist_ok=True)
            for index, (step, screen) in enumerate(terminal.history):
                name = f"{number}{index:02d}-{step.replace(' ', '_')}.txt"
                (Path(tour) / name).write_text(screen)
        terminal.kill_server()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The user's home folder for the app (VOCSEG_TOUR_HOME, or a fresh one)."""
    chosen = Path(os.environ.get("VOCSEG_TOUR_HOME") or tmp_path / "home")
    chosen.mkdir(exist_ok=True)
    shutil.rmtree(chosen / "sample-project", ignore_errors=True)  # a Tour run's earlier project
    return chosen


def open_app(tmp_path: Path, project: Path, terminals: list[TmuxTerminal], name: str) -> TmuxTerminal:
    terminal = TmuxTerminal(socket=tmp_path / f"tmux-{name}", width=110, height=34)
    env = {"VOCSEG_STATE_DIR": os.environ["VOCSEG_STATE_DIR"], "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", ""), "HOME": str(project.parent)}
    if "PYTHONPATH" in os.environ:  # a checkout other than the installed one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    terminal.start([sys.executable, "-m", "vocseg_tui", "--project", str(project)], env, cwd=project)
    terminals.append(terminal)
    return terminal


def test_whole_loop_in_tmux(tmp_path: Path, home: Path, terminals: list[TmuxTerminal]) -> None:
    project = home / "sample-project"
    subprocess.run([sys.executable, "-m", "vocseg_tui", "sample", str(project)], check=True,
                   capture_output=True, timeout=120)

    term = open_app(tmp_path, project, terminals, "first")
    term.wait_for("open the app", r"Incomplete: r runs what is missing")
    term.wait_for("the project shown under home", r"Data — ~/sample-project")
    term.keys("r")
    term.wait_for("prepare the data", r"Complete and verified", timeout=120)
    term.wait_for("counts", r"aug 18 · trainaug 26")

    term.keys("3")
    term.wait_for("recipe screen", r"name\s+sample_tiny")
    term.keys("Tab", "Tab", "End", "C-u")
    term.type("loop")
    term.keys("Tab", "End", "C-u")
    term.type("cpu")
    term.keys("Tab", "End", "C-u")
    term.type("2")
    term.keys("Tab", "Tab", "Tab", "End", "C-u")
    term.type(str(EPOCHS))
    term.wait_for("derived values follow", rf"total iters {13 * EPOCHS}")
    term.keys("Escape", "C-s")
    term.wait_for("save the config", r"saved\s")  # the toast wraps the long path
    assert (project / "configs" / "loop.py").is_file()

    term.keys("4")
    term.wait_for("jobs screen", r"No jobs yet")
    term.keys("n")
    term.wait_for("launch dialog", r"Launch training[\s\S]*loop\.py")
    term.keys("Tab", "Tab", "Tab", "Tab", "Enter")
    term.wait_for("launch", r"1\s+running\s+loop", timeout=60)

    term.keys("q")
    term.wait_for("quit", lambda screen: "vocseg-tui" not in screen, timeout=15)
    job = jobs_from_outside(project)[0]
    assert job["state"] == "running", job
    assert psutil.pid_exists(int(str(job["pid"]))), "training must outlive the app"
    term.kill_server()  # the SSH connection drops

    term = open_app(tmp_path, project, terminals, "second")
    term.wait_for("reopen the app", r"Incomplete|Complete")
    term.keys("4")
    term.wait_for("find the job again", r"1\s+running\s+loop\s+CPU\s+ep \d+/30")
    term.keys("l")
    term.wait_for("follow its log", r"#1 loop · running · epoch \d+/30")
    term.keys("t")
    term.wait_for("loss chart", r"loss \(smoothing")
    term.keys("4", "e")
    term.wait_for("stop after this epoch", r"1\s+stopped\s+loop", timeout=120)
    stopped_at = len(list((project / "work_dirs" / "loop").glob("epoch_*.pth")))
    assert len(list((project / "work_dirs/loop").glob("*.pth"))) > 0, "a checkpoint before stopping"

    term.keys("r")
    term.wait_for("resume", r"2\s+(queued|running|succeeded)\s+loop", timeout=60)
    term.wait_for("resumed job finishes", r"2\s+succeeded\s+loop", timeout=420)
    log = "".join(p.read_text() for p in (project / "work_dirs/loop/.vocseg").glob("job-2/*.log"))
    assert f"Epoch(train) [{EPOCHS}]" in log and "resumed epoch" in log
    assert stopped_at >= 1

    term.keys("6")
    term.wait_for("checkpoints, best marked", r"★")
    term.keys("d")
    term.wait_for("demo overlay", lambda screen: "Saved" in screen and "chelsea.png" in screen,
                  timeout=120)
    overlays = list((project / "outputs").glob("loop_*.png"))
    assert overlays and overlays[0].stat().st_size > 1000
