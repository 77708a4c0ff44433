"""The screens under test see a machine without Slurm, as the snapshots were taken.

The GPUs screen adds its Slurm panel wherever a slurm.conf is found (SLURM_CONF or the usual
places); without this, the GPUs screen's pictures would depend on the developer's environment
and on the machine's /etc/slurm (the Slurm tests set SLURM_CONF only while their modules run).
The panel itself is tested in tests/slurm/test_slurm_panel.py against the real test cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vocseg_tui.core.slurm import cluster as slurm_cluster


@pytest.fixture(autouse=True)
def no_slurm_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLURM_CONF", raising=False)
    monkeypatch.setattr(slurm_cluster, "CONF_PLACES", ())  # a developer's login node too


@pytest.fixture
def snapshot_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, where the snapshot projects live.

    The screens show paths under the home folder as `~/...`, so the pictures hold no machine's
    temporary paths, and each run has its own folders: two suites can run at once.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home
