"""How close the fake-tensor memory estimate comes to mmseg's published training memory.

For every VOC-aug config of the installed mmseg that publishes "Memory (GB)" (per GPU, read
as GiB: mmseg logs torch.cuda.max_memory_allocated in MiB), estimate the peak at the
published batch per GPU and print a row each, then the median and worst |estimate /
published - 1| and the share within 20 %. One global calibration constant
(vocseg_tui.core.fit.CALIBRATION) is applied; the best single constant for this zoo (the
median of published / raw) is printed beside it, so a reader sees how it was chosen.

`python bench/fit.py [--save raw.json] [--from raw.json]`: --from recomputes from saved raw
answers without estimating again (the estimates take minutes on CPU). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from vocseg_tui.core.errors import VocsegError
from vocseg_tui.core.fit import CALIBRATION, run_estimator
from vocseg_tui.core.zoo import list_models, mmseg_configs_dir

GIB = 1024**3


def raw_answers(save: Path | None) -> list[dict[str, object]]:
    configs = mmseg_configs_dir()
    rows: list[dict[str, object]] = []
    for m in list_models():
        if m.memory_gb is None:
            continue
        started = time.perf_counter()
        try:
            answer = run_estimator(configs / m.config, m.batch_per_gpu, timeout=300)
        except VocsegError as error:  # a crash or a timeout of the child: unknown, not a bench failure
            answer = {"ok": False, "op": "?", "error": error.message}
        rows.append({"name": m.name, "published_gib": m.memory_gb, "batch_per_gpu": m.batch_per_gpu,
                     "seconds": round(time.perf_counter() - started, 1), **answer})
        print(f"  estimated {m.name} in {rows[-1]['seconds']} s", flush=True)
        if save:  # as it goes: a run interrupted halfway keeps what it measured
            save.write_text(json.dumps(rows, indent=1))
    return rows


def summary(rows: list[dict[str, object]], constant: float) -> dict[str, object]:
    errors = [abs(float(r["peak_bytes"]) / GIB * constant / float(r["published_gib"]) - 1)  # type: ignore[arg-type]
              for r in rows if r.get("ok")]
    if not errors:
        return {"constant": constant, "n": 0}
    return {"constant": round(constant, 4), "n": len(errors),
            "median_err": round(statistics.median(errors), 4), "worst_err": round(max(errors), 4),
            "within_20pct": round(sum(e <= 0.2 for e in errors) / len(errors), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--save", type=Path, default=None)
    parser.add_argument("--from", dest="source", type=Path, default=None)
    args = parser.parse_args()
    rows = json.loads(args.source.read_text()) if args.source else raw_answers(args.save)
    print(f"{'config':<50} {'batch':>5} {'published':>9} {'raw':>7} {'estimate':>8} {'error':>7}")
    ratios = []
    for r in rows:
        if not r.get("ok"):
            print(f"{r['name']:<50} {r['batch_per_gpu']:>5} {r['published_gib']:>9} unknown: {r.get('op')}")
            continue
        raw = float(r["peak_bytes"]) / GIB  # type: ignore[arg-type]
        published = float(r["published_gib"])  # type: ignore[arg-type]
        ratios.append(published / raw)
        est = raw * CALIBRATION
        print(f"{r['name']:<50} {r['batch_per_gpu']:>5} {published:>9.2f} {raw:>7.2f} {est:>8.2f} "
              f"{est / published - 1:>+7.1%}")
    best = statistics.median(ratios) if ratios else 1.0
    result = {"schema": 1, "configs": len(rows), "unknown": sum(not r.get("ok") for r in rows),
              "calibration": summary(rows, CALIBRATION), "best_single_constant": summary(rows, best),
              "uncalibrated": summary(rows, 1.0),
              "seconds_total": round(sum(float(r.get("seconds", 0)) for r in rows), 1)}  # type: ignore[arg-type]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
