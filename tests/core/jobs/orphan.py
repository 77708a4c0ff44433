"""A training that outlives its supervisor the way an older version (started without
PR_SET_PDEATHSIG) left one: a real process whose command line names its work dir as
tools/train.py's does, and whose real supervisor was killed with SIGKILL, so the training is
re-parented to init exactly as after a crash. Shared by the core, CLI and Jobs screen tests.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from vocseg_tui.core.jobs import JobState, Registry
from vocseg_tui.core.jobs.procs import is_alive, start_time

OLD_SUPERVISOR = textwrap.dedent("""
    import signal, subprocess, sys
    training = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()", "tools/train.py",
                                 sys.argv[1], "--work-dir", sys.argv[2]], start_new_session=True)
    print(training.pid, flush=True)
    signal.pause()  # until the test's SIGKILL
""")
"""A supervisor as it was before PR_SET_PDEATHSIG: its training does not die with it."""


class Orphan:
    """A registered `running` job whose supervisor was SIGKILLed while its training runs on."""

    def __init__(self, registry: Registry, work_dir: Path, config: Path, cwd: Path) -> None:
        work_dir.mkdir(parents=True, exist_ok=True)
        supervisor = subprocess.Popen([sys.executable, "-c", OLD_SUPERVISOR, str(config), str(work_dir)],
                                      stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert supervisor.stdout is not None
        self.pid = int(supervisor.stdout.readline())
        self.started = start_time(self.pid)
        self.job = registry.add(name="sample_tiny", config=str(config), work_dir=str(work_dir),
                                cwd=str(cwd), backend="local", state=JobState.RUNNING,
                                supervisor_pid=supervisor.pid, supervisor_started=start_time(supervisor.pid),
                                train_pid=self.pid, train_started=self.started)
        supervisor.send_signal(signal.SIGKILL)
        supervisor.wait()

    def running(self) -> bool:
        return is_alive(self.pid, self.started)

    def end(self) -> None:
        if self.running():
            psutil.Process(self.pid).kill()
