"""notify.toml: private, atomic, readable back, and a clear message when it is broken."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vocseg_tui.core.notify.channels import EmailChannel, WebhookChannel, parse_smtp
from vocseg_tui.core.notify.config import (
    add_channel,
    config_path,
    load_channels,
    next_name,
    remove_channel,
)
from vocseg_tui.core.notify.events import NotifyError


def test_channels_round_trip_in_a_0600_file_in_a_0700_dir(config_dir: Path) -> None:
    hook = WebhookChannel(name="webhook-1", url="https://ntfy.sh/t", preset="ntfy", on=("failed",))
    mail = EmailChannel(name="email-1", address="me@example.com", smtp_host="smtp.example.com",
                        smtp_port=587, user="me", password="s3cret")
    add_channel(hook)
    add_channel(mail)
    assert config_path() == config_dir / "notify.toml"
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(config_path().stat().st_mode) == 0o600
    assert load_channels() == [hook, mail]
    assert mail.public()["password"] != "s3cret"
    assert remove_channel("webhook-1") == hook
    assert load_channels() == [mail]


def test_no_file_is_no_channels() -> None:
    assert load_channels() == []


def test_names_default_to_kind_and_number_and_duplicates_are_refused() -> None:
    hook = WebhookChannel(name=next_name("webhook", load_channels()), url="http://h/x")
    add_channel(hook)
    assert hook.name == "webhook-1"
    assert next_name("webhook", load_channels()) == "webhook-2"
    assert next_name("email", load_channels()) == "email-1"
    with pytest.raises(NotifyError) as refused:
        add_channel(WebhookChannel(name="webhook-1", url="http://other/y"))
    assert "webhook-1" in refused.value.message
    with pytest.raises(NotifyError):
        remove_channel("nope")


@pytest.mark.parametrize("text", [
    "this is [not toml",
    "[[channel]]\nkind = 'webhook'\nname = 'a'\n",
    "[[channel]]\nkind = 'pager'\nname = 'a'\n",
    "[[channel]]\nkind = 'webhook'\nname = 'a'\nurl = 'http://h'\non = ['whenever']\n",
    "channel = 3\n",
])
def test_a_corrupt_file_names_itself_and_what_to_do(text: str) -> None:
    path = config_path()
    path.write_text(text)
    with pytest.raises(NotifyError) as broken:
        load_channels()
    assert str(path) in broken.value.message and "notify add" in broken.value.hint


def test_smtp_addresses() -> None:
    assert parse_smtp("smtp.example.com:587") == ("smtp.example.com", 587)
    assert parse_smtp("[::1]:25") == ("::1", 25)
    for bad in ("smtp.example.com", "host:0", "host:99999", "host:port"):
        with pytest.raises(NotifyError):
            parse_smtp(bad)
