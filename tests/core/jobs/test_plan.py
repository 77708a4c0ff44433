"""Golden tests of the launch contract: a spec in, the exact argv, environment, number of
processes, distributed backend, launcher and (Slurm) batch script out, for every case."""

from __future__ import annotations

import pytest

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.jobs.command import TRAIN_SCRIPT
from vocseg_tui.core.jobs.errors import LaunchRefused
from vocseg_tui.core.jobs.plan import Allocation, LaunchSpec, make_plan

TRAIN = str(TRAIN_SCRIPT)
JOB_ENV = {"PYTHONUNBUFFERED": "1", "VOCSEG_STOP_FILE": "/p/w/.vocseg/job-7/stop_after_epoch",
           "VOCSEG_STOPPED_MARKER": "/p/w/.vocseg/job-7/stopped"}
TWO = DeviceChoice((2, 5), ("GPU-2222", "GPU-5555"))


def spec(**values: object) -> LaunchSpec:
    base: dict[str, object] = {"config": "/p/c.py", "work_dir": "/p/w", "cwd": "/p", "name": "c", "job_id": 7,
                               "port": 29400, "python": "py", "registry_path": "/s/jobs.sqlite3"}
    return LaunchSpec(**{**base, **values})  # type: ignore[arg-type]


def torchrun(n: int, *rest: str) -> tuple[str, ...]:
    return ("py", "-m", "torch.distributed.run", "--nproc-per-node", str(n), "--master-port", "29400",
            TRAIN, "/p/c.py", "--work-dir", "/p/w", *rest, "--launcher", "pytorch")


def test_cpu_one_process_hides_every_gpu() -> None:
    plan = make_plan(spec())
    assert plan.argv == ("py", TRAIN, "/p/c.py", "--work-dir", "/p/w", "--launcher", "none")
    assert plan.env == {"CUDA_VISIBLE_DEVICES": "", **JOB_ENV}
    assert (plan.nproc, plan.backend, plan.launcher, plan.backend_kind, plan.script) == (1, None, "none",
                                                                                         "local", None)


def test_cpu_n_processes_run_torchrun_over_gloo() -> None:
    plan = make_plan(spec(nproc=3, amp=True, resume_from="/p/w/epoch_2.pth"))
    assert plan.argv == torchrun(3, "--resume", "/p/w/epoch_2.pth", "--amp",
                                 "--cfg-options", "env_cfg.dist_cfg.backend=gloo")
    assert plan.env == {"CUDA_VISIBLE_DEVICES": "", **JOB_ENV}
    assert (plan.nproc, plan.backend, plan.launcher) == (3, "gloo", "pytorch")


def test_one_gpu_is_pinned_by_uuid_in_one_process() -> None:
    plan = make_plan(spec(devices=DeviceChoice((5,), ("GPU-5555",)), cfg_options=("a=1",)))
    assert plan.argv == ("py", TRAIN, "/p/c.py", "--work-dir", "/p/w", "--cfg-options", "a=1",
                         "--launcher", "none")
    assert plan.env == {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": "GPU-5555", **JOB_ENV}
    assert (plan.nproc, plan.backend, plan.launcher) == (1, None, "none")


def test_n_gpus_run_one_process_each_over_nccl_even_when_the_config_says_gloo() -> None:
    """The config's own dist_cfg may say gloo (a recipe written for CPU): the launch forces nccl."""
    plan = make_plan(spec(devices=TWO, cfg_options=("train_cfg.max_epochs=1",)))
    assert plan.argv == torchrun(2, "--cfg-options", "train_cfg.max_epochs=1",
                                 "env_cfg.dist_cfg.backend=nccl")
    assert plan.env == {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": "GPU-2222,GPU-5555",
                        **JOB_ENV}
    assert (plan.nproc, plan.backend, plan.launcher) == (2, "nccl", "pytorch")
    assert make_plan(spec(devices=TWO, nproc=2, cfg_options=("train_cfg.max_epochs=1",))).argv == plan.argv


def test_gpus_without_known_uuids_fall_back_to_indices() -> None:
    plan = make_plan(spec(devices=DeviceChoice((2, 5))))
    assert plan.env["CUDA_VISIBLE_DEVICES"] == "2,5" and plan.env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"


def test_a_queued_job_for_any_n_gpus_is_planned_for_n_processes_over_nccl() -> None:
    """Before it starts: N processes, nccl, no GPUs pinned yet; at its start (the supervisor
    plans again with the GPUs the queue picked) they are pinned by UUID."""
    waiting = make_plan(spec(pending_gpus=2))
    assert waiting.argv == torchrun(2, "--cfg-options", "env_cfg.dist_cfg.backend=nccl")
    assert waiting.env == JOB_ENV and waiting.pending_gpus == 2
    assert (waiting.nproc, waiting.backend) == (2, "nccl")
    started = make_plan(spec(pending_gpus=2, devices=TWO))
    assert started.argv == waiting.argv and started.pending_gpus == 0
    assert started.env["CUDA_VISIBLE_DEVICES"] == "GPU-2222,GPU-5555"


@pytest.mark.parametrize(("devices", "nproc", "pending", "match"), [
    (DeviceChoice((0,)), 2, 0, r"--nproc 2 does not match the 1 GPU\(s\) chosen \(GPU 0\).*invalid device"),
    (DeviceChoice((0, 1)), 1, 0, r"--nproc 1 does not match the 2 GPU\(s\) chosen \(GPU 0,1\): 1 GPU\(s\)"),
    (DeviceChoice(), 3, 2, r"--nproc 3 does not match the 2 GPU\(s\) chosen \(any 2 GPU\(s\)\)"),
    (DeviceChoice(), 0, 0, "cannot train with 0 processes"),
])
def test_an_nproc_that_does_not_match_the_gpus_is_refused(devices: DeviceChoice, nproc: int, pending: int,
                                                          match: str) -> None:
    with pytest.raises(LaunchRefused, match=match) as refused:
        make_plan(spec(devices=devices, nproc=nproc, pending_gpus=pending))
    assert refused.value.hint


def test_a_backend_option_that_contradicts_the_devices_is_refused_not_overridden() -> None:
    with pytest.raises(LaunchRefused, match="backend=gloo contradicts the devices: GPUs train over nccl"):
        make_plan(spec(devices=TWO, cfg_options=("env_cfg.dist_cfg.backend=gloo",)))
    same = make_plan(spec(devices=TWO, cfg_options=("env_cfg.dist_cfg.backend=nccl",)))
    assert same.argv.count("env_cfg.dist_cfg.backend=nccl") == 1
    one = make_plan(spec(cfg_options=("env_cfg.dist_cfg.backend=nccl",)))  # one process: no group
    assert "env_cfg.dist_cfg.backend=nccl" in one.argv


SLURM_GPU_SCRIPT = f"""#!/bin/bash
#SBATCH --job-name=vocseg-c
#SBATCH --output=/p/w/.vocseg/job-7/job.log
#SBATCH --open-mode=append
#SBATCH --chdir=/p
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=4
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=8
#SBATCH --partition=gpu
#SBATCH --account=lab

# Written by vocseg-tui; resubmit by hand with `sbatch` on this file.
set -u
# CUDA_VISIBLE_DEVICES: slurmstepd sets it for each step from the allocated GPUs
export PYTHONUNBUFFERED=1
export VOCSEG_STOPPED_MARKER=/p/w/.vocseg/job-7/stopped
export VOCSEG_STOP_FILE=/p/w/.vocseg/job-7/stop_after_epoch
export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n1)
export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))

# SIGUSR1 to this script = stop after this epoch (tools/train.py polls the file).
trap 'touch /p/w/.vocseg/job-7/stop_after_epoch' USR1
# requeued (preemption, a node failure, `scontrol requeue`): continue, do not start over
restart=()
[ "${{SLURM_RESTART_COUNT:-0}}" -gt 0 ] && restart=(--resume)  # last intact checkpoint
srun --cpus-per-task=8 py {TRAIN} /p/c.py --work-dir /p/w --cfg-options env_cfg.dist_cfg.backend=nccl \
--launcher slurm "${{restart[@]}}" &
child=$!
# wait returns early when USR1 arrives: keep waiting while srun still runs
while true; do
  wait $child; status=$?
  kill -0 $child 2>/dev/null || break
done
# record the end and notify (bounded in time; never changes the job's status)
py -m vocseg_tui.workers.notify_job --job 7 --registry /s/jobs.sqlite3 --exit-status "$status" || true
exit $status
"""


def test_slurm_gpus_per_node_on_several_nodes_train_over_nccl_with_slurms_own_gpus() -> None:
    """The login node has no GPU: that must not make the job CPU/gloo. No CUDA_VISIBLE_DEVICES
    of ours (slurmstepd sets it), --cpus-per-task given to srun itself, and MASTER_ADDR/PORT."""
    allocation = Allocation(nodes=2, gpus_per_node=4, cpus_per_task=8, directives={"partition": "gpu",
                                                                                     "account": "lab"})
    plan = make_plan(spec(allocation=allocation, backend_kind="slurm"))
    assert plan.argv == ("srun", "--cpus-per-task=8", "py", TRAIN, "/p/c.py", "--work-dir", "/p/w",
                         "--cfg-options", "env_cfg.dist_cfg.backend=nccl", "--launcher", "slurm")
    assert plan.env == {**JOB_ENV,
                        "MASTER_ADDR": '$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n1)',
                        "MASTER_PORT": "$((20000 + SLURM_JOB_ID % 20000))"}
    assert (plan.nproc, plan.backend, plan.launcher, plan.backend_kind) == (8, "nccl", "slurm", "slurm")
    assert plan.script == SLURM_GPU_SCRIPT.replace("\\\n", "")
    assert "CUDA_VISIBLE_DEVICES=" not in plan.script


def test_slurm_one_gpu_is_one_plain_process() -> None:
    plan = make_plan(spec(allocation=Allocation(gpus_per_node=1), backend_kind="slurm"))
    assert plan.argv == ("srun", "py", TRAIN, "/p/c.py", "--work-dir", "/p/w", "--launcher", "none")
    assert (plan.nproc, plan.backend, plan.launcher) == (1, None, "none")
    assert plan.env == JOB_ENV and plan.script is not None and "#SBATCH --gpus-per-node=1" in plan.script


def test_slurm_cpu_tasks_use_gloo_and_hide_the_gpus() -> None:
    plan = make_plan(spec(allocation=Allocation(nodes=2), nproc=4, backend_kind="slurm"))
    assert plan.argv[-4:] == ("--cfg-options", "env_cfg.dist_cfg.backend=gloo", "--launcher", "slurm")
    assert plan.env["CUDA_VISIBLE_DEVICES"] == "" and (plan.nproc, plan.backend) == (4, "gloo")
    assert plan.script is not None
    assert "#SBATCH --ntasks-per-node=2" in plan.script and "export CUDA_VISIBLE_DEVICES=''" in plan.script
    assert "--gpus-per-node" not in plan.script


def test_slurm_time_limit_signals_before_it_and_continues_in_a_new_job() -> None:
    plan = make_plan(spec(allocation=Allocation(directives={"time": "01:00:00"}), backend_kind="slurm"))
    assert plan.script is not None
    lines = plan.script.splitlines()
    assert "#SBATCH --time=01:00:00" in lines and "#SBATCH --signal=B:USR1@360" in lines
    assert ("[ -e /p/w/.vocseg/job-7/time_limit ] && py -m vocseg_tui.workers.slurm_continue --job 7 "
            "--registry /s/jobs.sqlite3") in lines


@pytest.mark.parametrize(("values", "match"), [
    ({"devices": DeviceChoice((0,))}, "a Slurm job gets its GPUs from the allocation"),
    ({"pending_gpus": 2}, "a Slurm job gets its GPUs from the allocation"),
    ({"allocation": Allocation(gpus_per_node=2), "nproc": 3}, r"--nproc 3 does not match the 2 GPU\(s\)"),
    ({"allocation": Allocation(nodes=2), "nproc": 3}, "do not split evenly over 2 nodes"),
])
def test_slurm_requests_that_contradict_themselves_are_refused(values: dict[str, object], match: str) -> None:
    values.setdefault("allocation", Allocation())
    with pytest.raises(LaunchRefused, match=match):
        make_plan(spec(backend_kind="slurm", **values))


def test_a_dry_run_plan_names_the_job_files_by_placeholder_and_is_json() -> None:
    plan = make_plan(spec(job_id=None))
    assert plan.env["VOCSEG_STOP_FILE"] == "/p/w/.vocseg/job-<id>/stop_after_epoch"
    assert plan.to_json() == {"schema": 1, "argv": list(plan.argv), "env": plan.env, "nproc": 1,
                              "backend": None, "launcher": "none", "backend_kind": "local", "script": None}
