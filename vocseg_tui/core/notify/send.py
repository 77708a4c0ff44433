"""Send a notice to every channel that wants it, with retries; never raises.

A failing channel must never affect a job: whatever goes wrong ends up as a failed `Delivery`
with its reason, which the caller writes to the job log or shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vocseg_tui.core.notify.channels import Channel, EmailChannel
from vocseg_tui.core.notify.events import Notice
from vocseg_tui.core.notify.mail import send_mail
from vocseg_tui.core.notify.webhook import TIMEOUT_S, SendError, send_webhook

RETRIES = 3
"""Attempts after the first one."""
BACKOFF_S = 2.0
"""The wait before the first retry; it doubles before each next one."""


@dataclass(frozen=True)
class Delivery:
    """How sending one notice to one channel went."""

    channel: str
    ok: bool
    reason: str = ""
    """Why it failed (the last attempt's reason); empty when it was accepted."""
    attempts: int = 1


def send_one(channel: Channel, notice: Notice, timeout: float = TIMEOUT_S) -> None:
    """Send once; SendError when the channel did not accept it."""
    if isinstance(channel, EmailChannel):
        send_mail(channel, notice, timeout)
    else:
        send_webhook(channel, notice, timeout)


def _attempt(channel: Channel, notice: Notice, timeout: float) -> str:
    """'' when accepted, else the reason."""
    try:
        send_one(channel, notice, timeout)
    except SendError as error:
        return str(error) or "not accepted"
    except Exception as error:  # a bug or a surprise must not reach the job
        return f"{type(error).__name__}: {error}"
    return ""


def deliver_configured(notice: Notice, **options: Any) -> list[Delivery]:
    """`deliver` to the channels in the user's notify.toml; never raises.

    What the supervisor calls: a settings file that cannot be read is one failed Delivery
    (named after the file) with the reason, for the job log, instead of an exception."""
    from vocseg_tui.core.errors import VocsegError
    from vocseg_tui.core.notify.config import FILE_NAME, load_channels

    try:
        channels = load_channels()
    except VocsegError as error:
        return [Delivery(FILE_NAME, ok=False, reason=error.message, attempts=0)]
    except Exception as error:  # an unreadable config dir: still nothing may reach the job
        return [Delivery(FILE_NAME, ok=False, reason=f"{type(error).__name__}: {error}", attempts=0)]
    return deliver(notice, channels, **options)


def deliver(notice: Notice, channels: Iterable[Channel], *, retries: int = RETRIES,
            backoff_s: float = BACKOFF_S, timeout: float = TIMEOUT_S, every_channel: bool = False,
            sleep: Callable[[float], None] = time.sleep) -> list[Delivery]:
    """Send `notice` to each channel whose `on` includes its event (every one: `every_channel`).

    Each channel gets up to `retries` more attempts after a failure, waiting `backoff_s`,
    then twice that, and so on. Returns one Delivery per channel it was sent to.
    """
    deliveries = []
    for channel in channels:
        if not every_channel and notice.event not in channel.on:
            continue
        attempts, reason = 0, ""
        while True:
            attempts += 1
            reason = _attempt(channel, notice, timeout)
            if not reason or attempts > retries:
                break
            wait = backoff_s * 2 ** (attempts - 1)
            if wait > 0:
                sleep(wait)
        deliveries.append(Delivery(channel.name, ok=not reason, reason=reason, attempts=attempts))
    return deliveries
