"""One long-lived mmengine loader child for this folder's tests (imports mmengine/mmseg once)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vocseg_tui.core.recipe.loader import ConfigLoader


@pytest.fixture(scope="session")
def config_loader() -> Iterator[ConfigLoader]:
    loader = ConfigLoader(timeout=120)
    yield loader
    loader.close()
