"""The GPUs screen marks a GPU too small for the current recipe's memory estimate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from tests.tui.waiting import until
from vocseg_tui.core.gpus import FAKE_ENV
from vocseg_tui.core.project import Project
from vocseg_tui.tui.app import make_app
from vocseg_tui.tui.screens.gpus import GPUsScreen


@pytest.mark.slow
async def test_a_gpu_with_too_little_free_memory_shows_wont_fit(
        sample_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        sample_estimated: None) -> None:
    fake = tmp_path / "gpus.json"
    fake.write_text(json.dumps({"gpus": [{"memory_total_mib": 81920},
                                         {"memory_total_mib": 16, "memory_used_mib": 8}]}))
    monkeypatch.setenv(FAKE_ENV, str(fake))
    app = make_app(sample_project, start="gpus")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, GPUsScreen) and app.screen.inventory is not None)
        table = app.screen.query_one("#gpu-table", DataTable)
        assert str(table.get_cell("1", "state")).endswith("won't fit")
        assert str(table.get_cell("0", "state")) == "free"
        status = str(app.screen.query_one("#gpu-status", Static).render())
        assert "sample_tiny.py needs about" in status
