"""A channel that never answers cannot hold whoever sends: one event's sending has a time cap."""

from __future__ import annotations

import socket
import time

import pytest

from vocseg_tui.core.jobs.notices import BACKOFF_ENV, send_bounded
from vocseg_tui.core.notify.channels import WebhookChannel
from vocseg_tui.core.notify.config import save_channels
from vocseg_tui.core.notify.events import Notice


def test_a_silent_channel_is_given_up_after_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKOFF_ENV, "0")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        save_channels([WebhookChannel(name="silent", url=f"http://127.0.0.1:{silent.getsockname()[1]}/")])
        started = time.monotonic()
        [delivery] = send_bounded(Notice(event="succeeded", job=1, run="r", host="h", state="succeeded"),
                                  cap_s=0.5)
        assert time.monotonic() - started < 3
    assert not delivery.ok and "not finished within 0.5 s" in delivery.reason
