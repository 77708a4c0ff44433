"""The channels a notice can go to: a webhook (with a preset body) or an e-mail address."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from vocseg_tui.core.notify.events import DEFAULT_EVENTS, NotifyError

PRESETS = ("generic", "ntfy", "slack", "feishu", "dingtalk", "wecom")
"""The webhook bodies we know how to build; `generic` is our own JSON object."""
TLS_MODES = ("starttls", "ssl", "none")
MASK = "********"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class WebhookChannel:
    """An HTTP POST to `url`, with the body `preset` describes."""

    name: str
    url: str
    preset: str = "generic"
    on: tuple[str, ...] = DEFAULT_EVENTS
    kind: str = field(default="webhook", init=False)

    def target(self) -> str:
        return self.url

    def to_table(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "url": self.url, "preset": self.preset,
                "on": list(self.on)}

    def public(self) -> dict[str, Any]:
        """What `notify list --json` shows (a webhook's URL is the user's own: shown)."""
        return self.to_table()


@dataclass(frozen=True)
class EmailChannel:
    """A mail to `address` through the SMTP server at `smtp_host:smtp_port`."""

    name: str
    address: str
    smtp_host: str
    smtp_port: int
    tls: str = "starttls"
    user: str | None = None
    password_env: str | None = None
    """The environment variable read at send time for the password."""
    password: str | None = None
    """A password kept in the 0600 file; never printed."""
    sender: str | None = None
    """The From address (default: the user when it is an address, else `address`)."""
    on: tuple[str, ...] = DEFAULT_EVENTS
    kind: str = field(default="email", init=False)

    def target(self) -> str:
        return f"{self.address} via {self.smtp_host}:{self.smtp_port} ({self.tls})"

    def from_address(self) -> str:
        if self.sender:
            return self.sender
        return self.user if self.user and "@" in self.user else self.address

    def to_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {"name": self.name, "kind": self.kind, "address": self.address,
                                 "smtp_host": self.smtp_host, "smtp_port": self.smtp_port,
                                 "tls": self.tls, "on": list(self.on)}
        for key in ("user", "password_env", "password", "sender"):
            value = getattr(self, key)
            if value is not None:
                table[key] = value
        return table

    def public(self) -> dict[str, Any]:
        """What `notify list --json` shows: the password masked, never the password itself."""
        table = self.to_table()
        if "password" in table:
            table["password"] = MASK
        return table


Channel = WebhookChannel | EmailChannel


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise NotifyError(f"channel name {name!r} is not usable",
                          "use letters, digits, '-', '_' and '.', starting with a letter or digit")
    return name


def check_preset(preset: str) -> str:
    if preset not in PRESETS:
        raise NotifyError(f"unknown webhook preset {preset!r}", f"choose from {', '.join(PRESETS)}")
    return preset


def check_tls(tls: str) -> str:
    if tls not in TLS_MODES:
        raise NotifyError(f"unknown --tls {tls!r}", f"choose from {', '.join(TLS_MODES)}")
    return tls


def check_url(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise NotifyError(f"webhook URL {url!r} is not an http(s) URL",
                          "give the full URL, e.g. https://ntfy.sh/my-topic")
    return url


def parse_smtp(text: str) -> tuple[str, int]:
    """HOST:PORT (a bracketed [IPv6]:PORT too) as (host, port)."""
    match = re.match(r"^\[([^\]]+)\]:(\d+)$", text) or re.match(r"^([^:\s]+):(\d+)$", text)
    port = int(match.group(2)) if match else 0
    if not match or not 0 < port < 65536:
        raise NotifyError(f"--smtp {text!r} is not HOST:PORT",
                          "e.g. --smtp smtp.example.com:587 (starttls) or :465 (ssl)")
    return match.group(1), port


def from_table(table: dict[str, Any]) -> Channel:
    """A channel from its TOML table; KeyError/TypeError/ValueError/NotifyError when malformed."""
    from vocseg_tui.core.notify.events import EVENTS

    on = tuple(str(event) for event in table.get("on", DEFAULT_EVENTS))
    unknown = [event for event in on if event not in EVENTS]
    if unknown:
        raise NotifyError(f"unknown event {', '.join(unknown)}", f"choose from {', '.join(EVENTS)}")
    name = check_name(str(table["name"]))
    kind = table.get("kind")
    if kind == "webhook":
        return WebhookChannel(name=name, url=check_url(str(table["url"])),
                              preset=check_preset(str(table.get("preset", "generic"))), on=on)
    if kind == "email":
        def optional(key: str) -> str | None:
            value = table.get(key)
            return None if value is None else str(value)

        port = table["smtp_port"]
        if not isinstance(port, int) or isinstance(port, bool):
            raise TypeError(f"smtp_port of {name} is not a number")
        return EmailChannel(name=name, address=str(table["address"]), smtp_host=str(table["smtp_host"]),
                            smtp_port=port, tls=check_tls(str(table.get("tls", "starttls"))),
                            user=optional("user"), password_env=optional("password_env"),
                            password=optional("password"), sender=optional("sender"), on=on)
    raise ValueError(f"unknown channel kind {kind!r}")
