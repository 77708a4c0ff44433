"""The Slurm launch back end: Slurm schedules and runs the training; this side submits, asks and
cancels (through core/slurm, which knows nothing of the registry).

No supervisor of ours runs: `submit` writes the plan's batch script into the job's folder (kept,
so the user can read what ran and resubmit it by hand) and runs `sbatch`; the Slurm job id and
the script are the back end's record of the job (`SlurmBackend.record`); `state` asks Slurm
(squeue/scontrol, then sacct or the job completion log) and writes what it says in the registry.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vocseg_tui.core.fsutil import write_text_atomic
from vocseg_tui.core.jobs.base import LaunchBackend
from vocseg_tui.core.jobs.errors import LaunchRefused
from vocseg_tui.core.jobs.notices import announce_detached
from vocseg_tui.core.jobs.paths import STOP_FILE_ENV, STOPPED_MARKER_ENV
from vocseg_tui.core.jobs.plan import Allocation, LaunchPlan
from vocseg_tui.core.jobs.registry import Job
from vocseg_tui.core.jobs.states import ACTIVE_STATES, STOPPED_EXIT, JobState
from vocseg_tui.core.slurm import control
from vocseg_tui.core.slurm.batch import DIRECTIVES, BatchSpec, batch_script, time_limit_s
from vocseg_tui.core.slurm.cluster import PartitionGpus, partition_gpus
from vocseg_tui.core.slurm.runner import SlurmError, tools_missing
from vocseg_tui.core.slurm.states import to_local

DEFAULT_RESUBMITS = 5
"""Automatic resubmissions at the time limit: a 60-epoch R50 run on 2 GPUs needs 2-3 days."""
MAX_RESUBMITS = 50
_COUNTS = (("nodes", "--nodes", 1), ("gpus_per_node", "--gpus-per-node", 0),
           ("cpus_per_task", "--cpus-per-task", 1))
"""Whole-number options: key, flag, smallest value."""


@dataclass(frozen=True)
class SlurmRecord:
    """What the back end recorded about a job ("" before sbatch answered)."""

    job_id: str = ""
    batch_script: str = ""


class SlurmBackend(LaunchBackend):
    name = "slurm"
    description = "submitted to Slurm with sbatch (run from the cluster's login node)"
    offered_in_ui = False  # the launch dialog does not ask for partition, nodes, GPUs per node
    records_state = True

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return tools_missing()

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("Slurm (with --backend slurm; checked against sinfo)")
        group.add_argument("--partition", default=None)
        group.add_argument("--nodes", type=int, default=None)
        group.add_argument("--gpus-per-node", type=int, default=None,
                           help="one task per GPU, nccl, mmengine's Slurm launcher (default: CPU tasks)")
        group.add_argument("--cpus-per-task", type=int, default=None,
                           help="CPU cores per task, for its data workers (passed to srun too)")
        group.add_argument("--time", default=None, metavar="HH:MM:SS",
                           help="time limit; before it, the job saves its epoch and resubmits itself "
                                "(--resume)")
        group.add_argument("--max-resubmits", type=int, default=None, metavar="N",
                           help="with --time: automatic resubmissions at the time limit "
                                "(default 5, 0: never)")
        group.add_argument("--account", default=None)
        group.add_argument("--qos", default=None)

    @classmethod
    def options_from_args(cls, args: argparse.Namespace) -> dict[str, Any]:
        given = {"partition": args.partition, "nodes": args.nodes, "gpus_per_node": args.gpus_per_node,
                 "cpus_per_task": args.cpus_per_task, "time": args.time, "account": args.account,
                 "qos": args.qos, "resubmits": args.max_resubmits}
        return {key: value for key, value in given.items() if value not in (None, "")}

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, Any]:
        """Ranges and forms first, then what the cluster can give (one `sinfo` call)."""
        known = {key for key, _, _ in _COUNTS} | set(DIRECTIVES) | {"resubmits"}
        unknown = sorted(set(options) - known)
        if unknown:
            raise LaunchRefused(f"unknown Slurm option(s): {', '.join(unknown)}",
                                f"use {', '.join(sorted(known))}")
        for key, flag, least in _COUNTS:
            if key in options and int(options[key]) < least:
                raise LaunchRefused(f"{flag} {options[key]} is out of range", f"use {least} or more")
        resubmits = options.get("resubmits")
        if resubmits is not None and not 0 <= int(resubmits) <= MAX_RESUBMITS:
            raise LaunchRefused(f"--max-resubmits {resubmits} is out of range",
                                f"use 0 (never) to {MAX_RESUBMITS}")
        if options.get("time") and time_limit_s(str(options["time"])) is None:
            raise LaunchRefused(f"--time {options['time']!r} is not a time limit",
                                "write HH:MM:SS or D-HH:MM:SS")
        cls._check_cluster(options)
        checked = dict(options)
        if checked.get("time"):
            checked.setdefault("resubmits", DEFAULT_RESUBMITS)
        return checked

    @classmethod
    def _check_cluster(cls, options: dict[str, Any]) -> None:
        if not options.get("partition") and not options.get("gpus_per_node"):
            return
        try:
            cluster = partition_gpus()
        except SlurmError as error:
            raise LaunchRefused(error.message, "check that slurmctld is reachable (`sinfo`)") from error
        cls.check_against(options, cluster)

    @staticmethod
    def check_against(options: dict[str, Any], cluster: PartitionGpus) -> None:
        """The partition exists and a node of it has the GPUs asked for."""
        partition = options.get("partition")
        wanted = int(options.get("gpus_per_node") or 0)
        if partition and partition not in cluster.most_per_node:
            raise LaunchRefused(f"Slurm has no partition {partition!r}",
                                f"use one of: {', '.join(cluster.most_per_node) or '(none)'} (see `sinfo`)")
        if not wanted:
            return
        most = cluster.most(partition)
        named = partition or cluster.default
        where = f"partition {named}" if named else "this cluster"
        if most == 0:
            others = cluster.with_gpus()
            raise LaunchRefused(f"{wanted} GPU(s) per node asked, but {where} has no GPUs "
                                "(sinfo lists no gpu GRES)",
                                f"use a partition with GPUs: {', '.join(others)}" if others else
                                "this cluster lists no GPUs: drop --gpus-per-node to train on CPU tasks")
        if wanted > most:
            raise LaunchRefused(f"{wanted} GPUs per node asked, but a node of {where} has at most {most}",
                                "lower --gpus-per-node, or use more --nodes (see `sinfo -o '%P %G'`)")

    @classmethod
    def allocation(cls, options: dict[str, Any]) -> Allocation:
        cpus = options.get("cpus_per_task")
        return Allocation(nodes=int(options.get("nodes") or 1),
                          gpus_per_node=int(options.get("gpus_per_node") or 0),
                          cpus_per_task=int(cpus) if cpus else None,
                          directives={k: str(options[k]) for k in DIRECTIVES if options.get(k)})

    @staticmethod
    def record(job: Job) -> SlurmRecord:
        data = job.backend_data
        return SlurmRecord(str(data.get("slurm_job_id", "")), str(data.get("batch_script", "")))

    @classmethod
    def prefetch(cls, jobs: list[Job]) -> None:
        if jobs and not tools_missing():
            control.prefetch([cls.record(job).job_id for job in jobs])

    def submit(self, job: Job, plan: LaunchPlan | None = None) -> Job:
        """sbatch the plan's script; without a plan (a bare command) a script around job.command."""
        job.paths.create()
        script = job.paths.folder / "sbatch.sh"
        text = plan.script if plan is not None and plan.script else self._bare_script(job)
        write_text_atomic(script, text)
        slurm_id = control.submit(script)
        command = list(plan.argv) if plan is not None else ["srun", *job.command]
        self.registry.update(job.id, waiting_for="Slurm: submitted", command=command,
                             backend_data={**job.backend_data, "slurm_job_id": slurm_id,
                                           "batch_script": str(script)})
        return self.registry.get(job.id)

    @staticmethod
    def _bare_script(job: Job) -> str:
        exports = {**job.env, STOP_FILE_ENV: str(job.paths.stop_after_epoch_request),
                   STOPPED_MARKER_ENV: str(job.paths.stopped_marker)}
        return batch_script(BatchSpec(name=job.name, log=str(job.paths.log), cwd=job.cwd,
                                      task=("srun", *job.command),
                                      stop_request=str(job.paths.stop_after_epoch_request),
                                      time_limit_marker=str(job.paths.time_limit_marker), exports=exports))

    def training_runs(self, job: Job) -> bool:
        """Never read here: the training runs on the cluster's nodes, and Slurm ends it with
        the allocation (a recorded pid is another machine's)."""
        return False

    def state(self, job: Job) -> JobState:
        if not job.state.is_active:
            return job.state
        slurm_id = self.record(job).job_id
        if not slurm_id:
            return self.unless_never_started(job)
        if tools_missing():
            return job.state  # e.g. read from a machine outside the cluster: unknown, not lost
        try:
            status = control.query(slurm_id)
        except SlurmError:
            return job.state  # slurmctld unreachable for a moment: ask again on the next refresh
        if status is None:
            return JobState.LOST  # left the queue and no record of its end anywhere
        word, text = to_local(status, job.paths.stopped_marker.exists(), STOPPED_EXIT)
        state = JobState(word)
        values: dict[str, object] = {"state": state}
        if state is JobState.QUEUED:
            values["waiting_for"] = text
        elif state is JobState.RUNNING:
            values.update(waiting_for="", started_at=job.started_at or time.time())
        else:
            values.update(waiting_for="", ended_at=time.time(), exit_code=status.exit_code, failure=text)
        if any(getattr(job, key) != value for key, value in values.items()):  # no write when unchanged
            recorded = self.registry.update(job.id, only_if_state=ACTIVE_STATES, **values)
            if recorded and state.ended:  # the reader that recorded the end tells, once
                announce_detached(self.registry, self.registry.get(job.id), state.value)
        return state

    def stop(self, job: Job) -> None:
        control.cancel(self.record(job).job_id)

    def stop_after_epoch(self, job: Job) -> None:
        """The request file (shared file system) and SIGUSR1 to the batch shell, which touches it.
        The user's stop wins over the time limit's: the run does not continue in a new job."""
        super().stop_after_epoch(job)
        job.paths.time_limit_marker.unlink(missing_ok=True)
        if job.state is JobState.RUNNING:
            control.cancel(self.record(job).job_id, usr1_to_batch=True)

    def details(self, job: Job) -> list[str]:
        record = self.record(job)
        return [f"Slurm job {record.job_id}; batch script: {record.batch_script}"] if record.job_id else []

    def device_label(self, job: Job) -> str:
        allocation = self.allocation(job.options.get("backend_options", {}))
        if allocation.gpus_per_node:
            return f"Slurm {allocation.nodes}x{allocation.gpus_per_node} GPU"
        nproc = int(job.options.get("nproc", 1))
        return "Slurm CPU" + (f" x{nproc}" if nproc > 1 else "")

    def log_path(self, job: Job) -> Path:
        return job.paths.log  # the batch script's --output
