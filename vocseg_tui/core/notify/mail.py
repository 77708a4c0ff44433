"""One notice to one e-mail address over SMTP (STARTTLS, implicit TLS, or plain).

The password comes from the environment variable the channel names, read at send time, or
from the channel itself (kept in the 0600 settings file). It is never part of a message: a
reason that would quote it has it blanked out.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from vocseg_tui.core.notify.channels import MASK, EmailChannel
from vocseg_tui.core.notify.events import Notice
from vocseg_tui.core.notify.webhook import TIMEOUT_S, SendError


def password_of(channel: EmailChannel) -> str | None:
    """The password to log in with: the named variable first, else the one kept in the file."""
    if channel.password_env:
        value = os.environ.get(channel.password_env)
        if value is None and channel.password is None:
            raise SendError(f"the environment variable {channel.password_env} (the SMTP password) "
                            "is not set")
        if value is not None:
            return value
    return channel.password


def compose(channel: EmailChannel, notice: Notice) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = notice.title()
    mail["From"] = channel.from_address()
    mail["To"] = channel.address
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="vocseg-tui")
    mail.set_content(notice.message() + "\n")
    return mail


def _connect(channel: EmailChannel, timeout: float) -> smtplib.SMTP:
    if channel.tls == "ssl":
        return smtplib.SMTP_SSL(channel.smtp_host, channel.smtp_port, timeout=timeout,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(channel.smtp_host, channel.smtp_port, timeout=timeout)
    if channel.tls == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def send_mail(channel: EmailChannel, notice: Notice, timeout: float = TIMEOUT_S) -> None:
    """Mail `notice`; SendError with the reason (never the password) when it was not accepted."""
    password = password_of(channel)
    try:
        with _connect(channel, timeout) as client:
            if channel.user:
                client.login(channel.user, password or "")
            refused = client.send_message(compose(channel, notice))
    except smtplib.SMTPAuthenticationError as error:
        raise SendError(_scrub(f"the SMTP server refused the login of {channel.user}: "
                               f"{error.smtp_code} {_text(error.smtp_error)}", password)) from None
    except smtplib.SMTPResponseException as error:
        raise SendError(_scrub(f"the SMTP server answered {error.smtp_code} {_text(error.smtp_error)}",
                               password)) from None
    except smtplib.SMTPException as error:
        raise SendError(_scrub(f"SMTP failed: {error}", password)) from None
    except (OSError, ValueError) as error:  # refused, unreachable, TLS errors, timeouts
        text = getattr(error, "strerror", None) or str(error)
        raise SendError(_scrub(f"could not reach {channel.smtp_host}:{channel.smtp_port}: {text}",
                               password)) from None
    if refused:
        raise SendError(f"the SMTP server refused {', '.join(refused)}")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _scrub(text: str, password: str | None) -> str:
    return text.replace(password, MASK) if password else text
