"""`vocseg-tui notify add|list|remove|test`: where job notices go (webhooks, e-mail).

The channels live in `notify.toml` in the user's config dir (`VOCSEG_CONFIG_DIR` overrides
it), mode 0600. `list --json` prints {"schema": 1, "path", "channels": [...]}, each channel its
settings with a kept password masked. `test` exits 0 when every channel accepted the test
message, 1 otherwise (printing why, per channel); bad input (an unknown channel, event or
preset, a bad HOST:PORT) exits 2 with `error:` and `hint:`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from vocseg_tui.cli.output import ExitCode, print_json

ORDER = 70
SCHEMA = 1


def register(commands: Any) -> None:
    from vocseg_tui.core.notify.channels import PRESETS, TLS_MODES
    from vocseg_tui.core.notify.events import DEFAULT_EVENTS, EVENTS

    on_help = (f"comma-separated events to send: {', '.join(EVENTS)} "
               f"(default: {','.join(DEFAULT_EVENTS)})")
    notify = commands.add_parser(
        "notify", help="where job notices go: webhooks (ntfy, Slack, Feishu, ...) and e-mail",
        description="Manage the channels that hear about your jobs (kept in notify.toml in the "
                    "config dir, mode 0600; VOCSEG_CONFIG_DIR overrides the dir).")
    actions = notify.add_subparsers(dest="notify_action", metavar="ACTION")
    notify.set_defaults(handler=lambda _args: _usage(notify))

    add = actions.add_parser("add", help="add a webhook or an e-mail channel")
    kinds = add.add_subparsers(dest="kind", metavar="KIND")
    add.set_defaults(handler=lambda _args: _usage(add))

    webhook = kinds.add_parser("webhook", help="an HTTP POST to URL",
                               description="Each preset sends the body that service's bot API expects; "
                                           "generic sends a JSON object with the notice's fields.")
    webhook.add_argument("url", metavar="URL")
    webhook.add_argument("--preset", default="generic", help=f"{' | '.join(PRESETS)} (default: generic)")
    webhook.add_argument("--on", default=None, metavar="EVENTS", help=on_help)
    webhook.add_argument("--name", default=None, help="default: webhook-1, webhook-2, ...")
    webhook.set_defaults(handler=run_add_webhook)

    email = kinds.add_parser("email", help="a mail to ADDRESS through an SMTP server")
    email.add_argument("address", metavar="ADDRESS")
    email.add_argument("--smtp", required=True, metavar="HOST:PORT")
    email.add_argument("--tls", default="starttls", help=f"{' | '.join(TLS_MODES)} (default: starttls)")
    email.add_argument("--user", default=None, help="the SMTP login (default: no login)")
    email.add_argument("--password-env", default=None, metavar="VAR",
                       help="environment variable holding the password, read at send time")
    email.add_argument("--password-stdin", action="store_true",
                       help="read the password from stdin and keep it in the 0600 settings file")
    email.add_argument("--from", dest="sender", default=None, metavar="ADDRESS",
                       help="the From address (default: --user when it is an address, else ADDRESS)")
    email.add_argument("--on", default=None, metavar="EVENTS", help=on_help)
    email.add_argument("--name", default=None, help="default: email-1, email-2, ...")
    email.set_defaults(handler=run_add_email)

    listing = actions.add_parser("list", help="the configured channels (secrets masked)")
    listing.add_argument("--json", action="store_true", help='print {"schema": 1, "channels": [...]}')
    listing.set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="remove a channel")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=run_remove)

    test = actions.add_parser("test", help="send a test message (exit 0 when every channel took it)")
    test.add_argument("name", metavar="NAME", nargs="?", default=None,
                      help="one channel (default: every channel)")
    test.set_defaults(handler=run_test)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return ExitCode.BAD_INPUT


def _name(args: argparse.Namespace, kind: str) -> str:
    from vocseg_tui.core.notify.channels import check_name
    from vocseg_tui.core.notify.config import load_channels, next_name

    return check_name(args.name) if args.name else next_name(kind, load_channels())


def run_add_webhook(args: argparse.Namespace) -> int:
    from vocseg_tui.core.notify.channels import WebhookChannel, check_preset, check_url
    from vocseg_tui.core.notify.config import add_channel, config_path
    from vocseg_tui.core.notify.events import parse_events

    channel = WebhookChannel(name=_name(args, "webhook"), url=check_url(args.url),
                             preset=check_preset(args.preset), on=parse_events(args.on))
    add_channel(channel)
    print(f"added {channel.name}: {channel.preset} webhook, on {','.join(channel.on)} ({config_path()})")
    print(f"try it: vocseg-tui notify test {channel.name}")
    return ExitCode.OK


def run_add_email(args: argparse.Namespace) -> int:
    from vocseg_tui.core.notify.channels import EmailChannel, check_tls, parse_smtp
    from vocseg_tui.core.notify.config import add_channel, config_path
    from vocseg_tui.core.notify.events import NotifyError, parse_events

    host, port = parse_smtp(args.smtp)
    tls = check_tls(args.tls)
    on = parse_events(args.on)
    if "@" not in args.address:
        raise NotifyError(f"{args.address!r} is not an e-mail address", "e.g. me@example.com")
    if (args.password_env or args.password_stdin) and not args.user:
        raise NotifyError("a password is only used with a login", "add --user U")
    password = None
    if args.password_stdin:
        if sys.stdin.isatty():
            import getpass

            password = getpass.getpass(f"SMTP password of {args.user}: ") or None
        else:
            password = sys.stdin.readline().rstrip("\r\n") or None
        if password is None:
            raise NotifyError("--password-stdin read an empty password", "pipe the password in")
    channel = EmailChannel(name=_name(args, "email"), address=args.address, smtp_host=host,
                           smtp_port=port, tls=tls, user=args.user, password_env=args.password_env,
                           password=password, sender=args.sender, on=on)
    add_channel(channel)
    print(f"added {channel.name}: mail to {channel.target()}, on {','.join(channel.on)} "
          f"({config_path()})")
    print(f"try it: vocseg-tui notify test {channel.name}")
    return ExitCode.OK


def run_list(args: argparse.Namespace) -> int:
    from vocseg_tui.core.notify.config import config_path, load_channels

    channels = load_channels()
    if args.json:
        print_json({"schema": SCHEMA, "path": str(config_path()),
                    "channels": [c.public() for c in channels]})
        return ExitCode.OK
    if not channels:
        print("no notification channels yet: add one with `vocseg-tui notify add webhook URL` "
              "or `vocseg-tui notify add email ADDRESS --smtp HOST:PORT`")
        return ExitCode.OK
    print(f"{'NAME':<16} {'KIND':<8} {'PRESET':<9} {'EVENTS':<34} TARGET")
    for channel in channels:
        preset = getattr(channel, "preset", "-")
        target = channel.target()
        login = getattr(channel, "user", None)
        if login:
            variable = getattr(channel, "password_env", None)
            kept = " (password kept in the file)" if getattr(channel, "password", None) else ""
            target += f", user {login}" + (f", password from ${variable}" if variable else "") + kept
        print(f"{channel.name:<16} {channel.kind:<8} {preset:<9} {','.join(channel.on):<34} {target}")
    print(f"({config_path()})")
    return ExitCode.OK


def run_remove(args: argparse.Namespace) -> int:
    from vocseg_tui.core.notify.config import remove_channel

    gone = remove_channel(args.name)
    print(f"removed {gone.name}")
    return ExitCode.OK


def run_test(args: argparse.Namespace) -> int:
    from vocseg_tui.core.logs.controls import escape_controls
    from vocseg_tui.core.notify.config import find, load_channels
    from vocseg_tui.core.notify.events import NotifyError, trial_notice
    from vocseg_tui.core.notify.send import deliver

    channels = load_channels()
    if args.name is not None:
        channels = [find(args.name, channels)]
    if not channels:
        raise NotifyError("no notification channels to test",
                          "add one with `vocseg-tui notify add webhook URL` or `... add email ADDRESS`")
    deliveries = deliver(trial_notice(), channels, retries=0, every_channel=True)
    for delivery in deliveries:
        if delivery.ok:
            print(f"{delivery.channel}: sent")
        else:  # the reason may quote a server's answer: no control characters reach the terminal
            print(f"{delivery.channel}: failed: {escape_controls(delivery.reason)}")
    return ExitCode.OK if all(d.ok for d in deliveries) else ExitCode.FAILED
