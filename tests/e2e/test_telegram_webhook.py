"""End to end over the Telegram webhook: real-shaped updates go in through `POST
/webhook/telegram`, the real engine answers, and the replies are read from what the fake Bot API
server recorded."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storage import repositories as repo
from storage.db import Database
from storage.models import attachments, inbox, tickets
from tests.fakes.telegram_api import (
    USER_ID,
    FakeTelegramAPI,
    TelegramApp,
    callback_update,
    document_update,
    photo_update,
    running_telegram_app,
    telegram_settings,
    text_update,
)

pytest_plugins = ["tests.fakes.telegram_fixtures"]
pytestmark = pytest.mark.usefixtures("offline_network")

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(200)
    + b"\xff\xd9"
)
TICKET_REF = re.compile(r"BABEL-\d{4}-\d{5}")


@pytest.fixture
async def telegram(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> AsyncIterator[TelegramApp]:
    """The app on SQLite, in webhook mode, talking to the fake Bot API."""
    settings = telegram_settings(fake_telegram, tmp_path / "data")
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db) as app:
        yield app


async def reach_document_question(tg: TelegramApp, *, chat_id: int = USER_ID) -> None:
    """Chat from /start up to the network-repair request's letter (the document question)."""
    await tg.say("/start", chat_id=chat_id)
    confirm = await tg.say("internet kantor mati", chat_id=chat_id)
    assert ("Ya", "svc:jaringan-intra") in confirm[-1].buttons()
    answers = [
        ("OPD", "Dinas Pendidikan"),
        ("penanggung jawab", "Budi Santoso"),
        ("nip", "bukan ASN"),
        ("telepon", "081234567890"),
        ("lokasi", "Gedung A lantai 2, ruang rapat"),
        ("kebutuhan", "Internet mati sejak pagi di seluruh ruangan"),
        ("dampak", "seluruh kantor"),
    ]
    question = (await tg.tap("svc:jaringan-intra", chat_id=chat_id))[-1].params["text"]
    for topic, answer in answers:
        assert topic.lower() in question.lower(), question
        question = (await tg.say(answer, chat_id=chat_id))[-1].params["text"]
    assert "berkas" in question.lower(), question


async def count(db: Database, table: object) -> int:
    """Rows in a table."""
    async with db.transaction() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_a_requester_files_a_ticket_through_telegram(telegram: TelegramApp) -> None:
    fake = telegram.fake
    await reach_document_question(telegram)
    fake.add_file("letter-1", PDF, file_path="documents/file_1.pdf")

    summary = await telegram.deliver(document_update("letter-1", file_size=len(PDF)))
    assert "surat.pdf" in summary[-1].params["text"]
    assert ("Kirim", "sum:send") in summary[-1].buttons()

    filed = await telegram.tap("sum:send")
    ref = TICKET_REF.search(filed[-1].params["text"])
    assert ref is not None, filed[-1].params["text"]

    async with telegram.db.transaction() as conn:
        ticket = await repo.get_ticket(conn, ref=ref.group())
    assert ticket is not None
    assert ticket.channel == "telegram" and ticket.chat_id == str(USER_ID)
    assert "Dinas Pendidikan" in ticket.fields.values()
    async with telegram.db.transaction() as conn:
        stored = (await conn.execute(select(attachments.c.ticket_id, attachments.c.mime))).all()
    assert [(row.ticket_id, row.mime) for row in stored] == [(ticket.id, "application/pdf")]


async def test_every_button_tap_is_answered_and_its_keyboard_removed(telegram: TelegramApp) -> None:
    await telegram.say("/start")
    await telegram.say("internet kantor mati")
    update = callback_update("svc:jaringan-intra", message_id=4321)

    await telegram.deliver(update)

    query_id = update["callback_query"]["id"]
    assert [c.params["callback_query_id"] for c in telegram.fake.calls("answerCallbackQuery")] == [
        query_id
    ]
    edits = telegram.fake.calls("editMessageReplyMarkup")
    assert [(c.chat_id, c.params["message_id"]) for c in edits] == [(str(USER_ID), "4321")]
    assert "reply_markup" not in edits[0].params or edits[0].json("reply_markup") in (None, {})


async def test_a_stale_button_is_answered_politely(telegram: TelegramApp) -> None:
    await telegram.say("/start")
    await telegram.tap("sum:send")  # a summary button from a dialog that no longer exists

    replies = await telegram.tap("sum:send")

    assert replies, "a tap on an old button still gets an answer"
    assert "Traceback" not in replies[-1].params["text"]
    assert len(telegram.fake.calls("answerCallbackQuery")) == 2
    assert await count(telegram.db, tickets) == 0


async def test_a_photo_is_accepted_as_the_requested_document(telegram: TelegramApp) -> None:
    await reach_document_question(telegram)
    telegram.fake.add_file("photo-large", JPEG, file_path="photos/file_7.jpg")

    replies = await telegram.deliver(photo_update("photo-large", file_size=len(JPEG)))

    assert [c.params["file_id"] for c in telegram.fake.calls("getFile")] == ["photo-large"]
    assert "Kirim permohonan ini?" in replies[-1].params["text"]
    async with telegram.db.transaction() as conn:
        mimes = (await conn.execute(select(attachments.c.mime))).scalars().all()
    assert mimes == ["image/jpeg"]


async def test_a_file_over_telegrams_20_mb_limit_is_explained_without_downloading_it(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path / "data", max_attachment_bytes=50 * 2**20)
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db) as telegram:
        await reach_document_question(telegram)
        update = document_update("huge", file_name="scan.pdf", file_size=25 * 2**20)

        replies = await telegram.deliver(update)
        again = await telegram.deliver(update)  # Telegram redelivers: no second notice

        assert fake_telegram.calls("getFile") == []
        assert len(replies) == 1 and not again
        assert "Telegram" in replies[0].params["text"] and "20 MB" in replies[0].params["text"]
        # The dialog still waits for the document.
        follow_up = await telegram.say("sudah saya kirim")
        assert "berkas" in follow_up[-1].params["text"].lower()


async def test_a_file_over_the_service_limit_is_stopped_while_downloading(
    fake_telegram: FakeTelegramAPI, sqlite_db: Database, tmp_path: Path
) -> None:
    settings = telegram_settings(fake_telegram, tmp_path / "data", max_attachment_bytes=1000)
    async with running_telegram_app(fake_telegram, settings, db=sqlite_db) as telegram:
        await reach_document_question(telegram)
        # Neither the update nor getFile tells the size: only the download can notice.
        fake_telegram.add_file("big", PDF + bytes(5000), declare_size=False)

        replies = await telegram.deliver(document_update("big"))

        assert [c.params["file_id"] for c in fake_telegram.calls("getFile")] == ["big"]
        assert "1 MB" in replies[-1].params["text"]
        assert await count(telegram.db, attachments) == 0


async def test_a_file_telegram_refuses_to_hand_over_is_explained(telegram: TelegramApp) -> None:
    await reach_document_question(telegram)
    telegram.fake.add_file("refused", PDF, too_big=True)

    replies = await telegram.deliver(document_update("refused"))

    assert "20 MB" in replies[-1].params["text"]


async def test_a_document_caption_is_read_as_text_and_the_file_kept(telegram: TelegramApp) -> None:
    await reach_document_question(telegram)
    telegram.fake.add_file("with-caption", PDF)

    replies = await telegram.deliver(document_update("with-caption", caption="ini suratnya"))

    assert "Kirim permohonan ini?" in replies[-1].params["text"]


async def test_a_command_addressed_to_the_bot_in_a_group_works(telegram: TelegramApp) -> None:
    replies = await telegram.say("/layanan@servicedesk_test_bot")

    assert ("Jaringan Intra", "svc:jaringan-intra") in replies[-1].buttons()


async def test_after_choosing_english_the_menu_and_notices_are_in_english(
    telegram: TelegramApp,
) -> None:
    indonesian = (await telegram.say("/start"))[-1].buttons()
    languages = (await telegram.say("/bahasa"))[-1].buttons()
    english = next(data for label, data in languages if label == "English")

    menu = (await telegram.tap(english))[-1].buttons()
    notice = await telegram.deliver(document_update("huge", file_size=30 * 2**20))

    assert [data for _, data in menu] == [data for _, data in indonesian]
    assert [label for label, _ in menu] != [label for label, _ in indonesian]
    assert notice[-1].params["text"].startswith("Sorry, Telegram only lets bots")


async def test_inbound_updates_are_recorded_once_each(telegram: TelegramApp) -> None:
    first = text_update("/start")
    await telegram.deliver(first)
    await telegram.deliver(first)
    await telegram.say("halo")

    assert await count(telegram.db, inbox) == 2


async def test_a_typed_yes_over_telegram_keeps_the_matched_service(telegram: TelegramApp) -> None:
    await telegram.say("/start", chat_id=USER_ID)
    confirm = await telegram.say("internet kantor mati", chat_id=USER_ID)
    assert ("Ya", "svc:jaringan-intra") in confirm[-1].buttons()
    question = (await telegram.say("iya betul pak", chat_id=USER_ID))[-1].params["text"]
    assert "OPD" in question, question


async def test_a_client_that_hangs_up_while_sending_is_let_go_quietly(
    telegram: TelegramApp, caplog: pytest.LogCaptureFixture
) -> None:
    sent: list[MutableMapping[str, Any]] = []
    parts: Iterator[dict[str, Any]] = iter(
        [
            {"type": "http.request", "body": b'{"update_id": 1, "mess', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(parts)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/webhook/telegram",
        "raw_path": b"/webhook/telegram",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (
                b"x-telegram-bot-api-secret-token",
                telegram.settings.telegram_webhook_secret.encode(),
            ),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("servicedesk", 80),
    }
    with caplog.at_level(logging.DEBUG):
        await telegram.app(scope, receive, send)

    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert await count(telegram.db, inbox) == 0  # nothing half-read was taken for an update
