"""The inference worker on real checkpoints: the overlay it writes, warm reuse, bad input, the
device it is pinned to, model swaps and large photos.

One worker serves most tests of this module, as it serves a whole session of the app: the
bad-input tests also show that a failed request leaves it running.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.images import uniform_png
from tests.training import TrainedRun
from vocseg_tui.core.checkpoints import CheckpointError
from vocseg_tui.core.demo import DEMO_IMAGE, DemoClient, DemoError, DemoRequest, build_request
from vocseg_tui.core.demo.overlay import ALPHA
from vocseg_tui.core.devices import DeviceChoice
from vocseg_tui.core.placement import Placement, one_process
from vocseg_tui.core.project import STATE_DIR_ENV
from vocseg_tui.core.voc import PALETTE

GIB = 1024**3

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("inference")]  # one worker builds its module fixture


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STATE_DIR_ENV, str(tmp_path_factory.mktemp("worker-state")))
        worker = DemoClient()
        yield worker
        worker.close()


@pytest.fixture(scope="module")
def run_copy(trained_sample: TrainedRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained project this module may change."""
    root = tmp_path_factory.mktemp("demo") / "project"
    shutil.copytree(trained_sample.project.root, root)
    return root


def _request(project: Path, ckpt: str = "epoch_3.pth", image: Path | None = None,
             placement: Placement | None = None) -> DemoRequest:
    return build_request(project / "work_dirs/sample_tiny" / ckpt, image, project / "outputs",
                         placement=placement)


def _peak_rss(pid: int) -> int:
    """The process's high-water mark of resident memory, in bytes (Linux VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def _recovered_classes(overlay: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Per pixel: the palette index whose blend with the photo gives the overlay (0: untinted)."""
    palette = np.asarray(PALETTE[:21], dtype=np.float32)
    color = (overlay.astype(np.float32) - (1 - ALPHA) * photo.astype(np.float32)) / ALPHA
    distance = np.abs(color[..., None, :] - palette[None, None, :, :]).max(axis=-1)
    index = distance.argmin(axis=-1)
    tinted = np.any(overlay != photo, axis=-1)
    assert (distance.min(axis=-1)[tinted] <= 3).all(), "a tinted pixel is not a palette colour"
    return np.where(tinted, index, 0)


def test_demo_writes_an_overlay_tinted_only_where_classes_were_predicted(
        client: DemoClient, run_copy: Path) -> None:
    stages: list[str] = []
    request = _request(run_copy)
    result = client.run(request, stages.append)
    assert result.out == run_copy / "outputs" / "sample_tiny_epoch_3_chelsea.png"
    assert "loading model" in stages and not result.reused_model
    photo = np.asarray(Image.open(DEMO_IMAGE).convert("RGB"))
    written = Image.open(result.out)
    assert written.width == photo.shape[1] and result.image_size == (photo.shape[1], photo.shape[0])
    assert written.height == photo.shape[0] + result.legend_height and result.legend_height > 0
    overlay = np.asarray(written.convert("RGB"))[: photo.shape[0]]
    found = _recovered_classes(overlay, photo)
    counts = np.bincount(found.ravel(), minlength=21)
    predicted = {e["index"]: e["pixels"] for e in result.legend}
    assert sum(predicted.values()) == photo.shape[0] * photo.shape[1]
    for index in range(1, 21):  # every object class tints exactly its predicted pixels
        assert abs(int(counts[index]) - predicted.get(index, 0)) <= 0.002 * found.size, index
    assert {i for i in predicted if i} == {i for i in range(1, 21) if counts[i]}


def test_second_demo_on_the_same_checkpoint_reuses_the_model(client: DemoClient, run_copy: Path) -> None:
    """Warm reuse: no second load (the time it saves is measured by bench/demo.py)."""
    first = client.run(_request(run_copy, "epoch_2.pth"))
    stages: list[str] = []
    second = client.run(_request(run_copy, "epoch_2.pth"), stages.append)
    assert not first.reused_model and second.reused_model
    assert "load_s" in first.timings and "load_s" not in second.timings
    assert "loading model" not in stages and "running inference" in stages
    assert second.legend == first.legend
    # a checkpoint rewritten since (same path) is loaded again, never served stale
    ckpt = run_copy / "work_dirs/sample_tiny/epoch_2.pth"
    ckpt.write_bytes((run_copy / "work_dirs/sample_tiny/epoch_1.pth").read_bytes())
    assert not client.run(_request(run_copy, "epoch_2.pth")).reused_model


def test_not_an_image_is_refused_before_anything_runs(run_copy: Path, tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_text("hello")
    with pytest.raises(DemoError, match="not an image"):
        _request(run_copy, image=fake)


def test_worker_refuses_a_bad_image_and_keeps_serving(client: DemoClient, run_copy: Path,
                                                      tmp_path: Path) -> None:
    good = _request(run_copy)
    fake = tmp_path / "cat.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    bad = DemoRequest(good.config, good.checkpoint, fake, tmp_path / "out.png")
    with pytest.raises(DemoError, match="not an image"):
        client.run(bad)
    assert not (tmp_path / "out.png").exists()
    assert client.run(good).out.is_file() and client.running


def test_a_truncated_checkpoint_is_refused(run_copy: Path) -> None:
    work = run_copy / "work_dirs/sample_tiny"
    data = (work / "epoch_1.pth").read_bytes()
    (work / "epoch_9.pth").write_bytes(data[: len(data) - 1000])
    with pytest.raises(CheckpointError, match="damaged"):
        _request(run_copy, "epoch_9.pth")
    assert not list((run_copy / "outputs").glob("*epoch_9*"))


def test_a_run_without_config_dump_is_refused(run_copy: Path, tmp_path: Path) -> None:
    lonely = tmp_path / "work_dirs" / "lonely"
    lonely.mkdir(parents=True)
    shutil.copy(run_copy / "work_dirs/sample_tiny/epoch_1.pth", lonely)
    with pytest.raises(DemoError, match="no config dump"):
        build_request(lonely / "epoch_1.pth", None, tmp_path / "outputs")


def test_weights_of_another_model_are_refused_with_the_keys(client: DemoClient, run_copy: Path,
                                                             tmp_path: Path) -> None:
    other = run_copy / "work_dirs" / "other_model"
    shutil.copytree(run_copy / "work_dirs/sample_tiny", other)
    dump = other / "sample_tiny.py"
    dump.write_text(dump.read_text().replace("depth=18,", "depth=34,"))
    request = build_request(other / "epoch_1.pth", None, tmp_path / "outputs")
    with pytest.raises(DemoError, match="another model") as caught:
        client.run(request)
    assert "missing" in caught.value.message and "backbone.layer" in caught.value.message
    assert not (tmp_path / "outputs").exists()
    assert client.running


def test_the_worker_runs_pinned_where_the_placement_says_and_restarts_for_another_device(
        run_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An inherited CUDA_VISIBLE_DEVICES never reaches the worker; a GPU it cannot see is a
    clear error, not a quiet CPU run; each device change is a fresh worker."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")  # from the user's shell: a colleague's GPU
    client = DemoClient()
    try:
        on_cpu = client.run(_request(run_copy))
        assert on_cpu.device == "cpu" and on_cpu.visible_devices == ""
        cpu_worker = client.pid
        gpu = one_process(DeviceChoice(indices=(1, 2), uuids=("GPU-00000001-aaaa", "GPU-00000002-bbbb")))
        with pytest.raises(DemoError, match="CUDA is not available in the inference worker") as caught:
            client.run(_request(run_copy, placement=gpu))
        assert f"CUDA_VISIBLE_DEVICES={gpu.visible_devices!r}" in caught.value.message
        assert "cpu" in caught.value.hint.lower()
        assert client.running and client.pid != cpu_worker  # restarted for the GPU, still serving
        assert not list((run_copy / "outputs").glob("*.png.*"))  # nothing half-written
        back = client.run(_request(run_copy))
        assert back.visible_devices == "" and not back.reused_model  # a new CPU worker again
        assert client.use(gpu) and not client.running  # a device change stops it at once
        assert not client.use(gpu)  # nothing left to stop
    finally:
        client.close()


def test_swapping_models_releases_the_old_one(run_copy: Path) -> None:
    """The swap path (gc, and empty_cache where CUDA is initialised) on CPU: the old model is
    gone once the next is loaded. Run in a child: the test process never imports torch."""
    work = run_copy / "work_dirs/sample_tiny"
    code = f"""
import io, json, weakref
from vocseg_tui.workers.inference import Worker

def request(n, ckpt):
    return {{"id": n, "op": "demo", "config": {str(work / "sample_tiny.py")!r},
            "checkpoint": {str(work)!r} + "/" + ckpt, "image": {str(DEMO_IMAGE)!r},
            "out": {str(run_copy / "outputs")!r} + f"/swap{{n}}.png", "device": "cpu"}}

replies = io.StringIO()
worker = Worker(replies)
worker.handle(request(1, "epoch_1.pth"))
first = weakref.ref(worker.model)
worker.handle(request(2, "epoch_2.pth"))
print(json.dumps({{"old_alive": first() is not None, "loaded": worker.model is not None,
                   "ok": [json.loads(line)["ok"] for line in replies.getvalue().splitlines()
                          if '"done"' in line]}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"old_alive": False, "loaded": True, "ok": [True, True]}


def test_a_large_photo_is_shrunk_and_the_worker_memory_stays_bounded(
        client: DemoClient, run_copy: Path, tmp_path: Path) -> None:
    """A photo at the pixel limit (8000 x 8000) runs at 2048 x 2048: full size, mmseg's class
    scores alone would take 21 x 64 M x 4 bytes = 5 GiB."""
    big = uniform_png(tmp_path / "wall.png", 8000, 8000, rgb=(120, 130, 90))
    result = client.run(_request(run_copy, image=big))
    assert result.source_size == (8000, 8000) and result.image_size == (2048, 2048)
    assert result.shrunk and Image.open(result.out).width == 2048
    assert client.pid is not None and _peak_rss(client.pid) < 1.6 * GIB


def test_a_huge_photo_is_refused_by_the_worker_too(client: DemoClient, run_copy: Path,
                                                    tmp_path: Path) -> None:
    """A request that skipped the UI's checks (the worker takes JSON from anyone) is refused
    from the header as well, and the worker keeps serving."""
    good = _request(run_copy)
    huge = uniform_png(tmp_path / "huge.png", 14000, 14000)
    with pytest.raises(DemoError, match="too large for the demo"):
        client.run(DemoRequest(good.config, good.checkpoint, huge, tmp_path / "out.png"))
    assert not (tmp_path / "out.png").exists() and client.running
