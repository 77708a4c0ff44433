"""What a Slurm cluster offers right now, read from a login node: partitions, their nodes and
free GPUs (`sinfo`), and the user's own queue (`squeue`).

A login node usually has no GPU of its own, so this is the GPUs screen's view of the GPUs the
user can actually get. Both commands print a `|`-separated machine format (`-O field:|`, which
Slurm 22.05 honours without truncating names); one call each, with a timeout, no shell. The
parsers are pure functions so that states a one-node test cluster cannot reach (drained nodes,
nodes in several partitions, typed GRES such as `gpu:a100:4(IDX:0-3)`) are tested on text.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vocseg_tui.core.gpus.monitor import current_user
from vocseg_tui.core.slurm.gres import allocated_gpus, gpus_in_gres
from vocseg_tui.core.slurm.runner import SlurmError, run, tools_missing

SINFO_FIELDS = ("PartitionName", "NodeList", "StateLong", "CPUsState", "Gres", "GresUsed", "Reason")
SQUEUE_FIELDS = ("JobID", "Name", "State", "Partition", "TimeUsed", "TimeLimit", "NumNodes",
                 "tres-per-node", "tres-per-job", "tres-alloc", "Reason", "NodeList")
TIMEOUT_S = 15.0
VOCSEG_PREFIX = "vocseg-"
# Where the client tools look for their configuration when SLURM_CONF is not set.
CONF_PLACES = ("/etc/slurm/slurm.conf", "/etc/slurm-llnl/slurm.conf", "/usr/local/etc/slurm.conf",
               "/run/slurm/conf/slurm.conf")
# Base states whose free GPUs a new job can get (a suffix `*` = not responding, `%` = powering off).
_USABLE = {"idle", "mixed", "allocated", "completing", "planned"}


@dataclass(frozen=True)
class SlurmNode:
    """One node as one partition sees it (a node in two partitions appears in both)."""

    name: str
    partition: str
    state: str
    cpus_alloc: int
    cpus_total: int
    gpus_total: int
    gpus_used: int
    gpu_types: tuple[str, ...] = ()
    reason: str = ""

    @property
    def usable(self) -> bool:
        """False for down, drained/draining, failing, unknown or not-responding nodes."""
        base = self.state.rstrip("*~#!%$@^-+").lower()
        return base in _USABLE and not self.state.endswith(("*", "%"))

    @property
    def gpus_free(self) -> int:
        return max(0, self.gpus_total - self.gpus_used) if self.usable else 0

    @property
    def cpus_free(self) -> int:
        return max(0, self.cpus_total - self.cpus_alloc) if self.usable else 0


@dataclass(frozen=True)
class SlurmPartition:
    name: str
    nodes: tuple[SlurmNode, ...]

    @property
    def gpus_total(self) -> int:
        return sum(n.gpus_total for n in self.nodes)

    @property
    def gpus_free(self) -> int:
        return sum(n.gpus_free for n in self.nodes)

    @property
    def most_free_on_a_node(self) -> int:
        """The largest --gpus-per-node a job could start with now."""
        return max((n.gpus_free for n in self.nodes), default=0)

    @property
    def usable_nodes(self) -> int:
        return sum(n.usable for n in self.nodes)


@dataclass(frozen=True)
class QueuedJob:
    """One of the user's jobs as squeue shows it; `reason` matters while it is PENDING."""

    job_id: str
    name: str
    state: str
    partition: str
    elapsed: str
    limit: str
    nodes: int
    gpus: int
    reason: str
    nodelist: str

    @property
    def is_vocseg(self) -> bool:
        return self.name.startswith(VOCSEG_PREFIX)


@dataclass(frozen=True)
class ClusterView:
    user: str
    partitions: tuple[SlurmPartition, ...]
    jobs: tuple[QueuedJob, ...] = field(default=())

    @property
    def gpus_total(self) -> int:
        return sum(n.gpus_total for n in self.unique_nodes())

    @property
    def gpus_free(self) -> int:
        return sum(n.gpus_free for n in self.unique_nodes())

    def unique_nodes(self) -> list[SlurmNode]:
        """Each node once, though it may belong to several partitions."""
        seen: dict[str, SlurmNode] = {}
        for partition in self.partitions:
            for node in partition.nodes:
                seen.setdefault(node.name, node)
        return list(seen.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.user, "gpus_total": self.gpus_total, "gpus_free": self.gpus_free,
            "partitions": [{"name": p.name, "gpus_total": p.gpus_total, "gpus_free": p.gpus_free,
                            "most_free_on_a_node": p.most_free_on_a_node,
                            "nodes": [{**asdict(n), "partition": p.name, "usable": n.usable,
                                       "gpus_free": n.gpus_free, "cpus_free": n.cpus_free}
                                      for n in p.nodes]} for p in self.partitions],
            "jobs": [{**asdict(j), "vocseg": j.is_vocseg} for j in self.jobs],
        }


def absent() -> SlurmError | None:
    """Why there is no Slurm to show here, with what to do (None: tools and a slurm.conf exist).

    Checked before running sinfo: without a configuration sinfo retries for a minute."""
    missing = tools_missing()
    if missing:
        return SlurmError(missing, "run vocseg-tui on the cluster's login node, where `sinfo` works")
    conf = os.environ.get("SLURM_CONF")
    if conf:
        return None if Path(conf).is_file() else SlurmError(
            f"SLURM_CONF={conf} is not a file", "point SLURM_CONF at the cluster's slurm.conf, or unset it")
    if any(Path(place).is_file() for place in CONF_PLACES):
        return None
    return SlurmError("Slurm's tools are installed, but there is no slurm.conf here "
                              f"({', '.join(CONF_PLACES[:2])})",
                              "set SLURM_CONF to the cluster's slurm.conf to see the cluster")


def _int(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def parse_sinfo(text: str) -> tuple[SlurmPartition, ...]:
    """Partitions in sinfo's order from `sinfo -N -h -O <SINFO_FIELDS with :|>` lines."""
    by_partition: dict[str, list[SlurmNode]] = {}
    for line in text.splitlines():
        cells = line.split("|")
        if len(cells) < len(SINFO_FIELDS):
            continue
        partition, name, state, cpus, gres, used, reason = (c.strip() for c in cells[:len(SINFO_FIELDS)])
        alloc, _idle, _other, total = ([*cpus.split("/"), "0", "0", "0", "0"])[:4]
        gpus_total, types = gpus_in_gres(gres)
        node = SlurmNode(name, partition, state, _int(alloc), _int(total), gpus_total, gpus_in_gres(used)[0],
                         types, "" if reason.lower() in ("none", "(null)") else reason)
        by_partition.setdefault(partition, []).append(node)
    return tuple(SlurmPartition(name, tuple(nodes)) for name, nodes in by_partition.items())


def parse_squeue(text: str) -> tuple[QueuedJob, ...]:
    """Jobs from `squeue -h -O <SQUEUE_FIELDS with :|>` lines."""
    jobs = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < len(SQUEUE_FIELDS):
            continue
        job_id, name, state, partition, used, limit, nodes, per_node, per_job, alloc, reason, where = \
            cells[:len(SQUEUE_FIELDS)]
        allocated = allocated_gpus(alloc)
        if allocated is not None:  # when accounting tracks gres/gpu: exactly what the job holds
            gpus = allocated
        else:  # what it asked for: per node times nodes, or per job
            gpus = gpus_in_gres(per_node.replace("gres:", "").replace("gres/", ""))[0] * max(1, _int(nodes)) \
                or gpus_in_gres(per_job.replace("gres:", "").replace("gres/", ""))[0]
        jobs.append(QueuedJob(job_id, name, state, partition, used, limit, _int(nodes), gpus,
                              "" if reason == "None" else reason, where))
    return tuple(jobs)


def read_cluster(user: str | None = None, timeout: float = TIMEOUT_S) -> ClusterView:
    """The cluster now: one `sinfo` and one `squeue` call. Raises SlurmError."""
    missing = absent()
    if missing is not None:
        raise missing
    user = user or current_user()
    node_format = ",".join(f"{name}:|" for name in SINFO_FIELDS)
    job_format = ",".join(f"{name}:|" for name in SQUEUE_FIELDS)
    partitions = parse_sinfo(run(["sinfo", "-N", "-h", "-O", node_format], timeout, check=True).stdout)
    jobs = parse_squeue(run(["squeue", "-h", "-u", user, "-O", job_format], timeout, check=True).stdout)
    return ClusterView(user, partitions, jobs)


@dataclass(frozen=True)
class PartitionGpus:
    """What the launch checks options against: the partitions and the GPUs one node can give."""

    most_per_node: dict[str, int]
    """Partition -> the most GPUs (GRES) any one of its nodes has."""
    default: str | None = None

    def most(self, partition: str | None) -> int:
        """The most GPUs per node in `partition` (the default one when None)."""
        name = partition or self.default
        if name is None:
            return max(self.most_per_node.values(), default=0)
        return self.most_per_node.get(name, 0)

    def with_gpus(self) -> list[str]:
        return [name for name, most in self.most_per_node.items() if most > 0]


def parse_partition_gpus(text: str) -> PartitionGpus:
    """From `sinfo -h -o %P|%G` lines (one per partition and GRES kind; `*` marks the default)."""
    most: dict[str, int] = {}
    default = None
    for line in text.splitlines():
        name, _, gres = line.strip().partition("|")
        if not name:
            continue
        if name.endswith("*"):
            name = name.rstrip("*")
            default = name
        most[name] = max(most.get(name, 0), gpus_in_gres(gres.strip())[0])
    return PartitionGpus(most, default)


def partition_gpus(timeout: float = TIMEOUT_S) -> PartitionGpus:
    """One `sinfo` call. Raises SlurmError."""
    return parse_partition_gpus(run(["sinfo", "-h", "-o", "%P|%G"], timeout, check=True).stdout)
