from __future__ import annotations

from vocseg_tui.core.devices import DeviceChoice


def test_cpu_hides_every_gpu_and_counts_one_process() -> None:
    cpu = DeviceChoice.cpu()
    assert cpu.is_cpu and cpu.processes == 1 and cpu.label() == "CPU"
    assert cpu.environment()["CUDA_VISIBLE_DEVICES"] == ""


def test_gpus_set_pci_bus_order_and_visible_devices() -> None:
    choice = DeviceChoice(indices=(6, 7))
    assert choice.processes == 2 and choice.label() == "GPU 6,7"
    assert choice.environment() == {"CUDA_DEVICE_ORDER": "PCI_BUS_ID", "CUDA_VISIBLE_DEVICES": "6,7"}
