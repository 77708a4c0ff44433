"""`vocseg-tui gpus`: the GPUs of this machine, and a free-GPU pick for scripts.

`--pick N` prints only the value for CUDA_VISIBLE_DEVICES (`6,7`), so a script can do
`CUDA_VISIBLE_DEVICES=$(vocseg-tui gpus --pick 2) || exit 1`; it prints an empty line and
exits 1 when N GPUs are not free. Without a driver: one "CPU only" line, exit 0.

`--slurm` shows the cluster instead, for a login node without GPUs of its own: partitions,
their nodes and free GPUs (`sinfo`), and your queued and running jobs (`squeue`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, cast

from vocseg_tui.cli.output import ExitCode, print_error, print_json

if TYPE_CHECKING:
    from vocseg_tui.core.gpus import GpuInfo, Inventory, PickRules
    from vocseg_tui.core.slurm.cluster import ClusterView

ORDER = 20
SLURM_JSON_SCHEMA = 1
"""The `gpus --slurm --json` object."""


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "gpus", help="list the GPUs with their users; pick free ones for CUDA_VISIBLE_DEVICES",
        description="Show every GPU (memory, utilisation, temperature, power, processes and their "
                    "owners) and which are free to train on. With --pick N print only the "
                    "CUDA_VISIBLE_DEVICES value of the N best free GPUs (exit 1, empty output, "
                    "when fewer are free). Without an NVIDIA driver: CPU only. With --slurm "
                    "show the Slurm cluster instead: every partition's nodes with their state, "
                    "free CPUs and free GPUs (a down, drained or not responding node has none), "
                    "and your jobs with state, time, GPUs and why they wait. Exit 0; exit 2 with "
                    "a hint when Slurm is not installed or configured here or slurmctld does not "
                    "answer.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--slurm", action="store_true",
                        help="show the Slurm cluster's free GPUs and your jobs (sinfo, squeue)")
    parser.add_argument("--pick", type=int, metavar="N", help="pick N free GPUs")
    parser.add_argument("--min-free-gib", type=float, metavar="X", default=None,
                        help="free memory a GPU needs to count as free (default: 8)")
    parser.add_argument("--max-util", type=int, metavar="P", default=None,
                        help="highest utilisation in %% that counts as idle (default: 10)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from vocseg_tui.core.gpus import (
        DEFAULT_MAX_UTIL,
        DEFAULT_MIN_FREE_GIB,
        PickRules,
        take_inventory,
    )

    if args.slurm:
        return _slurm(args)
    rules = PickRules(
        DEFAULT_MIN_FREE_GIB if args.min_free_gib is None else args.min_free_gib,
        DEFAULT_MAX_UTIL if args.max_util is None else args.max_util,
    )
    inventory = take_inventory()
    if args.pick is not None:
        return _pick(inventory, args.pick, rules, as_json=args.json)
    if args.json:
        print_json(json_document(inventory, rules))
    else:
        print(render_text(inventory, rules))
    return ExitCode.OK


def json_document(inventory: Inventory, rules: PickRules) -> dict[str, Any]:
    """The inventory's document plus what the selection rules make of it: `free` (best
    first), per GPU `blocker` (why auto-pick skips it) and `refusal` (why nothing may train
    on it), per process `display` (a display server's, which blocks nothing)."""
    from vocseg_tui.core.gpus import blocker, is_display_process, refusal

    document = inventory.to_json()
    document["free"] = _free(inventory, rules)
    entries = cast("list[dict[str, Any]]", document["gpus"])
    for gpu, entry in zip(inventory.gpus, entries, strict=True):
        entry["blocker"] = blocker(gpu, rules, inventory.me)
        entry["refusal"] = refusal(gpu)
        for process, listed in zip(gpu.processes, entry["processes"], strict=True):
            listed["display"] = is_display_process(process)
    return document


def _free(inventory: Inventory, rules: PickRules) -> list[int]:
    from vocseg_tui.core.gpus import free_gpus

    return [g.index for g in free_gpus(inventory, rules)]


def _pick(inventory: Inventory, count: int, rules: PickRules, *, as_json: bool) -> int:
    from vocseg_tui.core.gpus import SelectionError, auto_pick, to_device_choice
    from vocseg_tui.core.gpus.model import JSON_SCHEMA

    if count < 1:
        raise SelectionError(f"--pick {count}: cannot pick fewer than 1 GPU", "use --pick 1 or more")
    try:
        choice = to_device_choice(inventory, auto_pick(inventory, count, rules))
    except SelectionError as error:
        if as_json:
            print_json({"schema": JSON_SCHEMA, "ok": False, "picked": [], "uuids": [],
                        "cuda_visible_devices": "", "reason": error.message})
        else:
            print("")
            print_error(error)
        return ExitCode.FAILED
    value = choice.environment()["CUDA_VISIBLE_DEVICES"]
    if as_json:
        print_json({"schema": JSON_SCHEMA, "ok": True, "picked": list(choice.indices),
                    "uuids": list(choice.uuids), "cuda_visible_devices": value, "reason": None})
    else:
        print(value)
    return ExitCode.OK


def render_text(inventory: Inventory, rules: PickRules) -> str:
    """The plain table: one line per GPU, then which are free (best first)."""
    if inventory.cpu_only:
        return (inventory.cpu_only_reason or "CPU only: no GPUs") + "; training runs on CPU."
    from vocseg_tui.core.gpus import blocker

    lines = [f"{len(inventory.gpus)} GPUs, driver {inventory.driver}"
             + (" (FAKE: VOCSEG_FAKE_GPUS)" if inventory.source == "fake" else ""),
             f"{'GPU':>3}  {'name':<18} {'memory GiB':>12} {'util':>5} {'mem':>4} {'temp':>5} "
             f"{'power W':>9}  state"]
    for gpu in inventory.gpus:
        state = blocker(gpu, rules, inventory.me) or "free"
        lines.append(_row(gpu, state) if gpu.ok else f"{gpu.index:>3}  {gpu.short_name:<18} {state}")
    free = _free(inventory, rules)
    lines.append(
        f"free (>= {rules.min_free_gib:g} GiB free, <= {rules.max_util}% busy, no other users): "
        + (", ".join(map(str, free)) + " (best first)" if free else "none"))
    return "\n".join(lines)


def _row(gpu: GpuInfo, state: str) -> str:
    from vocseg_tui.core.gpus import GIB

    def pct(value: int | None) -> str:
        return "-" if value is None else f"{value}%"

    memory = f"{gpu.memory_used / GIB:.1f}/{gpu.memory_total / GIB:.0f}"
    temp = "-" if gpu.temperature is None else f"{gpu.temperature}C"
    power = "-" if gpu.power is None else f"{gpu.power:.0f}" + (
        f"/{gpu.power_limit:.0f}" if gpu.power_limit else "")
    return (f"{gpu.index:>3}  {gpu.short_name[:18]:<18} {memory:>12} {pct(gpu.gpu_util):>5} "
            f"{pct(gpu.memory_util):>4} {temp:>5} {power:>9}  {state}")


def _slurm(args: argparse.Namespace) -> int:
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.slurm.cluster import read_cluster

    if args.pick is not None:
        raise VocsegError("--pick chooses GPUs of this machine; --slurm only shows the cluster's",
                          "drop --pick; ask Slurm for GPUs with `train --backend slurm --gpus-per-node N`")
    view = read_cluster()
    if args.json:
        print_json({"schema": SLURM_JSON_SCHEMA, **view.to_json()})
    else:
        print(render_slurm(view))
    return ExitCode.OK


def render_slurm(view: ClusterView) -> str:
    """Partitions with their nodes (indented), then the user's jobs; the panel's data as text."""
    lines = [f"Slurm: {view.gpus_free} of {view.gpus_total} GPUs free on "
             f"{len(view.unique_nodes())} nodes in {len(view.partitions)} partitions",
             f"{'PARTITION/NODE':<22} {'STATE':<12} {'CPUS FREE':>9} {'GPUS FREE':>9}  NOTE"]
    for partition in view.partitions:
        lines.append(f"{partition.name:<22} {f'{partition.usable_nodes}/{len(partition.nodes)} up':<12} "
                     f"{'':>9} {f'{partition.gpus_free}/{partition.gpus_total}':>9}  "
                     f"at most {partition.most_free_on_a_node} on one node")
        for node in partition.nodes:
            note = ",".join(node.gpu_types) + (f" {node.reason}" if node.reason else "")
            lines.append(f"  {node.name:<20} {node.state:<12} {f'{node.cpus_free}/{node.cpus_total}':>9} "
                         f"{f'{node.gpus_free}/{node.gpus_total}':>9}  {note.strip()}")
    vocseg = sum(job.is_vocseg for job in view.jobs)
    lines.append(f"Jobs of {view.user}: {len(view.jobs)} ({vocseg} from vocseg-tui)" if view.jobs
                 else f"Jobs of {view.user}: none queued or running")
    if view.jobs:
        lines.append(f"{'JOBID':<10} {'NAME':<24} {'STATE':<10} {'PARTITION':<10} {'TIME/LIMIT':<18} "
                     f"{'GPUS':>4}  NODES/REASON")
        for job in view.jobs:
            where = job.nodelist if job.state == "RUNNING" else job.reason or job.nodelist
            lines.append(f"{job.job_id:<10} {job.name[:24]:<24} {job.state:<10} {job.partition:<10} "
                         f"{f'{job.elapsed}/{job.limit}':<18} {job.gpus:>4}  {where}")
    return "\n".join(lines)
