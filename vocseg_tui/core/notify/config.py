"""Where the channels live: `notify.toml` in the user's config dir, private to its owner.

The file may hold webhook tokens and a mail password, so the folder is 0700 and the file 0600,
and it is replaced atomically: a reader never sees half of it. `VOCSEG_CONFIG_DIR` overrides
the folder (tests, scripts, a shared home).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import tomli_w
from platformdirs import user_config_path

from vocseg_tui.core.fsutil import ensure_private_dir, write_text_atomic
from vocseg_tui.core.notify.channels import Channel, from_table
from vocseg_tui.core.notify.events import NotifyError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_DIR_ENV = "VOCSEG_CONFIG_DIR"
APP_NAME = "vocseg-tui"
FILE_NAME = "notify.toml"
VERSION = 1


def config_dir() -> Path:
    """The private (0700) folder for the user's settings, created on first use."""
    override = os.environ.get(CONFIG_DIR_ENV)
    path = Path(override).expanduser() if override else user_config_path(APP_NAME)
    return ensure_private_dir(path)


def config_path() -> Path:
    return config_dir() / FILE_NAME


def _corrupt(path: Path, why: str) -> NotifyError:
    return NotifyError(f"the notification settings in {path} cannot be read: {why}",
                       "fix the file by hand, or move it away and add the channels again "
                       "with `vocseg-tui notify add`")


def load_channels(path: Path | None = None) -> list[Channel]:
    """The configured channels, in the order they were added; none when there is no file."""
    path = path or config_path()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise _corrupt(path, str(error)) from None
    except OSError as error:
        raise _corrupt(path, error.strerror or str(error)) from None
    tables = document.get("channel", [])
    if not isinstance(tables, list):
        raise _corrupt(path, "`channel` is not a list of [[channel]] tables")
    channels: list[Channel] = []
    for index, table in enumerate(tables, start=1):
        try:
            if not isinstance(table, dict):
                raise TypeError("not a table")
            channel = from_table(table)
        except KeyError as error:
            raise _corrupt(path, f"channel {index} has no {error.args[0]}") from None
        except (TypeError, ValueError, NotifyError) as error:
            raise _corrupt(path, f"channel {index}: {error}") from None
        if any(c.name == channel.name for c in channels):
            raise _corrupt(path, f"two channels are named {channel.name}")
        channels.append(channel)
    return channels


def wanted(event: str) -> bool:
    """Whether any configured channel asks for `event`, so a sender can skip the work of a
    notice nobody wants (an unreadable file: False here; the job's end reports the file)."""
    try:
        return any(event in channel.on for channel in load_channels())
    except Exception:  # the settings of a notice must never reach the job
        return False


def save_channels(channels: list[Channel], path: Path | None = None) -> Path:
    """Write the channels (0600, atomically) and return the file's path."""
    path = path or config_path()
    ensure_private_dir(path.parent)
    document: dict[str, Any] = {"version": VERSION, "channel": [c.to_table() for c in channels]}
    text = "# vocseg-tui notification channels; managed with `vocseg-tui notify`.\n"
    write_text_atomic(path, text + tomli_w.dumps(document))
    path.chmod(0o600)
    return path


def next_name(kind: str, channels: list[Channel]) -> str:
    """`webhook-1`, `email-1`, ...: the first free one of that kind."""
    taken = {c.name for c in channels}
    number = 1
    while f"{kind}-{number}" in taken:
        number += 1
    return f"{kind}-{number}"


def find(name: str, channels: list[Channel]) -> Channel:
    for channel in channels:
        if channel.name == name:
            return channel
    known = ", ".join(c.name for c in channels) or "none yet"
    raise NotifyError(f"no notification channel named {name!r}",
                      f"channels: {known} (see `vocseg-tui notify list`)")


def add_channel(channel: Channel, path: Path | None = None) -> Channel:
    """Append `channel`, refusing a name that is taken."""
    channels = load_channels(path)
    if any(c.name == channel.name for c in channels):
        raise NotifyError(f"a notification channel named {channel.name!r} exists already",
                          "pick another --name, or `vocseg-tui notify remove` it first")
    save_channels([*channels, channel], path)
    return channel


def remove_channel(name: str, path: Path | None = None) -> Channel:
    """Remove the channel called `name` and return it."""
    channels = load_channels(path)
    gone = find(name, channels)
    save_channels([c for c in channels if c.name != name], path)
    return gone
