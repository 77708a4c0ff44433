"""`vocseg-tui notify add|list|remove|test`: output, exit codes, and no secret ever printed."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from tests.core.notify.servers import AUTH_WITHOUT_TLS, closed_port, http_recorder, smtp_server
from vocseg_tui.cli import main
from vocseg_tui.core.notify.config import CONFIG_DIR_ENV

pytestmark = pytest.mark.filterwarnings(AUTH_WITHOUT_TLS)
SECRET = "pa55-w0rd-never-shown"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(folder))
    return folder


def _json_list(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["notify", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_add_list_remove_a_webhook(capsys: pytest.CaptureFixture[str], config_dir: Path) -> None:
    assert main(["notify", "add", "webhook", "https://ntfy.sh/my-topic", "--preset", "ntfy",
                 "--on", "failed,best"]) == 0
    assert "added webhook-1" in capsys.readouterr().out
    slack = "https://hooks.slack.com/services/T/B/X"
    assert main(["notify", "add", "webhook", slack, "--preset", "slack"]) == 0
    capsys.readouterr()
    document = _json_list(capsys)
    assert document["schema"] == 1
    channels = document["channels"]
    assert isinstance(channels, list)
    assert [(c["name"], c["preset"], c["on"]) for c in channels] == [
        ("webhook-1", "ntfy", ["failed", "best"]),
        ("webhook-2", "slack", ["succeeded", "failed", "diverged", "lost"])]
    assert channels[1]["url"] == slack
    assert stat.S_IMODE((config_dir / "notify.toml").stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert main(["notify", "remove", "webhook-1"]) == 0
    assert main(["notify", "list"]) == 0
    text = capsys.readouterr().out
    assert "webhook-2" in text and "ntfy.sh" not in text


def test_a_kept_password_is_never_printed(capsys: pytest.CaptureFixture[str], config_dir: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    assert main(["notify", "add", "email", "me@example.com", "--smtp", "smtp.example.com:465", "--tls", "ssl",
                 "--user", "me", "--password-stdin", "--name", "mail"]) == 0
    assert main(["notify", "add", "email", "you@example.com", "--smtp", "smtp.example.com:587",
                 "--user", "you", "--password-env", "MY_SMTP_PW"]) == 0
    assert SECRET in (config_dir / "notify.toml").read_text()
    assert main(["notify", "list"]) == 0
    text = capsys.readouterr().out
    assert "mail" in text and "email-1" in text and "$MY_SMTP_PW" in text
    document = _json_list(capsys)
    assert SECRET not in json.dumps(document) and SECRET not in text
    channels = document["channels"]
    assert isinstance(channels, list)
    assert channels[0]["password"] == "********" and channels[1]["password_env"] == "MY_SMTP_PW"


@pytest.mark.parametrize(("argv", "said"), [
    (["notify", "add", "webhook", "http://h/x", "--preset", "pager"], "unknown webhook preset"),
    (["notify", "add", "webhook", "http://h/x", "--on", "failed,done"], "unknown event done"),
    (["notify", "add", "webhook", "ftp://h/x"], "not an http(s) URL"),
    (["notify", "add", "email", "me@example.com", "--smtp", "smtp.example.com"], "is not HOST:PORT"),
    (["notify", "add", "email", "me@example.com", "--smtp", "h:25", "--tls", "tls13"], "unknown --tls"),
    (["notify", "remove", "nope"], "no notification channel named 'nope'"),
    (["notify", "test", "nope"], "no notification channel named 'nope'"),
    (["notify", "test"], "no notification channels to test"),
])
def test_bad_input_exits_2_with_error_and_hint(argv: list[str], said: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and said in err.splitlines()[0] and "\nhint: " in err


def test_a_duplicate_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "add", "webhook", "http://h/x", "--name", "lab"]) == 0
    assert main(["notify", "add", "webhook", "http://h/y", "--name", "lab"]) == 2
    assert "exists already" in capsys.readouterr().err


def test_a_corrupt_file_is_a_message_not_a_traceback(capsys: pytest.CaptureFixture[str],
                                                     config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "notify.toml").write_text("[[channel]\n")
    assert main(["notify", "list"]) == 2
    err = capsys.readouterr().err
    assert str(config_dir / "notify.toml") in err and "Traceback" not in err and "hint:" in err


def test_test_sends_to_every_channel_and_exits_1_naming_the_one_that_failed(
        capsys: pytest.CaptureFixture[str]) -> None:
    with http_recorder() as server, smtp_server(user="me", password=SECRET) as mailbox:
        assert main(["notify", "add", "webhook", server.url, "--preset", "dingtalk", "--on", "best"]) == 0
        assert main(["notify", "add", "email", "me@example.com", "--smtp", f"127.0.0.1:{mailbox.port}",
                     "--tls", "none", "--user", "me", "--password-env", "VOCSEG_TEST_PW"]) == 0
        capsys.readouterr()
        with pytest.MonkeyPatch.context() as env:
            env.setenv("VOCSEG_TEST_PW", SECRET)
            assert main(["notify", "test"]) == 0
        [request] = server.wait_for(1)
        assert request.json()["msgtype"] == "text" and "[test]" in request.json()["text"]["content"]
        [mail] = mailbox.wait_for(1)
        assert "[test]" in mail["Subject"]
        out = capsys.readouterr().out
        assert "webhook-1: sent" in out and "email-1: sent" in out and SECRET not in out
        dead = f"http://127.0.0.1:{closed_port()}/x"
        assert main(["notify", "add", "webhook", dead, "--name", "dead"]) == 0
        capsys.readouterr()
        with pytest.MonkeyPatch.context() as env:
            env.setenv("VOCSEG_TEST_PW", SECRET)
            assert main(["notify", "test"]) == 1
        out = capsys.readouterr().out
        assert "dead: failed: could not reach the server" in out and "webhook-1: sent" in out
        assert main(["notify", "test", "webhook-1"]) == 0
        server.wait_for(3)


def test_notify_without_an_action_prints_its_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify"]) == 2
    assert "add" in capsys.readouterr().err
    assert main(["notify", "add"]) == 2
    assert "webhook" in capsys.readouterr().err
