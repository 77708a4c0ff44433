"""How long a Recipe-screen validation takes: the long-lived loader child vs a fresh process.

Each check renders a recipe, resolves it with mmengine in a child process and validates it.
The screen keeps one loader alive; the baseline starts `python -m ...config_loader` per check
(what `vocseg-tui check` does once). Prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from vocseg_tui.core.recipe import Recipe, render_config
from vocseg_tui.core.recipe.check import check_text
from vocseg_tui.core.recipe.loader import ConfigLoader

CHECKS = 5


def run(loader: ConfigLoader | None, root: Path) -> list[float]:
    times = []
    for epochs in range(CHECKS):
        text = render_config(Recipe(max_epochs=10 + epochs))
        started = time.perf_counter()
        findings = check_text(text, root / "configs", processes=2, project_root=root, loader=loader)
        times.append(time.perf_counter() - started)
        assert not any(f.severity == "error" for f in findings)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        loader = ConfigLoader()
        try:
            ours = run(loader, root)
        finally:
            loader.close()
        baseline = run(None, root)
    ours_s = sum(ours[1:]) / (CHECKS - 1)  # steady state, as typing sees it
    base_s = sum(baseline) / CHECKS
    print(f"first check (starts the loader): {ours[0]:.2f} s")
    print(json.dumps({"checks": CHECKS, "ours_first_s": round(ours[0], 3), "ours_s": round(ours_s, 3),
                      "baseline_s": round(base_s, 3), "ratio": round(ours_s / base_s, 3)}))


if __name__ == "__main__":
    main()
