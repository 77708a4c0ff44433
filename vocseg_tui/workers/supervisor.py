"""The job supervisor: waits in the queue, runs the training as its child, records the end.

    python -m vocseg_tui.workers.supervisor --job ID --registry PATH [--tee]

Started by a launch back end detached from any terminal (its own session, stdin /dev/null,
output to the job log), so it outlives the TUI or CLI that started it, SIGHUP of the SSH
session (ignored here too) and a dying tmux server. It never imports torch: it is small and
cheap, and the training runs in its own process group so stop signals reach every rank
(torchrun's agent and its workers) and nothing else.

The training dies with its supervisor: it is started with PR_SET_PDEATHSIG (SIGTERM), so a
supervisor killed by SIGKILL or the OOM killer takes it along (torchrun's agent passes the
SIGTERM on to its workers) instead of leaving it training, re-parented to init, in a work dir
the registry calls `lost`. The signal follows the thread that started the training, which is
this process's main thread. What PDEATHSIG cannot cover is read from the process table
(core/jobs/orphans.py): such a job shows as `orphaned` and `stop` works on it.

It is the only writer of its job's row after launch: pid and start time of itself and of the
training, `running`, then the exit code or signal, the end time, the state and a one-line
failure summary. A failure worth retrying (killed, NCCL timeout) starts a resumed attempt
while retries are left. Stop requests arrive as files (see JobPaths) or SIGTERM/SIGINT to the
supervisor; they are forwarded as SIGINT to the training's process group, then SIGTERM, then
SIGKILL after timeouts.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.jobs.best_watch import BestWatch
from vocseg_tui.core.jobs.early_stop import early_stop_summary
from vocseg_tui.core.jobs.errors import JobError
from vocseg_tui.core.jobs.failure import summarize, worth_retrying
from vocseg_tui.core.jobs.launch import environment_for, plan_for, resume, retries_left
from vocseg_tui.core.jobs.lineage import record_saved
from vocseg_tui.core.jobs.notices import CAP_S, notify_job
from vocseg_tui.core.jobs.procs import die_with_parent, start_time
from vocseg_tui.core.jobs.queue import QueueRule, StableWindow, decide
from vocseg_tui.core.jobs.registry import Job, Registry
from vocseg_tui.core.jobs.states import STOPPED_EXIT, JobState
from vocseg_tui.core.notify.config import wanted

POLL_S = 0.5
BEST_EVERY_S = float(os.environ.get("VOCSEG_BEST_EVERY_S", "10"))
"""How often a running job's scalars are looked at for a new best mIoU (the `best` event)."""
QUEUE_POLL_S = float(os.environ.get("VOCSEG_QUEUE_POLL_S", "2.0"))
STOP_TIMEOUTS_S = (float(os.environ.get("VOCSEG_SIGINT_TIMEOUT_S", "30")),
                   float(os.environ.get("VOCSEG_SIGTERM_TIMEOUT_S", "15")))
"""How long the training gets after SIGINT, then after SIGTERM, before SIGKILL."""


class Supervisor:
    def __init__(self, registry: Registry, job: Job, tee: bool) -> None:
        self.registry = registry
        self.job = job
        self.tee = tee
        self.paths = job.paths
        self.signalled_stop = False
        self._console_ok = tee
        self._started_notice: threading.Thread | None = None
        self._best: BestWatch | None = None
        self._best_notices: list[threading.Thread] = []

    # --- output -------------------------------------------------------------------------
    def say(self, message: str) -> None:
        line = f"[vocseg supervisor {time.strftime('%Y-%m-%d %H:%M:%S')}] job {self.job.id}: {message}\n"
        if self.tee:
            with open(self.paths.log, "a", encoding="utf-8") as log:
                log.write(line)
        self._console(line.encode())
        if not self.tee:
            sys.stdout.flush()

    def _console(self, data: bytes) -> None:
        """In tee mode the console is the tmux pane; when tmux dies, writing fails: go on."""
        if not self._console_ok and self.tee:
            return
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except (OSError, ValueError):
            self._console_ok = False

    def _pump(self, pipe: IO[bytes]) -> None:
        with open(self.paths.log, "ab", buffering=0) as log:
            while chunk := os.read(pipe.fileno(), 65536):
                log.write(chunk)
                self._console(chunk)

    # --- stop requests ------------------------------------------------------------------
    def on_signal(self, signum: int, frame: Any) -> None:
        self.signalled_stop = True

    def stop_requested(self) -> bool:
        return self.signalled_stop or self.paths.stop_request.exists()

    # --- queue --------------------------------------------------------------------------
    def rule(self) -> QueueRule | None:
        """What the job waits for: its queue rule; on CPU the other CPU jobs of ours (they run
        one at a time); nothing for GPUs given without --queue (checked at launch)."""
        if self.job.queue:
            return QueueRule.from_json(self.job.queue)
        return None if self.job.gpus else QueueRule()

    def wait_in_queue(self) -> bool:
        """Wait until the queue rule allows a start; False if stopped while waiting."""
        rule = self.rule()
        if rule is None:
            if self.stop_requested():
                return False
            with self._queue_lock():
                self._start_training(None)
            return True
        window = StableWindow(rule.stable_s if rule.wants_gpus else 0.0)
        shown = None
        while True:
            if self.stop_requested():
                return False
            with self._queue_lock():
                decision = decide(rule, self.job, self.registry)
                if window.update(decision):
                    picked = DeviceChoice(decision.gpus, decision.uuids) if rule.wants_gpus else None
                    self._start_training(picked)
                    return True
            waiting = decision.waiting_for or f"{rule.describe()} to stay free for {rule.stable_s:g}s"
            if waiting != shown:
                self.registry.update(self.job.id, waiting_for=waiting)
                self.say(f"queued: waiting for {waiting}")
                shown = waiting
            time.sleep(QUEUE_POLL_S)

    @contextlib.contextmanager
    def _queue_lock(self) -> Any:
        """Deciding and starting is atomic across supervisors: two never grab the same GPU."""
        with open(self.registry.path.parent / "queue.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- training -----------------------------------------------------------------------
    def _start_training(self, devices: DeviceChoice | None) -> None:
        """Plan the training now (the launch contract: the GPUs the queue picked, pinned by UUID,
        one process per GPU, a master port free now) and start it."""
        job = self.job
        plan = plan_for(job, self.registry, devices)
        if devices is not None:
            job.gpus, job.gpu_uuids = list(devices.indices), list(devices.uuids)
        job.command, job.env = list(plan.argv), dict(plan.env)
        self.say(f"starting ({plan.nproc} process(es), backend {plan.backend or 'none'}): "
                 + " ".join(job.command))
        output: Any = subprocess.PIPE if self.tee else open(self.paths.log, "ab")  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                job.command, cwd=job.cwd, env=environment_for(job, plan), stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
                preexec_fn=die_with_parent(signal.SIGTERM))
        finally:
            if not self.tee:
                output.close()
        pid = self.process.pid
        self.registry.update(job.id, state=JobState.RUNNING, started_at=time.time(), train_pid=pid,
                             train_started=start_time(pid), gpus=job.gpus, gpu_uuids=job.gpu_uuids,
                             env=job.env, command=job.command, waiting_for="")
        if wanted("best"):  # a channel asks for a new best mIoU: watch the run's validations
            self._best = BestWatch(Path(job.work_dir))
        if self.tee and self.process.stdout is not None:
            self.pump = threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True)
            self.pump.start()
        if devices is not None:  # the queue gave it its GPUs; the watch (stop requests) goes on
            self._started_notice = threading.Thread(target=self.notify, args=("started",),
                                                    daemon=True, name="notify-started")
            self._started_notice.start()

    def watch(self) -> int:
        """Wait for the training to end, forwarding a stop request; its returncode."""
        escalation = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
        deadline: float | None = None
        next_best = time.monotonic() + BEST_EVERY_S
        while True:
            try:
                return self.process.wait(timeout=POLL_S)
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if self._best is not None and now >= next_best:
                next_best = now + BEST_EVERY_S
                self._maybe_announce_best(self._best)
            if self.stop_requested() and (deadline is None or now >= deadline) and escalation:
                sent = escalation.pop(0)
                self.say(f"stop requested: sending {sent.name} to the training's process group")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, sent)
                timeouts = STOP_TIMEOUTS_S
                deadline = now + (timeouts[0] if sent == signal.SIGINT else timeouts[1])

    def finish(self, returncode: int | None) -> JobState:
        self._end_leftovers()
        signal_number = -returncode if returncode is not None and returncode < 0 else None
        exit_code = 128 + signal_number if signal_number else returncode
        kind, failure = "", ""
        if returncode == STOPPED_EXIT or (returncode == 0 and self.paths.stopped_marker.exists()):
            state = JobState.STOPPED
        elif returncode == 0:
            state = JobState.SUCCEEDED
            failure = early_stop_summary(self.paths.log, Path(self.job.work_dir))
        elif self.stop_requested():
            state = JobState.STOPPED
        elif returncode is None:
            state = JobState.STOPPED  # stopped while queued: nothing ran
        else:
            state = JobState.FAILED
            kind, failure = summarize(self.paths.log, exit_code)
        if getattr(self, "pump", None) is not None:
            self.pump.join(timeout=5)
        # The registry first: it is the record everyone reads, and it needs no space in the work
        # dir, whose disk may be the one that is full. The file and the log line come after,
        # and a full disk (ENOSPC) there loses nothing.
        self.registry.update(self.job.id, state=state, exit_code=exit_code, signal=signal_number,
                             ended_at=time.time(), failure=failure, waiting_for="")
        with contextlib.suppress(VocsegError):  # which checkpoints this attempt wrote: its run's
            record_saved(self.registry, self.job)  # resume never picks another run's (lineage.py)
        with contextlib.suppress(OSError):
            if exit_code is not None:
                try:
                    write_text_atomic(self.paths.exit_code, f"{exit_code}\n")
                except OSError as error:
                    self.say(f"could not write {self.paths.exit_code} ({error.strerror or error}); "
                             "the exit code is in the registry")
            code = f" (exit code {exit_code})" if exit_code is not None else ""
            self.say(f"finished: {state.value}{code}" + (f": {failure}" if failure else ""))
        if state is JobState.FAILED:
            with contextlib.suppress(OSError):  # what it says goes to the log, on that same disk
                self.maybe_retry(kind, signal_number)
        for earlier in [self._started_notice, *self._best_notices]:  # those first, never at once
            if earlier is not None:
                earlier.join(CAP_S)
        self.notify("diverged" if kind == "diverged" else state.value)
        return state

    def _maybe_announce_best(self, watch: BestWatch) -> None:
        """A new best mIoU is sent in the background: the watch (stop requests) goes on."""
        with contextlib.suppress(OSError):  # a scalars file that vanished: nothing new
            if watch.check() is None:
                return
            sending = threading.Thread(target=self.notify, args=("best",), daemon=True, name="notify-best")
            self._best_notices.append(sending)
            sending.start()

    def notify(self, event: str) -> None:
        """Send `event` with the job as the registry has it now (bounded; failures go to the
        log and to notify.json, never to the job)."""
        try:
            job = self.registry.get(self.job.id)
        except VocsegError as error:
            self.say(f"no notification ({event}): cannot read the job ({error.message})")
            return
        with contextlib.suppress(OSError):  # a full disk: the log line is lost, not the job
            notify_job(job, event, self.say)

    def _end_leftovers(self) -> None:
        """What the training left in its process group (data loader workers of a killed rank)
        goes with it, so nothing still writes the work dir once the end is recorded (a resume
        checks that nothing does)."""
        process = getattr(self, "process", None)
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    def maybe_retry(self, kind: str, signal_number: int | None) -> None:
        job = self.registry.get(self.job.id)
        if retries_left(job) <= 0:
            return
        if not worth_retrying(kind, signal_number):
            self.say(f"not retrying: this failure ({kind}) would happen again")
            return
        try:
            child = resume(job.id, self.registry, retry=True)
        except JobError as error:
            self.say(f"cannot retry: {error}")
            return
        self.say(f"retrying as job {child.id} (attempt {child.attempt}) from {child.resume_from}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--job", type=int, required=True)
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--tee", action="store_true", help="also copy the output to the console (tmux)")
    parser.add_argument("--daemonize", action="store_true",
                        help="fork and let the parent exit at once (the launcher waits for it)")
    args = parser.parse_args(argv)
    if args.daemonize and os.fork():
        # The launcher waits for this parent only: the supervisor below is re-parented to init,
        # so it is nobody's zombie, and as a non-leader of its session it can never acquire a
        # controlling terminal (the classic double fork).
        os._exit(0)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the SSH session or tmux going away is no reason
    registry = Registry(args.registry)
    job = registry.get(args.job)
    me = os.getpid()
    registry.update(job.id, supervisor_pid=me, supervisor_started=start_time(me))
    supervisor = Supervisor(registry, job, args.tee)
    signal.signal(signal.SIGTERM, supervisor.on_signal)
    signal.signal(signal.SIGINT, supervisor.on_signal)
    try:
        if not supervisor.wait_in_queue():
            supervisor.finish(None)
            return 0
        supervisor.finish(supervisor.watch())
    except Exception as error:  # record it: a supervisor must never leave a job `running`
        registry.update(job.id, state=JobState.FAILED, ended_at=time.time(),
                        failure=f"supervisor error: {type(error).__name__}: {error}")
        supervisor.notify("failed")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
