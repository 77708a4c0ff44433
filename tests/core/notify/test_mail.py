"""Mail through a real SMTP server on 127.0.0.1 (aiosmtpd), with and without a login."""

from __future__ import annotations

import pytest

from tests.core.notify.servers import AUTH_WITHOUT_TLS, closed_port, smtp_server
from vocseg_tui.core.notify.channels import EmailChannel
from vocseg_tui.core.notify.events import Notice
from vocseg_tui.core.notify.webhook import SendError

pytestmark = pytest.mark.filterwarnings(AUTH_WITHOUT_TLS)
NOTICE = Notice(event="succeeded", job=9, run="upernet", host="gpu-2", state="succeeded", epoch=40,
                max_epochs=40, best_miou=77.5, best_epoch=38, wall_s=7200.0, log="/w/train.log")


def _mail(port: int, **options: object) -> EmailChannel:
    return EmailChannel(name="email-1", address="me@example.com", smtp_host="127.0.0.1", smtp_port=port,
                        tls="none", **options)  # type: ignore[arg-type]


def test_a_mail_arrives_with_the_title_as_subject_and_the_message_as_body() -> None:
    from vocseg_tui.core.notify.mail import send_mail

    with smtp_server() as mailbox:
        send_mail(_mail(mailbox.port), NOTICE)
        [mail] = mailbox.wait_for(1)
    assert mail["Subject"] == NOTICE.title() and mail["To"] == "me@example.com"
    body = mail.get_content()
    assert "best mIoU 77.50 at epoch 38" in body and "vocseg-tui logs 9" in body


def test_a_login_with_the_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from vocseg_tui.core.notify.mail import send_mail

    monkeypatch.setenv("VOCSEG_TEST_SMTP_PW", "hunter2")
    with smtp_server(user="me", password="hunter2") as mailbox:
        send_mail(_mail(mailbox.port, user="me", password_env="VOCSEG_TEST_SMTP_PW"), NOTICE)
        mailbox.wait_for(1)
        assert mailbox.logins == ["me"]
        with pytest.raises(SendError) as refused:
            send_mail(_mail(mailbox.port, user="me", password="wrong-pw-123"), NOTICE)
    assert "refused the login" in str(refused.value) and "wrong-pw-123" not in str(refused.value)


def test_a_missing_password_variable_and_a_closed_port_are_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    from vocseg_tui.core.notify.mail import send_mail

    monkeypatch.delenv("VOCSEG_TEST_NO_SUCH_PW", raising=False)
    with pytest.raises(SendError) as missing:
        send_mail(_mail(25, user="me", password_env="VOCSEG_TEST_NO_SUCH_PW"), NOTICE)
    assert "VOCSEG_TEST_NO_SUCH_PW" in str(missing.value)
    with pytest.raises(SendError) as refused:
        send_mail(_mail(closed_port()), NOTICE, timeout=5)
    assert "could not reach 127.0.0.1" in str(refused.value)
