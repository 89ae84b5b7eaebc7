"""The Telegram webhook under duplicate deliveries, forged requests, hostile payloads, a database
that cannot write, and a server killed mid-dialog."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from storage import repositories as repo
from storage.db import Database
from storage.models import conversations, inbox, outbox, tickets
from tests.fakes.telegram_api import (
    TOKEN,
    USER_ID,
    WEBHOOK_SECRET,
    FakeTelegramAPI,
    TelegramApp,
    callback_update,
    document_update,
    photo_update,
    running_telegram_app,
    telegram_settings,
    text_update,
)
from tests.support.serve import Server, server_env

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

ROOT = Path(__file__).resolve().parents[2]
TICKET_REF = re.compile(r"BABEL-\d{4}-\d{5}")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def count(db: Database, table: Any) -> int:
    """Rows in a table."""
    async with db.transaction() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def nothing_stored(db: Database) -> bool:
    """No update recorded, no conversation, no reply queued, no ticket."""
    return all([await count(db, t) == 0 for t in (inbox, conversations, outbox, tickets)])


@pytest.fixture
async def telegram(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> AsyncIterator[TelegramApp]:
    """The app on SQLite, in webhook mode, talking to the fake Bot API."""
    async with running_telegram_app(
        fake_telegram, telegram_settings(fake_telegram, tmp_path / "data"), db=sqlite_db
    ) as app:
        yield app


# ---------------------------------------------------------------------- duplicates


async def test_the_same_update_delivered_three_times_makes_one_ticket(
    fake_telegram: FakeTelegramAPI, db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path / "data")
    async with running_telegram_app(fake_telegram, settings, db=db) as tg:
        for step in (
            text_update("/start"),
            text_update("internet kantor mati"),
            callback_update("svc:jaringan-intra"),
            text_update("Dinas Pendidikan"),
            text_update("Budi Santoso"),
            text_update("lewati"),  # no NIP
            text_update("081234567890"),
            text_update("Gedung A lantai 2"),
            text_update("Internet mati sejak pagi"),
            text_update("seluruh kantor"),  # the impact of the disturbance
            callback_update("skip"),
        ):
            await tg.deliver(step)
        send = callback_update("sum:send")

        replies = [await tg.deliver(send) for _ in range(3)]

        assert [len(r) > 0 for r in replies] == [True, False, False]
        assert TICKET_REF.search(replies[0][-1].params["text"])
        assert await count(db, tickets) == 1


# ---------------------------------------------------------------------- forged requests


@pytest.mark.parametrize(
    "secret",
    [None, "", "wrong", WEBHOOK_SECRET.upper(), WEBHOOK_SECRET[:-1], WEBHOOK_SECRET + "x"],
    ids=["missing", "empty", "wrong", "other-case", "prefix", "longer"],
)
async def test_forged_or_unsigned_webhooks_are_refused_and_change_nothing(
    telegram: TelegramApp, secret: str | None
) -> None:
    response = await telegram.post(text_update("/start"), secret=secret)

    assert response.status_code == 403
    assert await nothing_stored(telegram.db)
    assert telegram.fake.calls("sendMessage") == []


async def test_a_forged_request_is_refused_before_its_body_is_read(telegram: TelegramApp) -> None:
    garbage = await telegram.post(b"{not json", secret="wrong")
    huge = await telegram.post(b"x" * (3 * 1024 * 1024), secret="wrong")

    assert (garbage.status_code, huge.status_code) == (403, 403)


# ---------------------------------------------------------------------- hostile payloads


async def test_an_oversized_body_is_refused_and_changes_nothing(telegram: TelegramApp) -> None:
    update = text_update("a" * (2 * 1024 * 1024))

    response = await telegram.post(update)

    assert response.status_code == 413
    assert await nothing_stored(telegram.db)


async def test_an_oversized_body_without_a_length_header_is_refused_too(
    telegram: TelegramApp,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"update_id": 1, "message": {"text": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}}'

    response = await telegram.client.post(
        "/webhook/telegram", content=chunks(), headers={SECRET_HEADER: WEBHOOK_SECRET}
    )

    assert response.status_code == 413
    assert await nothing_stored(telegram.db)


def _mutated(update: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of `update` with the value at `path` replaced."""
    result = copy.deepcopy(update)
    node = result
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return result


MALFORMED: dict[str, bytes | Any] = {
    "not-json": b"{not json",
    "invalid-utf8": b'{"update_id": 1, "message": "\xff\xfe"}',
    "deeply-nested": b"[" * 100_000 + b"]" * 100_000,
    "array": [1, 2, 3],
    "string": "update",
    "null": None,
    "empty-object": {},
    "no-update-id": {"message": text_update("/start")["message"]},
    "update-id-as-text": _mutated(text_update("/start"), ("update_id",), "seven"),
    "update-id-too-big": _mutated(text_update("/start"), ("update_id",), 10**30),
    "chat-id-as-text": _mutated(text_update("/start"), ("message", "chat", "id"), "abc"),
    "chat-missing": _mutated(text_update("/start"), ("message", "chat"), None),
    "text-as-number": _mutated(text_update("/start"), ("message", "text"), 42),
    "sender-missing": _mutated(text_update("/start"), ("message", "from"), None),
    "message-as-list": _mutated(text_update("/start"), ("message",), [1, 2]),
    "callback-data-too-long": _mutated(
        callback_update("svc:x"), ("callback_query", "data"), "x" * 500
    ),
    "callback-without-data": _mutated(callback_update("svc:x"), ("callback_query", "data"), None),
    "photo-size-as-text": _mutated(photo_update("p", file_size=10), ("message", "photo"), ["x"]),
    "document-as-text": _mutated(document_update("d"), ("message", "document"), "surat.pdf"),
    "edited-message-only": {"update_id": 5, "edited_message": text_update("x")["message"]},
    "unknown-kind": {"update_id": 6, "poll": {"id": "1"}},
}


@pytest.mark.parametrize("body", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_an_authentic_but_unusable_payload_is_acknowledged_without_a_trace(
    telegram: TelegramApp, body: Any
) -> None:
    if not isinstance(body, bytes):
        body = json.dumps(body)

    response = await telegram.post(body)

    assert response.status_code == 200
    assert "Traceback" not in response.text
    assert await count(telegram.db, tickets) == 0
    assert await count(telegram.db, inbox) == 0


async def test_an_unusable_payload_does_not_disturb_the_next_update(telegram: TelegramApp) -> None:
    await telegram.post(b"[[[")

    replies = await telegram.say("/start")

    assert "Selamat datang" in replies[-1].params["text"]


async def test_a_failed_durable_write_asks_telegram_to_deliver_again(
    telegram: TelegramApp,
) -> None:
    async with telegram.db.transaction() as conn:
        await conn.execute(text("DROP TABLE inbox"))

    response = await telegram.post(text_update("/start"))

    assert response.status_code == 503
    assert "Traceback" not in response.text
    assert telegram.fake.calls("sendMessage") == []


# -------------------------------------------------------- random payloads (hypothesis)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
TEMPLATES = [
    text_update("/start", update_id=1),
    text_update("internet kantor mati", update_id=2),
    callback_update("svc:jaringan-intra", update_id=3),
    document_update("doc", file_size=100, caption="surat", update_id=4),
    photo_update("photo", file_size=100, update_id=5),
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated_updates(draw: st.DrawFn) -> Any:
    """A real-shaped update with a few values swapped for random JSON."""
    update = copy.deepcopy(draw(st.sampled_from(TEMPLATES)))
    update["update_id"] = draw(st.integers(min_value=1, max_value=2**40))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(update)))
        node = update
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier swap removed this path
    return update


class SyncApp:
    """The running app driven from synchronous code (hypothesis runs synchronous tests)."""

    def __init__(self, portal: BlockingPortal, app: TelegramApp) -> None:
        self.portal = portal
        self.app = app

    def post(self, body: bytes, secret: str | None = WEBHOOK_SECRET) -> httpx.Response:
        """POST raw bytes to the webhook."""
        return self.portal.call(lambda: self.app.post(body, secret=secret))


@pytest.fixture
def sync_app(fake_telegram: FakeTelegramAPI, tmp_path: Path) -> Iterator[SyncApp]:
    """The app running in a background event loop, on its own SQLite file."""
    settings = telegram_settings(fake_telegram, tmp_path / "data")
    with start_blocking_portal() as portal:
        running = portal.wrap_async_context_manager(running_telegram_app(fake_telegram, settings))
        with running as app:
            yield SyncApp(portal, app)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=json_values | mutated_updates())
def test_random_json_never_causes_a_server_error(sync_app: SyncApp, body: Any) -> None:
    response = sync_app.post(json.dumps(body).encode())

    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300), secret=st.none() | st.text(max_size=40))
def test_random_bytes_and_secrets_never_cause_a_server_error(
    sync_app: SyncApp, body: bytes, secret: str | None
) -> None:
    try:
        response = sync_app.post(body, secret)
    except UnicodeEncodeError:
        return  # httpx refuses a header it cannot encode: nothing reached the server
    assert response.status_code in (200, 403)
    assert "Traceback" not in response.text


# ---------------------------------------------------------------------- SIGKILL


class ServerProcess(Server):
    """`servicedesk serve` (tests/support/serve.py) that also takes authentic webhook POSTs."""

    def post(self, update: dict[str, Any]) -> int:
        """POST an authentic update; the status code."""
        response = httpx.post(
            f"{self.url}/webhook/telegram",
            json=update,
            headers={SECRET_HEADER: WEBHOOK_SECRET},
            timeout=30,
        )
        return response.status_code


@pytest.fixture
def server(fake_telegram: FakeTelegramAPI, tmp_path: Path) -> Iterator[ServerProcess]:
    """A `servicedesk serve` process (not started) on a fresh SQLite file, using the fake API."""
    env = server_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        TELEGRAM_API_BASE_URL=fake_telegram.base_url,
        TELEGRAM_FILE_BASE_URL=fake_telegram.file_base_url,
    )
    process = ServerProcess(env, tmp_path / "server.log")
    try:
        yield process
    finally:
        process.stop()


def test_a_server_killed_mid_dialog_resumes_at_the_same_step_with_nothing_lost(
    server: ServerProcess, fake_telegram: FakeTelegramAPI, tmp_path: Path
) -> None:
    server.start()
    for update in (
        text_update("/start"),
        text_update("internet kantor mati"),
        callback_update("svc:jaringan-intra"),
        text_update("Dinas Pendidikan"),
    ):
        assert server.post(update) == 200
    assert "penanggung jawab" in fake_telegram.texts_to(USER_ID)[-1]
    # The reply to the next answer hits a 429, so it is still in the outbox at the kill.
    fake_telegram.rate_limit("sendMessage", chat_id=USER_ID, retry_after=1)
    assert server.post(text_update("Budi Santoso")) == 200
    assert "nip" not in fake_telegram.texts_to(USER_ID)[-1].lower()

    server.kill()
    server.start()

    fake_telegram.wait_for(lambda f: "nip" in f.texts_to(USER_ID)[-1].lower(), timeout=60)
    assert server.post(text_update("198501012010011003")) == 200
    assert "telepon" in fake_telegram.texts_to(USER_ID)[-1].lower()
    assert server.post(text_update("081234567890")) == 200
    assert "lokasi" in fake_telegram.texts_to(USER_ID)[-1].lower()
    for update in (
        text_update("Gedung A lantai 2"),
        text_update("Internet mati sejak pagi"),
        text_update("seluruh kantor"),  # the impact of the disturbance
        callback_update("skip"),
        callback_update("sum:send"),
    ):
        assert server.post(update) == 200
    ref = TICKET_REF.search(fake_telegram.texts_to(USER_ID)[-1])
    assert ref is not None
    server.stop()

    ticket = _read_ticket(tmp_path / "servicedesk.db", ref.group())
    assert {"Dinas Pendidikan", "Budi Santoso"} <= set(ticket.fields.values())
    log = (tmp_path / "server.log").read_text()
    assert TOKEN not in log, "the bot token must never reach the logs"


def _read_ticket(path: Path, ref: str) -> repo.TicketRecord:
    """The ticket, read from the server's database file."""

    async def read() -> repo.TicketRecord:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async with database.transaction() as conn:
                ticket = await repo.get_ticket(conn, ref=ref)
        finally:
            await database.dispose()
        assert ticket is not None
        return ticket

    return asyncio.run(read())
