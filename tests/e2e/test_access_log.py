"""What `servicedesk serve` prints, as an operator reads it: one access line per request, but
never a query string (WhatsApp's webhook check carries the verify token in one) nor the web
chat's poll every 3 seconds; and even at LOG_LEVEL=DEBUG never the bot token."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli.logs import AccessLogFilter
from tests.fakes.telegram_api import TOKEN, WEBHOOK_SECRET, FakeTelegramAPI, text_update
from tests.support.serve import Server, server_env

pytest_plugins = ["tests.fakes.telegram_fixtures"]

VERIFY_TOKEN = "verify-9f8e7d6c5b4a"


@pytest.fixture
def server(fake_telegram: FakeTelegramAPI, tmp_path: Path) -> Iterator[Server]:
    """A server at LOG_LEVEL=DEBUG with Telegram (the fake) and WhatsApp's verify token."""
    env = server_env(
        tmp_path,
        LOG_LEVEL="DEBUG",
        WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url,
        TELEGRAM_FILE_BASE_URL=fake_telegram.file_base_url,
    )
    running = Server(env, tmp_path / "server.log").start()
    try:
        yield running
    finally:
        running.stop()


def test_the_access_log_has_no_query_string_no_poll_and_no_token(
    server: Server, fake_telegram: FakeTelegramAPI
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        subscribe = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}
        check = client.get("/webhook/whatsapp", params={**subscribe, "hub.challenge": "42"})
        assert check.text == "42"
        assert client.get("/").status_code == 200
        for after in ("0", "0", "0"):
            assert client.get("/web/api/messages", params={"after": after}).status_code == 200
        update = client.post(
            "/webhook/telegram",
            json=text_update("/start"),
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert update.status_code == 200
    fake_telegram.wait_for(lambda fake: bool(fake.calls("sendMessage")), timeout=30)
    server.stop()

    log = server.output()
    assert '"GET /webhook/whatsapp HTTP/1.1" 200' in log
    assert '"POST /webhook/telegram HTTP/1.1" 200' in log
    assert VERIFY_TOKEN not in log and "hub.verify_token" not in log
    assert "/web/api/messages" not in log
    assert TOKEN not in log and TOKEN.split(":", 1)[1] not in log


def access_record(method: str, target: str, status: int) -> logging.LogRecord:
    """A record as uvicorn's access logger makes it."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", method, target, "1.1", status),
        None,
    )


def test_a_failing_poll_is_still_logged_and_other_query_strings_are_dropped() -> None:
    keep = AccessLogFilter()
    failing = access_record("GET", "/web/api/messages?after=5", 503)
    upload = access_record("POST", "/web/api/upload?x=secret", 200)

    assert keep.filter(failing) and keep.filter(upload)
    assert not keep.filter(access_record("GET", "/web/api/messages?after=5", 200))
    assert failing.getMessage() == '127.0.0.1:5000 - "GET /web/api/messages HTTP/1.1" 503'
    assert "secret" not in upload.getMessage()
