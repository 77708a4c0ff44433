"""The auto-pick and toggle rules on fake inventories, as a user of a shared server sees them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.core.gpus.servers import UNSEEN_PID, XORG, gpu, workstation, write
from vocseg_tui.core.gpus import (
    GpuMonitor,
    Inventory,
    PickRules,
    SelectionError,
    auto_pick,
    blocker,
    free_gpus,
    is_display_process,
    refusal,
    to_device_choice,
    toggle,
)


def inventory_of(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: dict) -> Inventory:  # type: ignore[type-arg]
    monkeypatch.setenv("VOCSEG_FAKE_GPUS", str(write(tmp_path / "gpus.json", server)))
    monitor = GpuMonitor()
    try:
        return monitor.refresh()
    finally:
        monitor.close()


def test_busy_shared_server_picks_the_idle_gpus_high_index_first(fake_server: Path) -> None:
    inventory = GpuMonitor().refresh()
    rules = PickRules(min_free_gib=8, max_util=10)
    assert [g.index for g in free_gpus(inventory, rules)] == [7, 5, 3]
    assert auto_pick(inventory, 2, rules) == (5, 7)
    assert auto_pick(inventory, 3, rules) == (3, 5, 7)


def test_every_blocked_gpu_says_why(fake_server: Path) -> None:
    inventory = GpuMonitor().refresh()
    why = {g.index: blocker(g, PickRules(), inventory.me) for g in inventory.gpus}
    assert why[0] == why[1] == "in use by alice"
    assert why[2] == "in use by bob"  # idle, but a colleague's notebook holds memory there
    assert why[4] == "failed: GPU is lost"
    assert why[6] == "busy 60% > 10%"  # our own process: not another user, but busy
    assert why[3] is why[5] is why[7] is None


def test_more_free_memory_beats_a_higher_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = {"gpus": [gpu(0, 4, 0), gpu(1, 4, 0), gpu(2, 9000, 0), gpu(3, 20000, 0)]}
    inventory = inventory_of(tmp_path, monkeypatch, server)
    assert [g.index for g in free_gpus(inventory, PickRules(min_free_gib=8))] == [1, 0, 2, 3]
    assert auto_pick(inventory, 1, PickRules()) == (1,)


def test_a_few_mib_of_driver_noise_is_a_tie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = {"gpus": [gpu(0, 4, 0), gpu(1, 310, 0), gpu(2, 6, 0)]}
    inventory = inventory_of(tmp_path, monkeypatch, server)
    assert auto_pick(inventory, 1, PickRules()) == (2,)


def test_thresholds_are_inclusive_and_adjustable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # GPU 0: exactly 10 GiB free and exactly 10 % busy; GPU 1: 9.5 GiB free, idle.
    server = {"gpus": [gpu(0, 81920 - 10240, 10), gpu(1, 81920 - 9728, 0)]}
    inventory = inventory_of(tmp_path, monkeypatch, server)
    assert auto_pick(inventory, 1, PickRules(min_free_gib=10, max_util=10)) == (0,)
    assert [g.index for g in free_gpus(inventory, PickRules(min_free_gib=10, max_util=9))] == []
    assert auto_pick(inventory, 2, PickRules(min_free_gib=9.5)) == (0, 1)
    with pytest.raises(SelectionError, match="only 1 of 2 GPUs are free, 2 asked"):
        auto_pick(inventory, 2, PickRules(min_free_gib=9.6))


def test_not_enough_free_gpus_lists_every_reason(fake_server: Path) -> None:
    inventory = GpuMonitor().refresh()
    with pytest.raises(SelectionError) as raised:
        auto_pick(inventory, 4, PickRules())
    assert "only 3 of 8" in raised.value.message
    assert "GPU 0: in use by alice" in raised.value.message
    assert "GPU 4: failed" in raised.value.message
    assert raised.value.hint


def test_bad_rules_and_counts_are_refused() -> None:
    with pytest.raises(SelectionError, match="min-free-gib"):
        PickRules(min_free_gib=-1)
    with pytest.raises(SelectionError, match="max-util"):
        PickRules(max_util=101)
    with pytest.raises(SelectionError, match="cannot pick 0"):
        auto_pick(Inventory(), 0, PickRules())


def test_toggle_allows_busy_gpus_but_not_failed_ones(fake_server: Path) -> None:
    inventory = GpuMonitor().refresh()
    selected = toggle(frozenset(), inventory, 0)  # alice's: allowed by hand
    selected = toggle(selected, inventory, 7)
    assert selected == {0, 7}
    assert toggle(selected, inventory, 0) == {7}
    with pytest.raises(SelectionError, match="GPU 4 failed"):
        toggle(selected, inventory, 4)
    with pytest.raises(SelectionError, match="there is no GPU 9") as missing:
        toggle(selected, inventory, 9)
    assert missing.value.hint == "choose one of the GPUs listed (0, 1, 2, 3, 4, 5, 6, 7)"
    with pytest.raises(SelectionError, match="cannot pick 9 GPUs: this machine has 8") as too_many:
        auto_pick(inventory, 9, PickRules())
    assert too_many.value.hint == "pick at most 8"
    with pytest.raises(SelectionError, match="GPU 4 failed"):
        to_device_choice(inventory, (4, 7))
    assert refusal(inventory.gpus[4]) == "failed: GPU is lost" and refusal(inventory.gpus[0]) is None


def test_choice_carries_sorted_indices_uuids_and_pci_order(fake_server: Path) -> None:
    inventory = GpuMonitor().refresh()
    choice = to_device_choice(inventory, frozenset({7, 5}))
    assert choice.indices == (5, 7)
    assert choice.uuids == (inventory.gpus[5].uuid, inventory.gpus[7].uuid)
    assert choice.environment() == {"CUDA_DEVICE_ORDER": "PCI_BUS_ID",
                                    "CUDA_VISIBLE_DEVICES": ",".join(choice.uuids)}
    assert choice.processes == 2
    assert to_device_choice(inventory, frozenset()).is_cpu


def test_cpu_only_inventory_cannot_pick() -> None:
    with pytest.raises(SelectionError, match="CPU only"):
        auto_pick(Inventory(cpu_only_reason="CPU only: no driver"), 1, PickRules())


def as_carol(inventory: Inventory) -> Inventory:
    """The inventory as user carol sees it (the tests may run as root, whose Xorg is "ours")."""
    return replace(inventory, me="carol")


def test_display_servers_on_every_gpu_do_not_block_auto_pick(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inventory = as_carol(inventory_of(tmp_path, monkeypatch, workstation()))
    assert all(len(g.processes) == 2 and all(map(is_display_process, g.processes)) for g in inventory.gpus)
    assert inventory.gpus[0].other_users(inventory.me) == ("gdm", "root")  # still shown
    assert auto_pick(inventory, 4, PickRules()) == (0, 1, 2, 3)


@pytest.mark.parametrize(("process", "why"), [
    ({"user": "alice", "command": "paraview", "type": "graphics", "gpu_memory_mib": 300}, "alice"),
    ({**XORG, "gpu_memory_mib": 2048}, "root"),  # an X server holding 2 GiB is more than a display
    ({**XORG, "type": "compute+graphics"}, "root"),  # a CUDA context is a job, whatever its name
    ({**XORG, "gpu_memory_mib": None}, "root"),  # size unknown: cannot tell
    ({**XORG, "user": None, "command": None}, "?"),  # another PID namespace: cannot tell
    ({"user": "gdm", "command": "/usr/bin/python3 train.py", "type": "graphics", "gpu_memory_mib": 8},
     "gdm"),
])
def test_anything_more_than_a_small_display_server_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, process: dict, why: str) -> None:  # type: ignore[type-arg]
    server = workstation({"pid": UNSEEN_PID, "gpu": 3, **process})
    inventory = as_carol(inventory_of(tmp_path, monkeypatch, server))
    assert blocker(inventory.gpus[3], PickRules(), inventory.me) == f"in use by {why}"
    assert auto_pick(inventory, 3, PickRules()) == (0, 1, 2)
