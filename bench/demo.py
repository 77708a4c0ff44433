"""The demo's cost against an image_demo-style process, on a checkpoint of the trained sample.

    python bench/demo.py [--checkpoint CKPT] [--image IMAGE] [--rounds N]

Baseline (stock): a fresh process that does what mmseg's demo/image_demo.py does: init_model
+ inference_model + show_result_pyplot (drawing to a file), with checkpoint loading made to work
on torch >= 2.6 through the allow-list (stock mmseg crashes there). Timed from process start to
exit: what a user pays per image with the tutorial's command.
Ours: the first demo (starting the worker, imports, model load, inference, overlay) and the
second demo on the same checkpoint and image (the worker kept the model). Medians of N rounds,
alternating, in this one run. Goal: warm demo <= 0.15x the stock cold run.
Large photos: a photo at the pixel limit (8000 x 8000, uniform PNG) through the warm worker:
its time and the worker's peak resident memory (VmHWM) against its size after the first demo;
and how long refusing a 14000 x 14000 one takes (header only, before any process starts).
Without --checkpoint it creates and trains the sample project in a temporary folder (~15-40 s).
Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

STOCK = textwrap.dedent("""
    import sys
    from vocseg_tui.workers.checkpoint_io import install_allowlist
    from mmseg.apis import inference_model, init_model, show_result_pyplot
    install_allowlist()  # the only change: stock mmseg cannot load the checkpoint on torch >= 2.6
    config, checkpoint, image, out = sys.argv[1:5]
    model = init_model(config, checkpoint, device='cpu')
    result = inference_model(model, image)
    show_result_pyplot(model, image, result, opacity=0.5, title='result', draw_gt=False,
                       show=False, out_file=out)
""")


def stock_run(config: Path, checkpoint: Path, image: Path, out: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", STOCK, str(config), str(checkpoint), str(image), str(out)],
                          capture_output=True, text=True, check=False, cwd=HERE.parent)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"stock demo failed:\n{done.stderr[-3000:]}")
    return elapsed


def ours_run(checkpoint: Path, image: Path, outputs: Path) -> tuple[float, float]:
    from vocseg_tui.core.demo import DemoClient, build_request

    client = DemoClient()
    try:
        started = time.perf_counter()
        first = client.run(build_request(checkpoint, image, outputs))
        cold = time.perf_counter() - started
        started = time.perf_counter()
        second = client.run(build_request(checkpoint, image, outputs))
        warm = time.perf_counter() - started
        assert not first.reused_model and second.reused_model
    finally:
        client.close()
    return cold, warm


def large_images(checkpoint: Path, tmp: Path) -> dict[str, float | str]:
    from tests.images import uniform_png
    from vocseg_tui.core.demo import DemoClient, DemoError, build_request, check_image

    side = 8000
    big = uniform_png(tmp / "wall.png", side, side, rgb=(120, 130, 90))
    huge = uniform_png(tmp / "poster.png", 14000, 14000)
    started = time.perf_counter()
    try:
        check_image(huge)
    except DemoError:
        refused_ms = (time.perf_counter() - started) * 1000
    else:
        raise RuntimeError("a 14000 x 14000 image was accepted")
    client = DemoClient()
    try:
        client.run(build_request(checkpoint, None, tmp / "outputs"))
        assert client.pid is not None
        idle = _peak_rss(client.pid)
        started = time.perf_counter()
        result = client.run(build_request(checkpoint, big, tmp / "outputs"))
        seconds = time.perf_counter() - started
        peak = _peak_rss(client.pid)
    finally:
        client.close()
    return {"large_image": f"{side}x{side} -> {result.image_size[0]}x{result.image_size[1]}",
            "large_image_s": round(seconds, 3), "worker_after_first_demo_mib": round(idle / 2**20),
            "worker_peak_large_image_mib": round(peak / 2**20), "huge_refusal_ms": round(refused_ms, 1)}


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def trained_checkpoint(tmp: Path) -> Path:
    from tests.training import train_sample
    from vocseg_tui.core.project import Project
    from vocseg_tui.core.sample import create_sample

    project = Project.open(create_sample(tmp / "sample").root)
    run = train_sample(project)
    return next(run.work_dir.glob("best_*.pth"))


def main() -> None:
    from vocseg_tui.core.checkpoints import find_checkpoint
    from vocseg_tui.core.demo import DEMO_IMAGE
    from vocseg_tui.core.project import STATE_DIR_ENV

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path)
    parser.add_argument("--image", type=Path, default=DEMO_IMAGE)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        import os

        os.environ.setdefault(STATE_DIR_ENV, str(tmp / "state"))
        checkpoint = args.checkpoint or trained_checkpoint(tmp)
        run, _ = find_checkpoint(checkpoint)
        assert run.config_dump is not None
        stock, cold, warm = [], [], []
        for _ in range(args.rounds):
            stock.append(stock_run(run.config_dump, checkpoint, args.image, tmp / "stock.png"))
            ours_cold, ours_warm = ours_run(checkpoint, args.image, tmp / "outputs")
            cold.append(ours_cold)
            warm.append(ours_warm)
        large = large_images(checkpoint, tmp)
    baseline = statistics.median(stock)
    result = {
        "baseline_s": round(baseline, 3),
        "ours_first_s": round(statistics.median(cold), 3),
        "ours_warm_s": round(statistics.median(warm), 3),
        "first_ratio": round(statistics.median(cold) / baseline, 3),
        "warm_ratio": round(statistics.median(warm) / baseline, 3),
        "goal_warm_ratio": 0.15,
        "rounds": args.rounds,
        "image": args.image.name,
        **large,
    }
    print(f"stock image_demo-style process: {result['baseline_s']} s per image (cold)")
    print(f"ours, first demo: {result['ours_first_s']} s ({result['first_ratio']}x)")
    print(f"ours, warm demo:  {result['ours_warm_s']} s ({result['warm_ratio']}x; goal <= 0.15x)")
    print(f"large photo {large['large_image']}: {large['large_image_s']} s, worker peak "
          f"{large['worker_peak_large_image_mib']} MiB (after the first demo: "
          f"{large['worker_after_first_demo_mib']} MiB); "
          f"14000x14000 refused in {large['huge_refusal_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
