"""The screens under test see a machine without Slurm, as the snapshots were taken.

The Slurm tests' session fixture (tests/slurm/conftest.py) sets SLURM_CONF for the rest of the
pytest run, and the GPUs screen adds its Slurm panel wherever a slurm.conf is found; without this,
the GPUs screen's pictures would depend on whether the Slurm tests ran first (or on the
machine's /etc/slurm). The panel itself is tested in tests/slurm/test_slurm_panel.py against
the real test cluster.
"""

from __future__ import annotations

import pytest

from vocseg_tui.core.slurm import cluster as slurm_cluster


@pytest.fixture(autouse=True)
def no_slurm_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLURM_CONF", raising=False)
    monkeypatch.setattr(slurm_cluster, "CONF_PLACES", ())  # a developer's login node too
