from __future__ import annotations

from vocseg_tui.core.devices import DeviceChoice


def test_cpu_hides_every_gpu_and_counts_one_process() -> None:
    cpu = DeviceChoice.cpu()
    assert cpu.is_cpu and cpu.processes == 1 and cpu.label() == "CPU"
    assert cpu.environment() == {"CUDA_VISIBLE_DEVICES": ""}


def test_gpus_with_known_uuids_are_pinned_by_uuid_in_bus_order() -> None:
    """NVML's index 6 need not be CUDA's 6 and may change at a reboot; the UUID is the board."""
    choice = DeviceChoice(indices=(6, 7), uuids=("GPU-aaaa", "GPU-bbbb"))
    assert choice.processes == 2 and choice.label() == "GPU 6,7" and choice.pinned_by_uuid
    assert choice.environment() == {"CUDA_DEVICE_ORDER": "PCI_BUS_ID",
                                    "CUDA_VISIBLE_DEVICES": "GPU-aaaa,GPU-bbbb"}


def test_gpus_fall_back_to_indices_when_a_uuid_is_unknown() -> None:
    for uuids in ((), ("GPU-aaaa", "")):
        choice = DeviceChoice(indices=(6, 7), uuids=uuids)
        assert not choice.pinned_by_uuid
        assert choice.environment() == {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": "6,7"}
