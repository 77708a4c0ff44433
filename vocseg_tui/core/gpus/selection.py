"""Which GPUs to train on: the auto-pick rules, hand toggles, and the hand-over to the launch.

Two questions, two functions, for the screen, the CLI and the launch alike:

- `refusal(gpu)`: can anything train on this GPU at all? Not on one that failed its query,
  nor on one in MIG mode (a MIG GPU is split into instances and is no CUDA device as a
  whole). Holds for an explicit choice too: `toggle` and `to_device_choice` refuse it.
- `blocker(gpu, rules, me)`: is it free for auto-pick? Beyond a refusal: not while its
  process list is unknown (we may not read it: it may hold anyone's job), not with another
  user's processes (an unknown owner counts as another user; a display server's small
  graphics context does not, see `is_display_process`), not with less than `min_free_gib`
  free or more than `max_util` busy. By hand such a busy GPU may still be chosen.

Most free memory first, compared in whole GiB so a few MiB of driver noise does not decide;
ties go to the higher index, which keeps GPU 0 (the one every `python train.py` without
CUDA_VISIBLE_DEVICES lands on) free for colleagues.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.gpus.model import GIB, MIB, GpuInfo, GpuProcess, Inventory

DEFAULT_MIN_FREE_GIB = 8.0
DEFAULT_MAX_UTIL = 10

DISPLAY_USERS = frozenset({"root", "gdm", "gdm3", "Debian-gdm", "lightdm", "sddm"})
"""The accounts a display manager runs the X server and the login screen's shell as."""
DISPLAY_PROGRAMS = frozenset({"Xorg", "X", "Xwayland", "gnome-shell", "kwin_x11", "kwin_wayland",
                              "sddm-greeter", "lightdm-gtk-greeter"})
DISPLAY_MAX_MIB = 512
"""Xorg and gnome-shell hold tens to a few hundred MiB per GPU; more is not just a display."""
MIG_HINT = ("choose another GPU. To train on this one, ask the admin to turn MIG off "
            "(`nvidia-smi -i N -mig 0`, then a GPU reset); or, outside vocseg-tui, run on one of "
            "its MIG instances: `nvidia-smi -L` lists their MIG-... UUIDs for CUDA_VISIBLE_DEVICES")


class SelectionError(VocsegError):
    """A pick or toggle that cannot be done as asked."""


@dataclass(frozen=True)
class PickRules:
    """What makes a GPU free enough to train on."""

    min_free_gib: float = DEFAULT_MIN_FREE_GIB
    max_util: int = DEFAULT_MAX_UTIL
    """Highest GPU utilisation (percent) that still counts as idle."""

    def __post_init__(self) -> None:
        if self.min_free_gib < 0:
            raise SelectionError(f"--min-free-gib must be 0 or more, not {self.min_free_gib:g}",
                                 "give the GiB of free GPU memory a job needs, e.g. 8")
        if not 0 <= self.max_util <= 100:
            raise SelectionError(f"--max-util must be between 0 and 100, not {self.max_util}",
                                 "give a percentage, e.g. 10")


def is_display_process(process: GpuProcess) -> bool:
    """A display server's graphics context: shown, but it does not make a GPU busy.

    Why: workstation-style servers run Xorg and gnome-shell (of root or gdm) on every GPU; each
    holds a little memory and no compute, and counting it as "another user" left auto-pick
    with nothing to pick. All of these must hold, so that neither a CUDA job nor a colleague's
    OpenGL program ever passes: listed by the graphics query only (not the compute one), owned
    by a display account (`DISPLAY_USERS`), running a display program (`DISPLAY_PROGRAMS`, the
    command's first word without its directory), and holding a known amount of at most
    `DISPLAY_MAX_MIB`. An owner or command we cannot see (another PID namespace) does not pass.
    """
    if process.compute or not process.graphics or process.gpu_memory is None:
        return False
    program = (process.command or "").split(" ", 1)[0].rsplit("/", 1)[-1]
    return (process.user in DISPLAY_USERS and program in DISPLAY_PROGRAMS
            and process.gpu_memory <= DISPLAY_MAX_MIB * MIB)


def blocking_users(gpu: GpuInfo, me: str) -> tuple[str, ...]:
    """The other users whose processes make this GPU busy ("?" for an unknown owner): every
    process not ours, except a display server's (`is_display_process`)."""
    users = {p.user or "?" for p in gpu.processes if not p.is_mine(me) and not is_display_process(p)}
    return tuple(sorted(users))


def refusal(gpu: GpuInfo) -> str | None:
    """Why nothing can train on this GPU at all, whoever asks (None: it can). Unlike `blocker`,
    which says why auto-pick skips a GPU that is merely busy, this holds for an explicit choice
    too: the launch refuses such a GPU and toggling it on is refused."""
    if not gpu.ok:
        return "failed: " + (gpu.error or "?")
    if gpu.mig:
        return "MIG mode: not usable as a whole GPU"
    return None


def blocker(gpu: GpuInfo, rules: PickRules, me: str) -> str | None:
    """Why auto-pick skips this GPU, in a few words; None when it is free to pick."""
    refused = refusal(gpu)
    if refused:
        return refused
    if not gpu.processes_known:
        return f"processes unknown ({gpu.processes_error})"
    others = blocking_users(gpu, me)
    if others:
        return "in use by " + ", ".join(others)
    if gpu.memory_free < rules.min_free_gib * GIB:
        shown = math.floor(gpu.memory_free / GIB * 10) / 10  # never round up to the threshold
        return f"{shown:.1f} GiB free < {rules.min_free_gib:g}"
    if gpu.gpu_util is not None and gpu.gpu_util > rules.max_util:
        return f"busy {gpu.gpu_util}% > {rules.max_util}%"
    return None


def free_gpus(inventory: Inventory, rules: PickRules) -> list[GpuInfo]:
    """Every pickable GPU, best first (most free GiB, then the higher index)."""
    free = [g for g in inventory.gpus if blocker(g, rules, inventory.me) is None]
    return sorted(free, key=lambda g: (g.memory_free // GIB, g.index), reverse=True)


def auto_pick(inventory: Inventory, count: int, rules: PickRules) -> tuple[int, ...]:
    """The indices (ascending) of the `count` best free GPUs; raises when fewer are free."""
    if count < 1:
        raise SelectionError(f"cannot pick {count} GPUs", "pick 1 or more")
    if inventory.cpu_only:
        raise SelectionError(inventory.cpu_only_reason or "CPU only: no GPUs",
                             "train on CPU, or run this on the GPU server")
    if count > len(inventory.gpus):
        raise SelectionError(f"cannot pick {count} GPUs: this machine has {len(inventory.gpus)}",
                             f"pick at most {len(inventory.gpus)}")
    free = free_gpus(inventory, rules)
    if len(free) < count:
        reasons = "; ".join(f"GPU {g.index}: {why}" for g in inventory.gpus
                            if (why := blocker(g, rules, inventory.me)))
        raise SelectionError(
            f"only {len(free)} of {len(inventory.gpus)} GPUs are free, {count} asked ({reasons})",
            "pick fewer, lower --min-free-gib / raise --max-util, or wait for GPUs to free up")
    return tuple(sorted(g.index for g in free[:count]))


def toggle(selected: frozenset[int], inventory: Inventory, index: int) -> frozenset[int]:
    """Add or remove one GPU by hand. A busy GPU may be chosen (you may know the colleague's
    job ends soon), and so may one whose processes are unknown; one refused (failed, MIG)
    may only be removed."""
    if index in selected:
        return selected - {index}
    gpu = inventory.by_index(index)
    if gpu is None:
        have = ", ".join(str(g.index) for g in inventory.gpus) or "none"
        raise SelectionError(f"there is no GPU {index}", f"choose one of the GPUs listed ({have})")
    _refuse(gpu)
    return selected | {index}


def _refuse(gpu: GpuInfo) -> None:
    """Raise the SelectionError an explicit choice of a refused GPU gets."""
    if not gpu.ok:
        raise SelectionError(f"GPU {gpu.index} failed its query: {gpu.error}",
                             "choose another GPU; check it with nvidia-smi")
    if gpu.mig:
        raise SelectionError(f"GPU {gpu.index} is in MIG mode: it cannot train as a whole GPU",
                             MIG_HINT.replace("-i N", f"-i {gpu.index}"))


def choose(inventory: Inventory, indices: tuple[int, ...]) -> DeviceChoice:
    """GPUs named by their NVML index (`--gpus 0,1`, `--device cuda:1`), checked against the
    machine: each must exist and be usable at all (`refusal`); whether it is busy is the caller's
    question. The one home of these checks for training, evaluation and the demo."""
    if not indices:
        return DeviceChoice.cpu()
    asked = ",".join(map(str, indices))
    if inventory.cpu_only:
        raise SelectionError(f"GPU {asked} asked, but this machine has no usable GPU "
                             f"({inventory.cpu_only_reason or 'none found'})",
                             "use the CPU (--gpus cpu), or run this on the GPU server")
    missing = [i for i in indices if inventory.by_index(i) is None]
    if missing:
        have = ",".join(str(g.index) for g in inventory.gpus)
        raise SelectionError(f"GPU {','.join(map(str, missing))} does not exist (this machine has {have})",
                             "see `vocseg-tui gpus` for the GPUs and their indices")
    for index in indices:
        gpu = inventory.by_index(index)
        why = refusal(gpu) if gpu is not None else None
        if why:
            raise SelectionError(f"GPU {index} cannot be used: {why}",
                                 "choose another GPU (see `vocseg-tui gpus`), or use the CPU")
    return to_device_choice(inventory, indices)


def to_device_choice(inventory: Inventory, selected: frozenset[int] | tuple[int, ...]) -> DeviceChoice:
    """The launch's device: CPU for an empty choice, else the indices with their UUIDs
    (recorded with the job, so a renumbered server cannot mislead a later look). A GPU that
    `refusal` rules out (failed, MIG) is refused here too."""
    indices = tuple(sorted(selected))
    if not indices:
        return DeviceChoice.cpu()
    uuids = []
    for index in indices:
        gpu = inventory.by_index(index)
        if gpu is None:
            raise SelectionError(f"GPU {index} is no longer there", "refresh and choose again")
        _refuse(gpu)
        uuids.append(gpu.uuid)
    return DeviceChoice(indices=indices, uuids=tuple(uuids))
