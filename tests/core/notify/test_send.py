"""deliver(): only the channels that want the event, retries with backoff, never raises."""

from __future__ import annotations

from tests.core.notify.servers import closed_port, http_recorder, smtp_server
from vocseg_tui.core.notify.channels import EmailChannel, WebhookChannel
from vocseg_tui.core.notify.events import Notice
from vocseg_tui.core.notify.send import deliver

NOTICE = Notice(event="failed", job=4, run="r", host="h", state="failed", diagnosis="out of memory")


def test_a_500_then_a_200_is_delivered_on_the_retry() -> None:
    waits: list[float] = []
    with http_recorder((500, b"busy")) as server:
        [delivery] = deliver(NOTICE, [WebhookChannel(name="w", url=server.url)], retries=3, backoff_s=0.5,
                             sleep=waits.append)
        assert len(server.wait_for(2)) == 2
    assert delivery.ok and delivery.attempts == 2 and delivery.reason == ""
    assert waits == [0.5]


def test_backoff_doubles_and_the_last_reason_is_kept() -> None:
    waits: list[float] = []
    with http_recorder(*[(200, b'{"errcode": 300001, "errmsg": "bad key"}')] * 3) as server:
        [delivery] = deliver(NOTICE, [WebhookChannel(name="w", url=server.url, preset="wecom")],
                             retries=2, backoff_s=1.0, sleep=waits.append)
        server.wait_for(3)
    assert not delivery.ok and delivery.attempts == 3 and "errcode 300001" in delivery.reason
    assert waits == [1.0, 2.0]


def test_a_refused_channel_fails_without_raising_and_others_still_get_it() -> None:
    dead = WebhookChannel(name="dead", url=f"http://127.0.0.1:{closed_port()}/x")
    with http_recorder() as server, smtp_server() as mailbox:
        mail = EmailChannel(name="mail", address="me@example.com", smtp_host="127.0.0.1",
                            smtp_port=mailbox.port, tls="none")
        deliveries = deliver(NOTICE, [dead, WebhookChannel(name="live", url=server.url), mail],
                             retries=1, backoff_s=0)
        server.wait_for(1)
        mailbox.wait_for(1)
    assert [(d.channel, d.ok) for d in deliveries] == [("dead", False), ("live", True), ("mail", True)]
    assert deliveries[0].attempts == 2 and "could not reach" in deliveries[0].reason


def test_only_channels_whose_events_include_it_are_sent_to() -> None:
    with http_recorder() as server:
        quiet = WebhookChannel(name="quiet", url=server.url, on=("succeeded",))
        loud = WebhookChannel(name="loud", url=server.url, on=("failed", "best"))
        assert [d.channel for d in deliver(NOTICE, [quiet, loud], backoff_s=0)] == ["loud"]
        assert [d.channel for d in deliver(NOTICE, [quiet], backoff_s=0, every_channel=True)] == ["quiet"]
        server.wait_for(2)


def test_deliver_configured_reads_the_file_and_a_broken_file_is_a_failed_delivery() -> None:
    from vocseg_tui.core.notify.config import add_channel, config_path
    from vocseg_tui.core.notify.send import deliver_configured

    with http_recorder() as server:
        add_channel(WebhookChannel(name="w", url=server.url))
        assert [(d.channel, d.ok) for d in deliver_configured(NOTICE, backoff_s=0)] == [("w", True)]
        server.wait_for(1)
    config_path().write_text("not = [toml")
    [broken] = deliver_configured(NOTICE)
    assert not broken.ok and broken.channel == "notify.toml" and "cannot be read" in broken.reason
