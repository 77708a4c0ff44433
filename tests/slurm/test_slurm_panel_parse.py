"""sinfo/squeue lines a one-node test cluster cannot produce, in the format the panel asks for:
nodes in two partitions, drained and not-responding nodes, typed GRES with indices, MIG types,
and GPUs asked per job rather than per node."""

from __future__ import annotations

from vocseg_tui.core.slurm.cluster import ClusterView, parse_sinfo, parse_squeue

# sinfo -N -h -O PartitionName:|,NodeList:|,StateLong:|,CPUsState:|,Gres:|,GresUsed:|,Reason:|
SINFO = """\
gpu|g001|mixed|16/48/0/64|gpu:a100:4(S:0-1)|gpu:a100:3(IDX:0-2)|none|
gpu|g002|drained|0/0/64/64|gpu:a100:4(S:0-1)|gpu:a100:0(IDX:N/A)|bad GPU 2|
gpu|g003|idle*|0/64/0/64|gpu:a100:4(S:0-1)|gpu:a100:0(IDX:N/A)|Not responding|
gpu|g004|mixed|8/56/0/64|gpu:3g.20gb:2(S:0),gpu:a100:2(S:1)|gpu:3g.20gb:1(IDX:0),gpu:a100:0(IDX:N/A)|none|
long|g001|mixed|16/48/0/64|gpu:a100:4(S:0-1)|gpu:a100:3(IDX:0-2)|none|
cpu|c001|allocated|128/0/0/128|(null)|(null)|none|
"""

# squeue -h -O JobID:|,Name:|,State:|,Partition:|,TimeUsed:|,TimeLimit:|,NumNodes:|,tres-per-node:|,
#              tres-per-job:|,tres-alloc:|,Reason:|,NodeList:|
SQUEUE = """\
812|vocseg-r50-2|RUNNING|gpu|1:02:03|1-00:00:00|2|gres/gpu:4|N/A|cpu=16,mem=64G,node=2,billing=16,gres/gpu=8|None|g[001-002]|
813|notebook|PENDING|gpu|0:00|4:00:00|1|N/A|gres/gpu:2|cpu=1,node=1,billing=1|QOSMaxGRESPerUser||
814_[1-3]|sweep|PENDING|long|0:00|UNLIMITED|1|gres:gpu:a100:1|N/A|cpu=1,node=1|Priority||
"""


def test_free_gpus_count_only_usable_nodes_and_each_node_once() -> None:
    partitions = parse_sinfo(SINFO)
    assert [p.name for p in partitions] == ["gpu", "long", "cpu"]
    gpu = partitions[0]
    g001, g002, g003, g004 = gpu.nodes
    assert (g001.gpus_total, g001.gpus_used, g001.gpus_free, g001.gpu_types) == (4, 3, 1, ("a100",))
    assert (g002.usable, g002.gpus_free, g002.reason) == (False, 0, "bad GPU 2")
    assert (g003.usable, g003.gpus_free) == (False, 0)  # idle but not responding
    assert (g004.gpus_total, g004.gpus_used, g004.gpus_free, g004.gpu_types) == (4, 1, 3, ("3g.20gb", "a100"))
    assert (g001.cpus_free, g002.cpus_free) == (48, 0)
    assert (gpu.gpus_total, gpu.gpus_free, gpu.most_free_on_a_node, gpu.usable_nodes) == (16, 4, 3, 2)
    assert partitions[2].gpus_total == 0 and partitions[2].nodes[0].cpus_free == 0
    view = ClusterView("me", partitions)
    assert (view.gpus_total, view.gpus_free) == (16, 4)  # g001 is in gpu and long: counted once


def test_jobs_gpus_from_allocation_per_node_or_per_job_and_the_vocseg_mark() -> None:
    running, notebook, sweep = parse_squeue(SQUEUE)
    assert (running.gpus, running.nodes, running.nodelist, running.is_vocseg, running.reason) == \
        (8, 2, "g[001-002]", True, "")
    assert (notebook.gpus, notebook.reason, notebook.is_vocseg) == (2, "QOSMaxGRESPerUser", False)
    assert (sweep.job_id, sweep.gpus, sweep.limit, sweep.partition) == ("814_[1-3]", 1, "UNLIMITED", "long")


def test_lines_that_are_not_the_asked_format_are_skipped() -> None:
    assert parse_sinfo("sinfo: warning: something\n\n") == ()
    assert parse_squeue("garbage|line\n") == ()


def test_gpus_asked_on_a_partition_without_gpus_are_refused_with_the_partitions_that_have_some() -> None:
    """A one-node test cluster has one partition; a real one often has a CPU partition too."""
    import pytest

    from vocseg_tui.core.jobs.errors import LaunchRefused
    from vocseg_tui.core.jobs.slurm import SlurmBackend
    from vocseg_tui.core.slurm.cluster import parse_partition_gpus

    cluster = parse_partition_gpus("cpu*|(null)\ngpu|gpu:a100:4(S:0-1)\ngpu|gpu:v100:8\nsmall|gpu:2\n")
    assert cluster.most_per_node == {"cpu": 0, "gpu": 8, "small": 2} and cluster.default == "cpu"
    with pytest.raises(LaunchRefused, match="partition cpu has no GPUs") as refused:
        SlurmBackend.check_against({"gpus_per_node": 2}, cluster)  # the default partition
    assert refused.value.hint == "use a partition with GPUs: gpu, small"
    with pytest.raises(LaunchRefused, match="a node of partition small has at most 2"):
        SlurmBackend.check_against({"gpus_per_node": 4, "partition": "small"}, cluster)
    SlurmBackend.check_against({"gpus_per_node": 8, "partition": "gpu"}, cluster)
    with pytest.raises(LaunchRefused, match="lists no GPUs"):
        SlurmBackend.check_against({"gpus_per_node": 1}, parse_partition_gpus("debug*|(null)\n"))
